"""/v1/host over real HTTP: the facts come from this machine, checked against its /sys and OVS."""

from __future__ import annotations

import os
import platform

import httpx

from hearth.qemu.accel import kvm_usable
from tests.host import netdevs

from ._live import error_of
from .conftest import Running


def _interfaces(client: httpx.Client) -> dict[str, dict[str, object]]:
    resp = client.get("/v1/host/interfaces")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["next"] is None
    return {i["name"]: i for i in body["interfaces"]}


def test_host_info(demo: httpx.Client) -> None:
    resp = demo.get("/v1/host")
    assert resp.status_code == 200, resp.text
    info = resp.json()
    assert info["arch"] == platform.machine() and info["cpus"] == os.cpu_count()
    assert info["kernel"] == os.uname().release and info["memory_mib"] > 0
    assert info["kvm_usable"] == kvm_usable()
    assert info["accelerator"] in ("kvm", "tcg")


def test_interfaces_show_kinds_and_use(demo: httpx.Client) -> None:
    with netdevs.veth_pair() as (a, b):
        found = _interfaces(demo)
        assert found[a]["kind"] == "veth" and found[b]["kind"] == "veth"
        assert found[a]["in_use"] is False
        assert found["lo"]["kind"] == "loopback"
        with netdevs.macvtap_on(a) as mvt:
            found = _interfaces(demo)
            assert found[a]["in_use"] is True and found[a]["used_by"] == [mvt]
            assert found[mvt]["kind"] == "macvtap" and found[mvt]["lower"] == [a]
        with netdevs.linux_bridge() as br:
            netdevs.run("ip", "link", "set", b, "master", br)
            found = _interfaces(demo)
            assert found[br]["kind"] == "bridge" and found[br]["ports"] == [b]
            assert found[b]["master"] == br and found[b]["in_use"] is True
    assert a not in _interfaces(demo)


def test_interfaces_page_by_name(demo: httpx.Client) -> None:
    """Other processes may add or remove devices meanwhile; ours must be there, pages in name order."""
    with netdevs.veth_pair() as (a, b):
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
            page = demo.get("/v1/host/interfaces", params=params).json()
            assert len(page["interfaces"]) <= 1
            seen += [i["name"] for i in page["interfaces"]]
            cursor = page["next"]
            if cursor is None:
                break
    assert seen == sorted(set(seen)) and {a, b, "lo"} <= set(seen)


def test_ovs_bridges(demo: httpx.Client) -> None:
    with netdevs.ovs_bridge() as br:
        resp = demo.get("/v1/host/ovsbridges")
        assert resp.status_code == 200, resp.text
        bridges = {b["name"]: b for b in resp.json()["ovsbridges"]}
        assert bridges[br] == {"name": br, "datapath_type": "netdev", "ports": [br]}
    assert br not in {b["name"] for b in demo.get("/v1/host/ovsbridges").json()["ovsbridges"]}


def test_host_needs_authentication(server: Running) -> None:
    with httpx.Client(base_url=server.url) as anon:
        for path in ("/v1/host", "/v1/host/interfaces", "/v1/host/ovsbridges"):
            resp = anon.get(path)
            assert resp.status_code == 401 and error_of(resp)["error"] == "AuthFailure"
