"""Volumes and NICs plugged into the design's root ports never share one with a device that
libvirt's placement already put there (on q35 the USB controller, the balloon, the RNG and the
virtio-serial controller take root ports of their own)."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

from hearth.drivers.qemu import design


def test_every_free_slot_takes_a_volume_on_a_port_of_its_own(tmp_path: Path) -> None:
    disk = tmp_path / "root.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "16M"], check=True)
    domain = design.design(
        design.Plan(
            instance_id="2b0a4a1e-8c0e-4a57-9f36-0c5cfb1d2e31",
            os="debian12",
            memory_mib=256,
            vcpus=1,
            disks=[disk],
        )
    )
    free = design.free_slots(domain, 0)
    assert free > 0
    volumes = [
        design.VolumeDisk(f"vd{chr(ord('b') + i)}", tmp_path / f"v{i}.qcow2", f"s{i}") for i in range(free)
    ]
    machine = design.machine_for(domain, volumes)
    ports = {str(d["id"]) for d in machine.devices if d.get("driver") == "pcie-root-port"}
    on_ports = Counter(str(d["bus"]) for d in machine.devices if str(d.get("bus")) in ports)
    assert on_ports and max(on_ports.values()) == 1, on_ports  # one device per root port
    assert design.free_slots(domain, free) == 0
