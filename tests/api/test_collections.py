"""Every /v1 collection over real HTTP with the mock driver: list, get, create, change, delete, actions."""

from __future__ import annotations

import httpx

from .conftest import Running, assert_error, created, new_instance, wait_state, wait_task

PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@hearth"


def test_entry_point_lists_what_the_driver_supports(demo: httpx.Client) -> None:
    body = demo.get("/v1").json()
    assert body["driver"] == "mock"
    by_name = {c["name"]: c for c in body["collections"]}
    assert set(by_name) >= {
        "instances", "images", "realms", "hardware_profiles", "keys", "volumes", "snapshots",
        "networks", "subnets", "addresses", "interfaces", "tasks", "pools",
    }  # fmt: skip
    assert by_name["instances"]["href"] == "/v1/instances"
    assert by_name["interfaces"]["href"] == "/v1/instances/{instance_id}/interfaces"
    assert set(by_name["instances"]["operations"]) >= {"list", "get", "create", "start", "stop", "destroy"}
    assert "user_data" in by_name["instances"]["features"]
    assert by_name["volumes"]["features"] == ["volume_name"]
    assert by_name["realms"]["operations"] == ["list", "get"]
    assert by_name["pools"] == {
        "name": "pools",
        "href": "/v1/pools",
        "operations": ["list", "get"],
        "features": [],
    }


def test_instances_lifecycle(demo: httpx.Client) -> None:
    r = demo.post("/v1/instances", json={"image_id": "debian-12", "hwp_id": "small", "name": "web"})
    inst = created(demo, r)  # 202, the task, Location the instance; then the task's result
    assert r.headers["location"] == f"/v1/instances/{inst['id']}"
    assert inst["name"] == "web" and inst["image"] == "debian-12" and inst["hardware_profile"] == "small"
    assert inst["state"] in ("PENDING", "RUNNING")
    running = wait_state(demo, inst["id"], "RUNNING")
    assert running["actions"] == ["stop", "reboot", "suspend"]
    assert demo.get(r.headers["location"]).json()["id"] == inst["id"]

    for action, state in (("reboot", "RUNNING"), ("suspend", "PAUSED"), ("resume", "RUNNING")):
        r = demo.post(f"/v1/instances/{inst['id']}/{action}")
        assert r.status_code == 202, r.text
        assert r.json()["state"] == state
    r = demo.post(f"/v1/instances/{inst['id']}/stop", json={"timeout": 5})
    assert r.status_code == 202 and r.json()["state"] in ("STOPPING", "STOPPED")
    wait_state(demo, inst["id"], "STOPPED")
    r = demo.post(f"/v1/instances/{inst['id']}/start")
    assert r.status_code == 202 and r.json()["state"] == "RUNNING"
    assert demo.post(f"/v1/instances/{inst['id']}/stop", json={"force": True}).json()["state"] == "STOPPED"
    r = demo.post(f"/v1/instances/{inst['id']}/destroy")
    assert r.status_code == 202 and r.json()["state"] == "FINISHED"
    assert_error(demo.get(f"/v1/instances/{inst['id']}"), 404, "NotFound")


def test_instances_delete_is_destroy(demo: httpx.Client) -> None:
    inst = new_instance(demo)
    wait_state(demo, inst["id"], "RUNNING")
    demo.post(f"/v1/instances/{inst['id']}/stop", json={"force": True})
    r = demo.delete(f"/v1/instances/{inst['id']}")
    assert r.status_code == 204 and r.content == b""
    assert_error(demo.get(f"/v1/instances/{inst['id']}"), 404, "NotFound")


def test_instances_filters(demo: httpx.Client) -> None:
    inst = new_instance(demo, name="filtered")
    wait_state(demo, inst["id"], "RUNNING")
    demo.post(f"/v1/instances/{inst['id']}/suspend")
    paused = demo.get("/v1/instances", params={"state": "PAUSED", "limit": 1000}).json()["instances"]
    assert inst["id"] in {i["id"] for i in paused} and all(i["state"] == "PAUSED" for i in paused)
    assert demo.get("/v1/instances", params={"realm": "remote"}).json()["instances"] == []


