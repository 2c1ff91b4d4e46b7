"""End to end over the API with the libvirt driver on qemu:///system and a real guest under TCG.

A template with the test guest's kernel and initrd plus a macvtap interface on a veth device the
test creates; an instance made from it and started; its interfaces read; a NIC added and removed
while it runs (checked on the host too: libvirt's macvtap appears on, then leaves, the veth);
then stopped and deleted. Every libvirt object carries a random prefix and is purged at the end.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearth.testing.guest import MARKER as READY_MARKER
from hearth.testing.guest import UEVENT_MARKER, GuestImage
from tests.drivers.contract.libvirt_cases import guest_files
from tests.host import netdevs

from ._libvirt import BOOT_TIMEOUT, serve_libvirt
from ._live import error_of, wait_state
from .conftest import ADMIN, created

pytestmark = [pytest.mark.libvirtd, pytest.mark.guest]


@contextmanager
def libvirt_client(guest: GuestImage, stem: str = "e2e") -> Iterator[tuple[httpx.Client, Path]]:
    """A server on the libvirt driver (qemu:///system) with the demo users, as the admin, and its
    state dir; every libvirt object it made is purged afterwards."""
    with serve_libvirt(guest, stem) as (running, state), running.client(ADMIN) as c:
        c.timeout = httpx.Timeout(120.0)
        yield c, state


@pytest.fixture
def libvirt_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[httpx.Client, GuestImage, Path]]:
    monkeypatch.setenv("HEARTH_ACCEL", "tcg")
    guest = guest_files()
    with libvirt_client(guest) as (c, state):
        yield c, guest, state


def _host_iface(client: httpx.Client, name: str) -> dict[str, Any]:
    found = {
        i["name"]: i for i in client.get("/v1/host/interfaces", params={"limit": 1000}).json()["interfaces"]
    }
    return dict(found[name])


def _console(state: Path, instance_id: str) -> Path:
    """The guest's serial console log, which the driver keeps in its state directory."""
    found: list[Path] = []

    def appeared() -> bool:
        found[:] = state.rglob(f"{instance_id}.log")
        return bool(found)

    _eventually(appeared, "no console log")
    return found[0]


def _uevents(console: Path, action: str) -> int:
    wanted = f"{UEVENT_MARKER} action={action} subsystem=net"
    return sum(wanted in line for line in console.read_text(errors="replace").splitlines())


def _eventually(check: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def _guest_template(name: str, guest: GuestImage, macvtap_on: str, cmdline: str = "") -> dict[str, Any]:
    """The test guest from its kernel and initrd, no disks, one macvtap NIC on ``macvtap_on``;
    ``cmdline`` is added to the guest's kernel command line."""
    return {
        "name": name,
        "os": "debian11",
        "memory": {"current": 192},
        "vcpus": {"current": 1},
        "disks": [],
        "networks": [],
        "graphics": {"type": "none"},
        "kernel": str(guest.kernel),
        "initrd": str(guest.initrd),
        "cmdline": guest.append("wait", cmdline),
        "interfaces": [{"type": "macvtap", "source": macvtap_on}],
    }


def test_template_with_macvtap_to_running_guest_and_live_nics(
    libvirt_server: tuple[httpx.Client, GuestImage, Path],
) -> None:
    c, guest, state = libvirt_server
    with netdevs.veth_pair() as (veth, peer):
        netdevs.run("ip", "link", "set", veth, "up")
        netdevs.run("ip", "link", "set", peer, "up")
        resp = c.post("/v1/templates", json=_guest_template("e2e-guest", guest, veth))
        assert resp.status_code == 201, resp.text
        template = resp.json()
        assert template["invalid"]["interfaces"] == [] and template["invalid"]["files"] == []
        assert template["interfaces"] == [{"type": "macvtap", "source": veth, "mode": "bridge"}]

        resp = c.post("/v1/instances", json={"template": "e2e-guest", "name": "e2e-vm"})
        made = created(c, resp, BOOT_TIMEOUT)  # a task, though no disk is made: one shape
        assert made["template"] == template["id"] and made["name"] == "e2e-vm"
        iid = made["id"]
        inst = wait_state(c, iid, "RUNNING", timeout=BOOT_TIMEOUT)
        assert (inst["memory_mib"], inst["vcpus"]) == (192, 1)
        # Hot-unplug needs the guest's cooperation: wait until its userspace runs.
        console = _console(state, iid)
        _eventually(lambda: READY_MARKER in console.read_text(errors="replace"), "the guest never got ready")

        nics = c.get(f"/v1/instances/{iid}/interfaces").json()["interfaces"]
        assert [(n["type"], n["source"], n["mode"]) for n in nics] == [("macvtap", veth, "bridge")]
        first_mac = nics[0]["mac"]
        assert c.get(f"/v1/instances/{iid}/interfaces/{first_mac}").json() == nics[0]
        assert _host_iface(c, veth)["in_use"], "libvirt's macvtap should sit on the veth"

        added = c.post(
            f"/v1/instances/{iid}/interfaces",
            json={"type": "macvtap", "source": peer, "mode": "vepa", "mac": "52:54:00:e2:e0:02"},
        )
        assert added.status_code == 201, added.text
        nic = added.json()
        assert (nic["type"], nic["source"], nic["mode"], nic["mac"]) == (
            "macvtap",
            peer,
            "vepa",
            "52:54:00:e2:e0:02",
        )
        listed = c.get(f"/v1/instances/{iid}/interfaces").json()["interfaces"]
        assert sorted(n["mac"] for n in listed) == sorted([first_mac, nic["mac"]])
        _eventually(lambda: _host_iface(c, peer)["in_use"], f"no macvtap appeared on {peer}")
        _eventually(lambda: _uevents(console, "add") == 1, "the guest did not see the new NIC")

        removed = c.delete(f"/v1/instances/{iid}/interfaces/{nic['mac']}")
        # The guest lets a hot-unplugged PCIe device go after a few seconds: until libvirt's
        # device-removed event the NIC is listed detaching, never "removed" while attached.
        if removed.status_code == 202:
            assert (removed.json()["mac"], removed.json()["state"]) == (nic["mac"], "detaching")
            assert removed.headers["location"] == f"/v1/instances/{iid}/interfaces/{nic['mac']}"
        else:
            assert removed.status_code == 204, removed.text

        def macs() -> list[tuple[str, str]]:
            listed = c.get(f"/v1/instances/{iid}/interfaces").json()["interfaces"]
            return sorted((n["mac"], n["state"]) for n in listed)

        if removed.status_code == 202:
            assert (nic["mac"], "detaching") in macs() or macs() == [(first_mac, "attached")]
        _eventually(lambda: macs() == [(first_mac, "attached")], "the guest never released the NIC")
        _eventually(lambda: not _host_iface(c, peer)["in_use"], f"the macvtap on {peer} was not removed")
        _eventually(lambda: _uevents(console, "remove") == 1, "the guest did not see the NIC go")
        gone = c.get(f"/v1/instances/{iid}/interfaces/{nic['mac']}")
        assert gone.status_code == 404 and error_of(gone)["error"] == "NotFound"

        stopping = c.post(f"/v1/instances/{iid}/stop", json={"timeout": 60})
        assert stopping.status_code == 202, stopping.text
        wait_state(c, iid, "STOPPED", timeout=BOOT_TIMEOUT)
        assert c.delete(f"/v1/instances/{iid}").status_code == 204
        assert c.get(f"/v1/instances/{iid}").status_code == 404
        assert c.delete("/v1/templates/e2e-guest").status_code == 204


@pytest.fixture
def impatient_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[httpx.Client, GuestImage, Path]]:
    """As ``libvirt_server``, but a guest has only ``DETACH_SECONDS`` to release a removed NIC."""
    monkeypatch.setenv("HEARTH_ACCEL", "tcg")
    guest = guest_files()
    with (
        serve_libvirt(guest, "detach", nic_detach_seconds=DETACH_SECONDS) as (running, state),
        running.client(ADMIN) as c,
    ):
        c.timeout = httpx.Timeout(120.0)
        yield c, guest, state


DETACH_SECONDS = 3.0


def test_a_nic_the_guest_does_not_release_stays_detaching_then_shows_an_error_until_it_stops(
    impatient_server: tuple[httpx.Client, GuestImage, Path],
) -> None:
    """A guest whose kernel ignores hot-unplug requests (``acpiphp.disable=1``: QEMU's q35 asks
    through ACPI, and nothing in the guest answers) never lets the device go: libvirt returns
    after its own 5 s wait with the device still there, the NIC is listed detaching, then in error
    once the timeout passes, still attached on the host. Only when the guest stops is it gone.
    Nothing is said to be removed while the guest holds it."""
    c, guest, state = impatient_server
    with netdevs.veth_pair() as (veth, _peer):
        netdevs.run("ip", "link", "set", veth, "up")
        body = _guest_template("detach-guest", guest, veth, "acpiphp.disable=1")
        assert (r := c.post("/v1/templates", json=body)).status_code == 201, r.text
        made = created(c, c.post("/v1/instances", json={"template": "detach-guest"}), BOOT_TIMEOUT)
        iid = made["id"]
        wait_state(c, iid, "RUNNING", timeout=BOOT_TIMEOUT)
        console = _console(state, iid)
        _eventually(lambda: READY_MARKER in console.read_text(errors="replace"), "the guest never got ready")
        (nic,) = c.get(f"/v1/instances/{iid}/interfaces").json()["interfaces"]
        assert nic["state"] == "attached" and _host_iface(c, veth)["in_use"]

        removed = c.delete(f"/v1/instances/{iid}/interfaces/{nic['mac']}")
        assert removed.status_code == 202, removed.text
        assert removed.json()["state"] == "detaching"

        def shown() -> dict[str, Any]:
            (one,) = c.get(f"/v1/instances/{iid}/interfaces").json()["interfaces"]
            return dict(one)

        assert shown()["state"] in ("detaching", "error")
        _eventually(lambda: shown()["state"] == "error", "the NIC never showed the timeout", timeout=30)
        failed = shown()
        assert failed["mac"] == nic["mac"] and f"{DETACH_SECONDS:g}s" in failed["state_reason"], failed
        assert c.get(f"/v1/instances/{iid}/interfaces/{nic['mac']}").json()["state"] == "error"
        assert _host_iface(c, veth)["in_use"], "the macvtap went though the guest held the NIC"

        again = c.delete(f"/v1/instances/{iid}/interfaces/{nic['mac']}")  # asks the guest once more
        assert again.status_code == 202 and again.json()["state"] == "detaching", again.text

        assert c.post(f"/v1/instances/{iid}/stop", json={"force": True}).status_code == 202
        wait_state(c, iid, "STOPPED", timeout=BOOT_TIMEOUT)
        assert c.get(f"/v1/instances/{iid}/interfaces").json()["interfaces"] == []
        assert c.get(f"/v1/instances/{iid}/interfaces/{nic['mac']}").status_code == 404
        _eventually(lambda: not _host_iface(c, veth)["in_use"], f"the macvtap on {veth} stayed")
        assert c.delete(f"/v1/instances/{iid}").status_code == 204
        assert c.delete("/v1/templates/detach-guest").status_code == 204
