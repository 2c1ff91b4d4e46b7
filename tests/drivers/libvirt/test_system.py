"""The libvirt driver against qemu:///system with the real test guest booting under TCG.

One boot covers what only a real hypervisor shows: the guest gets to userspace, the cloud-init
seed carries the key and user data, NICs and disks are hot-plugged into the running guest (it
reports them), and a graceful stop is a real ACPI power-off, not a destroy.
"""

from __future__ import annotations

from pathlib import Path

import libvirt

from hearth.domain import Domain
from hearth.drivers import wait_for_state
from hearth.drivers.cloudinit import read_seed_iso
from hearth.drivers.libvirt import metadata
from hearth.drivers.resources import InterfaceCreate, KeyImport, VolumeAttach, VolumeCreate, VolumeState
from hearth.drivers.sshkeys import generate
from hearth.testing.guest import MARKER, POWERDOWN_MARKER, UEVENT_MARKER, wait_for_console
from hearth.vocab.instance_states import InstanceState
from hearth.vocab.nic_kinds import InterfaceType
from hearth.vocab.nic_models import NicModel

from ..contract.helpers import DriverCase, boot

USER_DATA = "#cloud-config\nhostname: hearth-test\n"
MAC = "52:54:00:5e:10:01"


def _xml(uri: str, instance_id: str, flags: int = 0) -> Domain:
    conn = libvirt.open(uri)
    try:
        return Domain.from_xml(conn.lookupByUUIDString(instance_id).XMLDesc(flags))
    finally:
        conn.close()


def test_a_real_guest_boots_with_its_seed_and_takes_hotplugged_devices(
    system: DriverCase, system_state: Path
) -> None:
    d, alice = system.driver, system.alice
    key = d.import_key(alice, KeyImport(name="deploy", public_key=generate().public.openssh))
    inst = boot(system, key_name="deploy", user_data=USER_DATA, name="real")
    console = system_state / "local" / "consoles" / f"{inst.id}.log"
    wait_for_console(console, MARKER, timeout=120)

    live = _xml("qemu:///system", inst.id)
    assert live.type == "qemu"  # TCG, as HEARTH_ACCEL=tcg asks
    meta = metadata.read(live)
    assert meta is not None and meta.owner_id == alice.user_id and meta.image_id == "test-guest"
    seeds = [x.source_file for x in live.devices.disks if x.device == "cdrom"]
    assert len(seeds) == 1 and seeds[0] is not None
    files = read_seed_iso(Path(seeds[0]).read_bytes())
    assert key.public_key in files["meta-data"].decode()
    assert files["user-data"].decode() == USER_DATA

    offset = console.stat().st_size
    nic = d.create_interface(
        alice,
        inst.id,
        InterfaceCreate(
            type=InterfaceType.network, source=system.nic_network, mac=MAC, model=NicModel.virtio
        ),
    )
    assert nic.source == system.nic_network
    wait_for_console(console, rf"{UEVENT_MARKER} action=add subsystem=net", timeout=60, start=offset)
    for flags in (0, libvirt.VIR_DOMAIN_XML_INACTIVE):  # live and persistent
        assert MAC in {i.mac for i in _xml("qemu:///system", inst.id, flags).devices.interfaces}

    vol = d.create_volume(alice, VolumeCreate(capacity_gb=1, name="data"))
    offset = console.stat().st_size
    d.attach_volume(alice, vol.id, VolumeAttach(instance_id=inst.id, device="vdb"))
    wait_for_console(
        console, rf"{UEVENT_MARKER} action=add subsystem=block name=vdb", timeout=60, start=offset
    )
    assert d.get_volume(alice, vol.id).state is VolumeState.IN_USE

    offset = console.stat().st_size
    d.delete_interface(alice, inst.id, MAC)
    wait_for_console(console, rf"{UEVENT_MARKER} action=remove subsystem=net", timeout=60, start=offset)
    assert MAC not in {
        i.mac for i in _xml("qemu:///system", inst.id, libvirt.VIR_DOMAIN_XML_INACTIVE).devices.interfaces
    }

    offset = console.stat().st_size
    stopping = d.stop_instance(alice, inst.id, timeout=60)
    assert stopping.state in (InstanceState.STOPPING, InstanceState.STOPPED)
    wait_for_state(d, alice, inst.id, InstanceState.STOPPED, timeout=90)
    wait_for_console(console, POWERDOWN_MARKER, timeout=30, start=offset)  # it powered itself off

    d.destroy_instance(alice, inst.id)
    assert d.get_volume(alice, vol.id).state is VolumeState.AVAILABLE  # the disk outlives the guest
    d.delete_volume(alice, vol.id)
