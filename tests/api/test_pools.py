"""/v1/pools over real HTTP, and templates whose disks name pools: the mock's seeded pools, and the
libvirt driver on test:///default with a pool defined on the host by the test and then removed."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import libvirt
import pytest

from hearth.domain import StoragePool as PoolXML
from hearth.drivers.libvirt import LibvirtConfig, LibvirtDriver
from hearth.drivers.libvirt.config import Host

from ..drivers.contract.libvirt_cases import purge
from .conftest import DEMO, OTHER, Running, assert_error, created, serve_driver

BYTES = ("capacity_bytes", "allocation_bytes", "available_bytes")


def test_pools_list_and_get(demo: httpx.Client, server: Running) -> None:
    pools = {p["id"]: p for p in demo.get("/v1/pools").json()["pools"]}
    assert set(pools) == {"default", "archive"}
    default = pools["default"]
    assert default["type"] == "dir" and default["state"] == "ACTIVE" and default["realm"] == "local"
    assert default["owner_id"] == "system" and default["path"]
    assert default["available_bytes"] == default["capacity_bytes"] - default["allocation_bytes"]
    assert pools["archive"]["state"] == "INACTIVE" and all(pools["archive"][k] is None for k in BYTES)
    assert demo.get("/v1/pools/default").json() == default
    err = assert_error(demo.get("/v1/pools/no-such-pool"), 404, "NotFound")
    assert "no-such-pool" in err["message"]
    with server.client(OTHER) as other:  # host-level: every user sees the same pools
        assert {p["id"] for p in other.get("/v1/pools").json()["pools"]} == set(pools)
    with server.client(None) as anonymous:
        assert anonymous.get("/v1/pools").status_code == 401
    page = demo.get("/v1/pools", params={"limit": 1}).json()
    assert len(page["pools"]) == 1 and page["next"]


def test_a_template_disk_in_a_listed_pool_is_valid_and_instantiates(demo: httpx.Client) -> None:
    body = {"name": "pooled", "os": "debian11", "disks": [{"size": 2, "pool": "default"}]}
    r = demo.post("/v1/templates", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["invalid"]["pools"] == []
    created(demo, demo.post("/v1/instances", json={"template": "pooled"}))


@pytest.fixture
def libvirt_server(tmp_path: Path) -> Iterator[tuple[Running, str]]:
    prefix = f"ht{secrets.token_hex(3)}-"
    config = LibvirtConfig(
        hosts=(Host("local", "test:///default"),), state_dir=tmp_path / "libvirt", prefix=prefix
    )
    try:
        with serve_driver(tmp_path, lambda e: LibvirtDriver(config, e), "libvirt") as running:
            yield running, prefix
    finally:
        purge("test:///default", prefix)


def test_a_pool_removed_from_the_host_shows_invalid_and_is_refused(
    libvirt_server: tuple[Running, str], tmp_path: Path
) -> None:
    running, prefix = libvirt_server
    name = f"{prefix}fast"
    xml = PoolXML(type="dir", name=name)
    xml.target_path = str(tmp_path / "fast")
    conn = libvirt.open("test:///default")
    try:
        pool = conn.storagePoolDefineXML(xml.to_xml(), 0)
        pool.create(0)
        with running.client(DEMO) as demo:
            listed = {p["name"]: p for p in demo.get("/v1/pools").json()["pools"]}
            assert listed[name]["state"] == "ACTIVE" and listed[name]["path"] == str(tmp_path / "fast")
            assert demo.get(f"/v1/pools/{name}").json()["id"] == name
            body = {"name": "fastdisk", "os": "debian11", "disks": [{"size": 1, "pool": name}]}
            r = demo.post("/v1/templates", json=body)
            assert r.status_code == 201, r.text
            assert r.json()["invalid"]["pools"] == []

            pool.destroy()
            pool.undefine()
            assert name not in {p["name"] for p in demo.get("/v1/pools").json()["pools"]}
            assert demo.get("/v1/templates/fastdisk").json()["invalid"]["pools"] == [name]
            err = assert_error(
                demo.post("/v1/instances", json={"template": "fastdisk"}), 400, "ValidationError"
            )
            assert name in err["message"] and err["details"]["invalid"]["pools"] == [name]
            assert demo.get("/v1/instances").json()["instances"] == []
    finally:
        conn.close()
