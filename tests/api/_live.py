"""Helpers for the template, host, interface and CLI tests (the server itself is conftest's)."""

from __future__ import annotations

import time
from typing import Any

import httpx


def error_of(resp: httpx.Response) -> dict[str, Any]:
    """The standard error body, checked for shape."""
    body = resp.json()
    assert set(body) == {"code", "error", "message", "details"}, body
    assert body["code"] == resp.status_code
    return dict(body)


def wait_task(client: httpx.Client, task: dict[str, Any], timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while task["status"] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, f"task {task['id']} still {task['status']}"
        time.sleep(0.05)
        task = client.get(f"/v1/tasks/{task['id']}").json()
    return task


def wait_state(client: httpx.Client, instance_id: str, state: str, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        inst = client.get(f"/v1/instances/{instance_id}").json()
        if inst["state"] == state:
            return dict(inst)
        assert inst["state"] != "ERROR", inst
        assert time.monotonic() < deadline, f"instance {instance_id} still {inst['state']}, wanted {state}"
        time.sleep(0.05)


def boot_tiny_guest(
    client: httpx.Client, name: str, boot: list[str], timeout: float, graphics: str = "none"
) -> str:
    """The id of a new running instance of the tiny test guest (``boot``: kernel, initrd, kernel
    command line), made from a template of the same name: no disks, no NICs, no graphics unless
    ``graphics`` names a type."""
    kernel, initrd, cmdline = boot
    body = {
        "name": name,
        "os": "debian11",
        "memory": {"current": 192},
        "vcpus": {"current": 1},
        "disks": [],
        "networks": [],
        "graphics": {"type": graphics},
        "kernel": kernel,
        "initrd": initrd,
        "cmdline": cmdline,
    }
    assert (r := client.post("/v1/templates", json=body)).status_code == 201, r.text
    r = client.post("/v1/instances", json={"template": name, "name": f"{name}-vm"})
    assert r.status_code == 201, r.text
    iid: str = r.json()["id"]
    wait_state(client, iid, "RUNNING", timeout=timeout)
    return iid
