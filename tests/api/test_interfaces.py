"""/v1/instances/{id}/interfaces over real HTTP with the mock driver: list, add, change, remove."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ._live import error_of, wait_state
from .conftest import OTHER, Running, created

MAC = "52:54:00:aa:bb:01"


@pytest.fixture
def instance(demo: httpx.Client) -> Iterator[dict[str, Any]]:
    resp = demo.post("/v1/instances", json={"image_id": "debian-12", "hwp_id": "small"})
    inst = wait_state(demo, created(demo, resp)["id"], "RUNNING")
    yield inst
    demo.post(f"/v1/instances/{inst['id']}/stop", json={"force": True})
    wait_state(demo, inst["id"], "STOPPED")
    demo.delete(f"/v1/instances/{inst['id']}")


def _nics(client: httpx.Client, instance_id: str) -> list[dict[str, Any]]:
    resp = client.get(f"/v1/instances/{instance_id}/interfaces")
    assert resp.status_code == 200, resp.text
    return list(resp.json()["interfaces"])


def test_add_read_and_remove_a_nic_while_running(demo: httpx.Client, instance: dict[str, Any]) -> None:
    iid = instance["id"]
    assert _nics(demo, iid) == []
    resp = demo.post(
        f"/v1/instances/{iid}/interfaces", json={"type": "network", "source": "default", "mac": MAC}
    )
    assert resp.status_code == 201, resp.text
    nic = resp.json()
    assert resp.headers["location"] == f"/v1/instances/{iid}/interfaces/{MAC}"
    assert nic["mac"] == MAC and nic["type"] == "network" and nic["source"] == "default"
    assert nic["model"] == "virtio" and nic["mode"] is None and len(nic["ips"]) == 1
    assert demo.get(f"/v1/instances/{iid}/interfaces/{MAC.upper()}").json() == nic
    assert _nics(demo, iid) == [nic]
    assert demo.get(f"/v1/instances/{iid}").json()["private_addresses"] == nic["ips"]
    assert demo.delete(f"/v1/instances/{iid}/interfaces/{MAC}").status_code == 204
    assert _nics(demo, iid) == []
    resp = demo.get(f"/v1/instances/{iid}/interfaces/{MAC}")
    assert resp.status_code == 404 and MAC in error_of(resp)["message"]
    assert demo.get(f"/v1/instances/{iid}").json()["private_addresses"] == []


def test_direct_types_and_generated_macs(demo: httpx.Client, instance: dict[str, Any]) -> None:
    iid = instance["id"]
    made = [
        demo.post(f"/v1/instances/{iid}/interfaces", json=body).json()
        for body in (
            {"type": "macvtap", "source": "eth0"},
            {"type": "macvtap", "source": "eth0", "mode": "vepa", "model": "e1000e"},
            {"type": "ovs", "source": "ovsbr0"},
            {"type": "bridge", "source": "br0", "model": "rtl8139"},
            {"type": "user"},
        )
    ]
    assert [(n["type"], n["mode"], n["model"]) for n in made] == [
        ("macvtap", "bridge", "virtio"),
        ("macvtap", "vepa", "e1000e"),
        ("ovs", None, "virtio"),
        ("bridge", None, "rtl8139"),
        ("user", None, "virtio"),
    ]
    assert all(n["mac"].startswith("52:54:00:") for n in made)
    assert len({n["mac"] for n in made}) == 5
    assert sorted(n["mac"] for n in _nics(demo, iid)) == sorted(n["mac"] for n in made)


def test_update_source_and_model(demo: httpx.Client, instance: dict[str, Any]) -> None:
    iid = instance["id"]
    other = demo.post("/v1/networks", json={"name": "lab2", "address_blocks": ["10.20.0.0/24"]}).json()
    demo.post(
        "/v1/subnets", json={"network_id": other["id"], "name": "lab2-a", "address_block": "10.20.0.0/24"}
    )
    demo.post(f"/v1/instances/{iid}/interfaces", json={"type": "network", "source": "default", "mac": MAC})
    moved = demo.put(f"/v1/instances/{iid}/interfaces/{MAC}", json={"source": "lab2"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["source"] == other["id"] and moved.json()["ips"][0].startswith("10.20.0.")
    resp = demo.put(f"/v1/instances/{iid}/interfaces/{MAC}", json={"model": "e1000"})
    assert resp.status_code == 409 and "STOPPED" in error_of(resp)["message"]
    demo.post(f"/v1/instances/{iid}/stop", json={"force": True})
    wait_state(demo, iid, "STOPPED")
    changed = demo.put(f"/v1/instances/{iid}/interfaces/{MAC}", json={"model": "e1000"})
    assert changed.status_code == 200 and changed.json()["model"] == "e1000"
    assert demo.put(f"/v1/instances/{iid}/interfaces/{MAC}", json={}).status_code == 422
    demo.delete(f"/v1/instances/{iid}/interfaces/{MAC}")


def test_refusals(demo: httpx.Client, instance: dict[str, Any], server: Running) -> None:
    iid = instance["id"]
    base = f"/v1/instances/{iid}/interfaces"
    assert demo.post(base, json={"type": "network", "source": "default", "mac": MAC}).status_code == 201
    dup = demo.post(base, json={"type": "network", "source": "default", "mac": MAC})
    assert dup.status_code == 409 and MAC in error_of(dup)["message"]
    unknown = demo.post(base, json={"type": "network", "source": "nosuchnet"})
    assert unknown.status_code == 400 and "nosuchnet" in error_of(unknown)["message"]
    for body in (
        {"type": "bridge", "source": "br0", "mode": "vepa"},
        {"type": "networkX", "source": "default"},
        {"type": "macvtap"},
        {"type": "user", "source": "x"},
        {"type": "user", "model": "virtio-fast"},
        {"type": "user", "mac": "01:00:5e:00:00:01"},
    ):
        resp = demo.post(base, json=body)
        assert resp.status_code == 422, (body, resp.text)
        assert error_of(resp)["error"] == "ValidationError"
    assert demo.get(f"{base}/not-a-mac").status_code == 422
    assert demo.get("/v1/instances/nosuch/interfaces").status_code == 404
    with server.client(OTHER) as bob:
        assert bob.get(base).status_code == 404
        assert bob.post(base, json={"type": "user"}).status_code == 404
        assert bob.delete(f"{base}/{MAC}").status_code == 404
    assert len(_nics(demo, iid)) == 1


def test_interfaces_page_by_mac(demo: httpx.Client, instance: dict[str, Any]) -> None:
    iid = instance["id"]
    macs = [f"52:54:00:aa:bb:{i:02x}" for i in (5, 3, 9)]
    for mac in macs:
        demo.post(f"/v1/instances/{iid}/interfaces", json={"type": "user", "mac": mac}).raise_for_status()
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = demo.get(f"/v1/instances/{iid}/interfaces", params=params).json()
        seen += [n["mac"] for n in page["interfaces"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == sorted(macs)