def test_instances_with_overrides_key_and_user_data(demo: httpx.Client) -> None:
    key = demo.post("/v1/keys", json={"name": "for-vm", "public_key": PUBLIC_KEY}).json()
    inst = new_instance(
        demo,
        hwp_id="flexible",
        hwp_overrides={"memory": 2048, "cpu": 2},
        key_name=key["name"],
        user_data="#!/bin/sh",
    )
    assert inst["hardware_profile_overrides"] == {"memory": 2048, "cpu": 2}
    assert inst["key_name"] == "for-vm"
    r = demo.post(
        "/v1/instances",
        json={"image_id": "debian-12", "hwp_id": "flexible", "hwp_overrides": {"memory": 100}},
    )
    body = assert_error(r, 400, "ValidationError")
    assert "memory" in str(body["message"])


def test_several_instances_are_created_as_a_task(demo: httpx.Client) -> None:
    r = demo.post(
        "/v1/instances",
        params={"count": 3},
        json={"image_id": "debian-12", "hwp_id": "small", "name": "farm"},
    )
    assert r.status_code == 202
    task = r.json()
    assert r.headers["location"] == f"/v1/tasks/{task['id']}"
    assert task["kind"] == "instances.create" and task["status"] in ("queued", "running", "succeeded")
    done = wait_task(demo, r.headers["location"])
    assert done["status"] == "succeeded" and done["progress"] == 100 and done["error"] is None
    names = sorted(i["name"] for i in done["result"]["instances"])
    assert names == ["farm-1", "farm-2", "farm-3"]
    for made in done["result"]["instances"]:
        assert demo.get(f"/v1/instances/{made['id']}").status_code == 200


def test_images(demo: httpx.Client) -> None:
    listed = demo.get("/v1/images").json()
    assert {"debian-12", "fedora-40", "alpine-3.19"} <= {i["id"] for i in listed["images"]}
    assert listed["next"] is None
    assert demo.get("/v1/images/debian-12").json()["os"] == "debian12"
    inst = new_instance(demo)
    wait_state(demo, inst["id"], "RUNNING")
    assert_error(
        demo.post("/v1/images", json={"instance_id": inst["id"], "name": "snap"}), 409, "InvalidState"
    )
    demo.post(f"/v1/instances/{inst['id']}/stop", json={"force": True})
    r = demo.post("/v1/images", json={"instance_id": inst["id"], "name": "captured", "description": "mine"})
    assert r.status_code == 201, r.text
    image = r.json()
    assert r.headers["location"] == f"/v1/images/{image['id']}"
    assert image["source_instance"] == inst["id"] and image["os"] == "debian12"
    assert demo.delete(f"/v1/images/{image['id']}").status_code == 204
    assert_error(demo.get(f"/v1/images/{image['id']}"), 404, "NotFound")


def test_realms_and_hardware_profiles(demo: httpx.Client) -> None:
    realms = demo.get("/v1/realms").json()["realms"]
    assert {r["id"]: r["state"] for r in realms} == {"local": "AVAILABLE", "remote": "UNAVAILABLE"}
    assert demo.get("/v1/realms/local").json()["state"] == "AVAILABLE"
    assert_error(demo.get("/v1/realms/nowhere"), 404, "NotFound")
    profiles = {p["id"]: p for p in demo.get("/v1/hardware_profiles").json()["hardware_profiles"]}
    assert set(profiles) == {"small", "medium", "flexible", "opaque"}
    flexible = demo.get("/v1/hardware_profiles/flexible").json()
    assert flexible["properties"]["memory"]["kind"] == "range"
    cpu = flexible["properties"]["cpu"]
    assert (cpu["kind"], cpu["unit"], cpu["value"], cpu["values"]) == ("enum", "count", 1, [1, 2, 4])
    assert profiles["opaque"]["properties"] == {}


