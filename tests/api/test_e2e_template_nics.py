"""One template with a Linux bridge, an OVS bridge and a macvtap NIC, run on both real drivers.

The same JSON goes to a server on the qemu driver and to one on the libvirt driver
(``qemu:///system``); each boots the test guest under TCG on the host devices this test makes
(names unique to the run), shows the same NICs, puts a device on each bridge and on the veth
while the guest runs, and takes them all away when the instance is deleted.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearth.drivers.qemu import QemuDriver
from hearth.drivers.schema import upgrade
from hearth.service import Service
from hearth.store import default_url, make_engine
from hearth.store.users import seed_demo_users
from hearth.testing.guest import GuestImage
from tests.drivers.contract.libvirt_cases import guest_files
from tests.drivers.qemu.case import short_dir
from tests.host import netdevs

from ._live import wait_state
from .conftest import ADMIN, created, serve
from .test_e2e_libvirt import libvirt_client

pytestmark = [pytest.mark.guest]
BOOT_TIMEOUT = 180.0


@dataclass(frozen=True)
class HostNet:
    bridge: str
    ovs: str
    lower: str

    def in_use(self) -> tuple[list[str], list[str], list[str]]:
        """(the Linux bridge's ports, the OVS bridge's ports, what sits on the veth)."""
        ports = sorted(os.listdir(f"/sys/class/net/{self.bridge}/brif"))
        ovs = sorted(netdevs.run("ovs-vsctl", "--timeout=10", "list-ports", self.ovs).split())
        upper = sorted(p.name for p in Path(f"/sys/class/net/{self.lower}").glob("upper_*"))
        return ports, ovs, upper


@contextmanager
def _qemu_server(state: Path, guest: GuestImage) -> Iterator[httpx.Client]:
    run = short_dir("hqe-")
    engine = make_engine(default_url(state))
    upgrade(engine, "qemu")
    seed_demo_users(engine)
    driver = QemuDriver(
        engine, state / "qemu", run_dir=run, media_roots=[guest.kernel.parent, guest.initrd.parent]
    )
    try:
        with serve(Service(driver, engine)) as running, running.client(ADMIN) as c:
            c.timeout = httpx.Timeout(120.0)
            try:
                yield c
            finally:  # QEMU outlives its driver by design: a failed test must not leave guests
                driver.power_off_all()
    finally:
        shutil.rmtree(run, ignore_errors=True)


@contextmanager
def _libvirt_server(guest: GuestImage) -> Iterator[httpx.Client]:
    with libvirt_client(guest, "e2e-nics") as (c, _state):
        yield c


def _template(guest: GuestImage, host: HostNet) -> dict[str, Any]:
    return {
        "name": "nics-both",
        "os": "debian11",
        "memory": {"current": 192},
        "vcpus": {"current": 1},
        "disks": [],
        "networks": [],
        "graphics": {"type": "none"},
        "kernel": str(guest.kernel),
        "initrd": str(guest.initrd),
        "cmdline": guest.append("wait"),
        "interfaces": [
            {"type": "bridge", "source": host.bridge},
            {"type": "ovs", "source": host.ovs},
            {"type": "macvtap", "source": host.lower, "mode": "vepa"},
        ],
    }


@pytest.mark.parametrize("backend", ["qemu", "libvirt"])
def test_the_same_template_with_bridge_ovs_and_macvtap_nics_runs_on_both_drivers(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HEARTH_ACCEL", "tcg")
    guest = guest_files()
    with (
        netdevs.linux_bridge() as br,
        netdevs.ovs_bridge() as ovs,
        netdevs.veth_pair() as (lower, _),
    ):
        netdevs.run("ip", "link", "set", lower, "up")
        host = HostNet(br, ovs, lower)
        server = _qemu_server(tmp_path, guest) if backend == "qemu" else _libvirt_server(guest)
        with server as c:
            resp = c.post("/v1/templates", json=_template(guest, host))
            assert resp.status_code == 201, resp.text
            assert resp.json()["invalid"]["interfaces"] == []
            resp = c.post("/v1/instances", json={"template": "nics-both", "name": "nics"})
            iid = created(c, resp, BOOT_TIMEOUT)["id"]
            wait_state(c, iid, "RUNNING", timeout=BOOT_TIMEOUT)
            nics = c.get(f"/v1/instances/{iid}/interfaces").json()["interfaces"]
            assert sorted((n["type"], n["source"], n["mode"] or "", n["model"]) for n in nics) == [
                ("bridge", br, "", "virtio"),
                ("macvtap", lower, "vepa", "virtio"),
                ("ovs", ovs, "", "virtio"),
            ]
            ports, ovs_ports, upper = host.in_use()
            assert len(ports) == 1 and len(ovs_ports) == 1 and len(upper) == 1, host.in_use()

            resp = c.post(f"/v1/instances/{iid}/stop", json={"force": True})
            assert resp.status_code == 202, resp.text
            wait_state(c, iid, "STOPPED", timeout=BOOT_TIMEOUT)
            assert c.delete(f"/v1/instances/{iid}").status_code == 204
            assert host.in_use() == ([], [], []), "the driver removed every device it made"
            assert c.delete("/v1/templates/nics-both").status_code == 204