def test_keys(demo: httpx.Client, other: httpx.Client) -> None:
    r = demo.post("/v1/keys", json={"name": "generated"})
    assert r.status_code == 201
    made = r.json()
    assert made["private_key"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert r.headers["location"] == f"/v1/keys/{made['id']}"
    shown = demo.get(f"/v1/keys/{made['id']}").json()
    assert "private_key" not in shown and shown["public_key"] == made["public_key"]
    r = demo.post("/v1/keys", json={"name": "imported", "public_key": PUBLIC_KEY})
    assert r.status_code == 201 and r.json()["kind"] == "ssh-ed25519" and "private_key" not in r.json()
    assert_error(demo.post("/v1/keys", json={"name": "imported", "public_key": PUBLIC_KEY}), 409, "Conflict")
    assert_error(
        demo.post("/v1/keys", json={"name": "bad", "public_key": "ssh-ed25519 nope"}), 400, "ValidationError"
    )
    names = {k["name"] for k in demo.get("/v1/keys").json()["keys"]}
    assert {"generated", "imported"} <= names
    assert other.get("/v1/keys").json()["keys"] == []
    assert demo.delete(f"/v1/keys/{made['id']}").status_code == 204
    assert_error(demo.get(f"/v1/keys/{made['id']}"), 404, "NotFound")


def test_volumes_and_snapshots(demo: httpx.Client) -> None:
    r = demo.post("/v1/volumes", json={"capacity_gb": 5, "name": "data"})
    assert r.status_code == 201
    vol = r.json()
    assert r.headers["location"] == f"/v1/volumes/{vol['id']}"
    assert vol["state"] == "AVAILABLE" and vol["capacity_gb"] == 5
    inst = new_instance(demo)
    wait_state(demo, inst["id"], "RUNNING")
    r = demo.post(f"/v1/volumes/{vol['id']}/attach", json={"instance_id": inst["id"], "device": "vdb"})
    assert r.status_code == 202 and r.json()["state"] == "IN_USE" and r.json()["device"] == "vdb"
    assert_error(demo.delete(f"/v1/volumes/{vol['id']}"), 409, "Conflict")
    r = demo.post(f"/v1/volumes/{vol['id']}/detach")
    assert r.status_code == 202 and r.json()["state"] == "AVAILABLE"

    r = demo.post("/v1/snapshots", json={"volume_id": vol["id"], "name": "before"})
    assert r.status_code == 201
    snap = r.json()
    assert r.headers["location"] == f"/v1/snapshots/{snap['id']}" and snap["volume"] == vol["id"]
    assert demo.get(f"/v1/snapshots/{snap['id']}").json()["name"] == "before"
    assert snap["id"] in {s["id"] for s in demo.get("/v1/snapshots").json()["snapshots"]}

    # A clone of a snapshot is a long copy on real backends: a task.
    r = demo.post("/v1/volumes", json={"capacity_gb": 5, "snapshot_id": snap["id"]})
    assert r.status_code == 202, r.text
    done = wait_task(demo, r.headers["location"])
    assert done["status"] == "succeeded" and done["kind"] == "volumes.create"
    clone = done["result"]
    assert demo.get(f"/v1/volumes/{clone['id']}").json()["capacity_gb"] == 5
    assert_error(demo.post("/v1/volumes", json={"capacity_gb": 5, "snapshot_id": "nope"}), 404, "NotFound")

    assert demo.delete(f"/v1/volumes/{clone['id']}").status_code == 204
    assert demo.delete(f"/v1/snapshots/{snap['id']}").status_code == 204
    assert demo.delete(f"/v1/volumes/{vol['id']}").status_code == 204
    assert_error(demo.get(f"/v1/volumes/{vol['id']}"), 404, "NotFound")


def test_networks_subnets_and_addresses(demo: httpx.Client) -> None:
    r = demo.post("/v1/networks", json={"name": "lan", "address_blocks": ["10.20.0.0/16"]})
    assert r.status_code == 201
    net = r.json()
    assert r.headers["location"] == f"/v1/networks/{net['id']}"
    r = demo.patch(f"/v1/networks/{net['id']}", json={"name": "lan2"})
    assert r.status_code == 200 and r.json()["name"] == "lan2"
    r = demo.post("/v1/subnets", json={"network_id": net["id"], "name": "a", "address_block": "10.20.1.0/24"})
    assert r.status_code == 201
    sub = r.json()
    assert r.headers["location"] == f"/v1/subnets/{sub['id']}"
    assert_error(
        demo.post(
            "/v1/subnets", json={"network_id": net["id"], "name": "b", "address_block": "10.99.0.0/24"}
        ),
        400,
        "ValidationError",
    )
    assert demo.patch(f"/v1/subnets/{sub['id']}", json={"name": "a2"}).json()["name"] == "a2"
    assert [s["id"] for s in demo.get("/v1/subnets", params={"network": net["id"]}).json()["subnets"]] == [
        sub["id"]
    ]
    assert_error(demo.delete(f"/v1/networks/{net['id']}"), 409, "Conflict")

    inst = new_instance(demo, networks=[{"network_id": net["id"]}])
    assert inst["network_bindings"][0]["subnet"] == sub["id"]
    r = demo.post("/v1/addresses", json={"name": "public"})
    assert r.status_code == 201
    addr = r.json()
    assert r.headers["location"] == f"/v1/addresses/{addr['id']}"
    assert demo.post("/v1/addresses").status_code == 201  # the body is optional
    r = demo.post(f"/v1/addresses/{addr['id']}/associate", json={"instance_id": inst["id"]})
    assert r.status_code == 202 and r.json()["instance"] == inst["id"]
    assert addr["ip_address"] in demo.get(f"/v1/instances/{inst['id']}").json()["public_addresses"]
    assert_error(demo.delete(f"/v1/addresses/{addr['id']}"), 409, "Conflict")
    r = demo.post(f"/v1/addresses/{addr['id']}/disassociate")
    assert r.status_code == 202 and r.json()["instance"] is None
    assert demo.get(f"/v1/addresses/{addr['id']}").json()["ip_address"] == addr["ip_address"]
    assert demo.delete(f"/v1/addresses/{addr['id']}").status_code == 204

    wait_state(demo, inst["id"], "RUNNING")
    demo.post(f"/v1/instances/{inst['id']}/stop", json={"force": True})
    assert demo.delete(f"/v1/instances/{inst['id']}").status_code == 204
    assert demo.delete(f"/v1/subnets/{sub['id']}").status_code == 204
    assert demo.delete(f"/v1/networks/{net['id']}").status_code == 204
    assert_error(demo.get(f"/v1/networks/{net['id']}"), 404, "NotFound")


def test_interfaces(demo: httpx.Client) -> None:
    net = demo.post("/v1/networks", json={"name": "nics", "address_blocks": ["10.30.0.0/16"]}).json()
    demo.post("/v1/subnets", json={"network_id": net["id"], "name": "n", "address_block": "10.30.0.0/24"})
    inst = new_instance(demo)
    wait_state(demo, inst["id"], "RUNNING")
    base = f"/v1/instances/{inst['id']}/interfaces"
    before = demo.get(base).json()
    assert before["next"] is None
    r = demo.post(
        base, json={"type": "network", "source": net["id"], "model": "e1000e", "mac": "52:54:00:AA:BB:CC"}
    )
    assert r.status_code == 201, r.text
    nic = r.json()
    assert nic["mac"] == "52:54:00:aa:bb:cc" and nic["type"] == "network" and nic["model"] == "e1000e"
    assert r.headers["location"] == f"{base}/52:54:00:aa:bb:cc"
    assert demo.get(f"{base}/52:54:00:AA:BB:CC").json()["mac"] == nic["mac"]
    assert len(demo.get(base).json()["interfaces"]) == len(before["interfaces"]) + 1
    assert_error(
        demo.post(base, json={"type": "network", "source": net["id"], "mac": nic["mac"]}), 409, "Conflict"
    )
    r = demo.post(base, json={"type": "bridge", "mode": "vepa", "source": "br0"})
    body = assert_error(r, 422, "ValidationError")
    assert "macvtap" in str(body["message"])
    assert_error(demo.get(f"{base}/not-a-mac"), 422, "ValidationError")
    # A model change needs the guest stopped.
    assert_error(demo.put(f"{base}/{nic['mac']}", json={"model": "virtio"}), 409, "InvalidState")
    demo.post(f"/v1/instances/{inst['id']}/stop", json={"force": True})
    assert demo.put(f"{base}/{nic['mac']}", json={"model": "virtio"}).json()["model"] == "virtio"
    assert demo.delete(f"{base}/{nic['mac']}").status_code == 204
    assert_error(demo.get(f"{base}/{nic['mac']}"), 404, "NotFound")
    assert_error(demo.get("/v1/instances/nope/interfaces"), 404, "NotFound")


def test_tasks_are_listed_for_their_owner_only(
    server: Running, demo: httpx.Client, other: httpx.Client
) -> None:
    r = demo.post("/v1/instances", params={"count": 2}, json={"image_id": "debian-12", "hwp_id": "small"})
    task = wait_task(demo, r.headers["location"])
    assert task["id"] in {t["id"] for t in demo.get("/v1/tasks", params={"limit": 1000}).json()["tasks"]}
    assert task["id"] not in {t["id"] for t in other.get("/v1/tasks", params={"limit": 1000}).json()["tasks"]}
    assert_error(other.get(f"/v1/tasks/{task['id']}"), 404, "NotFound")
    with server.client(("admin", "admin-password")) as admin:
        assert admin.get(f"/v1/tasks/{task['id']}").status_code == 200
