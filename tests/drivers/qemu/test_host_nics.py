"""Bridge, Open vSwitch and macvtap NICs on the qemu driver, against real host devices.

Each test makes its own Linux bridge, OVS bridge (userspace datapath) or veth pair (the macvtap's
lower device; this kernel has no dummy module) with names unique to the run, and checks three
sides of every NIC: the host (the tap on the bridge, the OVS port, the macvtap on the veth), QEMU
(the descriptor it holds, the tap netdev behind the device) and the guest (its uevent on the
console for a hot-plugged NIC).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hearth.drivers import Caller, wait_for_state
from hearth.drivers.qemu import QemuDriver, design, hostnics, open_qemu_driver
from hearth.drivers.qemu.design import machine_for, nic_alias
from hearth.drivers.resources import InstanceCreate, InstanceSpec, InterfaceCreate, InterfaceUpdate
from hearth.errors import BackendError, InvalidState, ValidationError
from hearth.qemu import SyncVM, render_argv
from hearth.testing.guest import UEVENT_MARKER, GuestImage, wait_for_console
from hearth.vocab.instance_states import InstanceState
from hearth.vocab.macvtap_modes import MacvtapMode
from hearth.vocab.nic_kinds import InterfaceType
from hearth.vocab.nic_models import NicModel
from tests.host import netdevs

from .case import GUEST_IMAGE, GUEST_OS, WAIT, register_guest, short_dir

pytestmark = pytest.mark.guest
ALICE = Caller("alice")


@dataclass(frozen=True)
class HostNet:
    """The host devices NICs go on: a Linux bridge, an OVS bridge and a veth end, plus spares."""

    bridge: str
    bridge2: str
    ovs: str
    ovs2: str
    lower: str

    def source(self, kind: InterfaceType) -> str:
        return {InterfaceType.bridge: self.bridge, InterfaceType.ovs: self.ovs}.get(kind, self.lower)


@pytest.fixture(scope="module")
def host() -> Iterator[HostNet]:
    with (
        netdevs.linux_bridge() as br,
        netdevs.linux_bridge() as br2,
        netdevs.ovs_bridge() as ovs,
        netdevs.ovs_bridge() as ovs2,
        netdevs.veth_pair() as (lower, _peer),
    ):
        netdevs.run("ip", "link", "set", lower, "up")
        yield HostNet(br, br2, ovs, ovs2, lower)


@pytest.fixture(scope="module")
def running(qemu: QemuDriver) -> str:
    made = qemu.create_instance(ALICE, InstanceCreate(image_id=GUEST_IMAGE, hwp_id="small", name="hostnics"))
    iid = wait_for_state(qemu, ALICE, made.id, InstanceState.RUNNING, timeout=WAIT).id
    wait_for_console(_console(qemu, iid), "HEARTH-GUEST-READY", WAIT)
    return iid


def _console(qemu: QemuDriver, iid: str) -> Path:
    return qemu.context.layout.run / iid / "console.log"


def _device(iid: str, mac: str, kind: InterfaceType) -> str:
    return hostnics.HostNic(kind, "unused", mac).device(iid)


def _qemu_devices(pid: int) -> set[str]:
    """The network devices QEMU holds a descriptor of: tap names (from fdinfo) and /dev/tapN nodes."""
    out: set[str] = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            info = Path(f"/proc/{pid}/fdinfo/{fd}").read_text()
        except OSError:
            continue
        if target == "/dev/net/tun":
            out.update(line.split()[1] for line in info.splitlines() if line.startswith("iff:"))
        elif target.startswith("/dev/tap"):
            out.add(target.removeprefix("/dev/"))
    return out


def _tap_netdevs(handle: SyncVM) -> dict[str, str]:
    """device id → its netdev, for every NIC whose netdev QEMU reports as a tap."""
    text = handle.qmp.execute("human-monitor-command", {"command-line": "info network"})
    out: dict[str, str] = {}
    current: str | None = None
    for line in str(text).splitlines():
        stripped = line.strip().lstrip("\\_ ").strip()
        name, _, rest = stripped.partition(":")
        if not line.startswith((" ", "\t")):
            current = name
        elif current is not None and "type=tap" in rest:
            out[current] = name
    return out


def _ovs_ports(bridge: str) -> set[str]:
    return set(netdevs.run("ovs-vsctl", "--timeout=10", "list-ports", bridge).split())


def _link(name: str) -> dict[str, object]:
    return dict(json.loads(netdevs.run("ip", "-j", "-d", "link", "show", "dev", name))[0])


def _check_host_side(iid: str, mac: str, kind: InterfaceType, source: str, mode: str = "bridge") -> str:
    """The host device of a NIC exists and sits where it should; returns the name QEMU must hold."""
    name = _device(iid, mac, kind)
    assert netdevs.exists(name), f"no host device {name} for {kind.value} NIC {mac}"
    if kind is InterfaceType.bridge:
        assert name in os.listdir(f"/sys/class/net/{source}/brif")
        return name
    if kind is InterfaceType.ovs:
        assert name in _ovs_ports(source)
        ids = netdevs.run("ovs-vsctl", "--timeout=10", "get", "Interface", name, "external-ids:attached-mac")
        assert ids.strip().strip('"') == mac
        return name
    link = _link(name)
    assert link["address"] == mac, "a macvtap carries the guest's own MAC"
    assert link["link"] == source
    info = link["linkinfo"]
    assert isinstance(info, dict) and info["info_kind"] == "macvtap" and info["info_data"]["mode"] == mode
    return "tap" + Path(f"/sys/class/net/{name}/ifindex").read_text().strip()


def _host_side_gone(iid: str, mac: str, kind: InterfaceType, host: HostNet) -> None:
    name = _device(iid, mac, kind)
    assert not netdevs.exists(name), f"host device {name} of NIC {mac} outlived it"
    if kind is InterfaceType.ovs:
        assert name not in _ovs_ports(host.ovs) | _ovs_ports(host.ovs2)


KINDS = [
    (InterfaceType.bridge, None),
    (InterfaceType.ovs, None),
    (InterfaceType.macvtap, MacvtapMode.bridge),
    (InterfaceType.macvtap, MacvtapMode.vepa),
]


@pytest.mark.parametrize(("kind", "mode"), KINDS, ids=["bridge", "ovs", "macvtap-bridge", "macvtap-vepa"])
def test_a_host_backed_nic_hot_plugs_into_the_guest_and_leaves_nothing_behind(
    qemu: QemuDriver, running: str, host: HostNet, kind: InterfaceType, mode: MacvtapMode | None
) -> None:
    log = _console(qemu, running)
    handle = qemu.context.sup.get(running)
    mac = "52:54:00:9b:00:0" + str(KINDS.index((kind, mode)))
    mark = log.stat().st_size
    nic = qemu.create_interface(
        ALICE,
        running,
        InterfaceCreate(type=kind, source=host.source(kind), mode=mode, mac=mac, model=NicModel.virtio),
    )
    assert (nic.type, nic.source, nic.mode) == (kind, host.source(kind), mode)
    assert qemu.get_interface(ALICE, running, mac) == nic
    held = _check_host_side(running, mac, kind, host.source(kind), (mode or MacvtapMode.bridge).value)
    assert held in _qemu_devices(handle.pid), "QEMU holds the device's descriptor"
    assert nic_alias(mac) in _tap_netdevs(handle), "the guest NIC sits on a tap netdev"
    wait_for_console(log, rf"{UEVENT_MARKER} action=add subsystem=net", WAIT, start=mark)
    assert mac in (qemu.context.layout.instance_dir(running) / "domain.xml").read_text()

    mark = log.stat().st_size
    qemu.delete_interface(ALICE, running, mac)
    wait_for_console(log, rf"{UEVENT_MARKER} action=remove subsystem=net", WAIT, start=mark)
    assert nic_alias(mac) not in _tap_netdevs(handle)
    assert held not in _qemu_devices(handle.pid)
    _host_side_gone(running, mac, kind, host)
    assert mac not in {n.mac for n in qemu.list_interfaces(ALICE, running)}


def _spec(guest: GuestImage, host: HostNet, **extra: object) -> InstanceSpec:
    return InstanceSpec.model_validate(
        {
            "os": GUEST_OS,
            "memory_mib": 160,
            "vcpus": 1,
            "kernel": str(guest.kernel),
            "initrd": str(guest.initrd),
            "cmdline": guest.append("wait"),
            "graphics": {"type": "none"},
            "interfaces": [
                {"type": "bridge", "source": host.bridge, "mac": "52:54:00:9c:00:01"},
                {"type": "ovs", "source": host.ovs, "mac": "52:54:00:9c:00:02", "model": "e1000"},
                {"type": "macvtap", "source": host.lower, "mode": "vepa", "mac": "52:54:00:9c:00:03"},
            ],
            **extra,
        }
    )


SPEC_NICS = [
    ("52:54:00:9c:00:01", InterfaceType.bridge),
    ("52:54:00:9c:00:02", InterfaceType.ovs),
    ("52:54:00:9c:00:03", InterfaceType.macvtap),
]


def test_a_template_with_bridge_ovs_and_macvtap_nics_boots_on_them_and_stopping_removes_them(
    qemu: QemuDriver, guest: GuestImage, host: HostNet
) -> None:
    made = qemu.create_instance(
        ALICE, InstanceCreate(template_id="tmpl-nics", hwp_id="small", spec=_spec(guest, host))
    )
    iid = wait_for_state(qemu, ALICE, made.id, InstanceState.RUNNING, timeout=WAIT).id
    shown = {n.mac: n for n in qemu.list_interfaces(ALICE, iid)}
    assert {m: (n.type, n.source, n.mode) for m, n in shown.items()} == {
        "52:54:00:9c:00:01": (InterfaceType.bridge, host.bridge, None),
        "52:54:00:9c:00:02": (InterfaceType.ovs, host.ovs, None),
        "52:54:00:9c:00:03": (InterfaceType.macvtap, host.lower, MacvtapMode.vepa),
    }
    assert shown["52:54:00:9c:00:02"].model is NicModel.e1000

    for _ in range(2):  # the first start, then a start after a stop: the same devices each time
        handle = qemu.context.sup.get(iid)
        taps = [a for a in handle.argv if a.startswith("tap,")]
        assert len(taps) == 3 and all(",fd=" in a and "ifname" not in a for a in taps), taps
        held = _qemu_devices(handle.pid)
        for mac, kind in SPEC_NICS:
            source = host.source(kind)
            assert _check_host_side(iid, mac, kind, source, "vepa") in held
            assert nic_alias(mac) in _tap_netdevs(handle)
        wait_for_console(_console(qemu, iid), "HEARTH-GUEST-READY", WAIT)
        qemu.stop_instance(ALICE, iid, timeout=30)  # the guest powers off on the button
        wait_for_state(qemu, ALICE, iid, InstanceState.STOPPED, timeout=WAIT)
        for mac, kind in SPEC_NICS:
            _host_side_gone(iid, mac, kind, host)
        qemu.start_instance(ALICE, iid)
        wait_for_state(qemu, ALICE, iid, InstanceState.RUNNING, timeout=WAIT)

    qemu.stop_instance(ALICE, iid, force=True)
    wait_for_state(qemu, ALICE, iid, InstanceState.STOPPED, timeout=WAIT)
    qemu.destroy_instance(ALICE, iid)
    for mac, kind in SPEC_NICS:
        _host_side_gone(iid, mac, kind, host)


def test_a_guest_that_powers_itself_off_leaves_no_host_devices_even_unobserved(
    qemu: QemuDriver, host: HostNet
) -> None:
    """The devices go when QEMU ends, not only when someone next reads the instance."""
    made = qemu.create_instance(ALICE, InstanceCreate(image_id=GUEST_IMAGE, hwp_id="small"))
    iid = wait_for_state(qemu, ALICE, made.id, InstanceState.RUNNING, timeout=WAIT).id
    wait_for_console(_console(qemu, iid), "HEARTH-GUEST-READY", WAIT)
    nics = [("52:54:00:a0:00:01", InterfaceType.ovs), ("52:54:00:a0:00:02", InterfaceType.macvtap)]
    for mac, kind in nics:
        qemu.create_interface(ALICE, iid, InterfaceCreate(type=kind, source=host.source(kind), mac=mac))
        assert netdevs.exists(_device(iid, mac, kind))
    handle = qemu.context.sup.get(iid)
    handle.qmp.execute("system_powerdown")  # behind the driver's back: no read will settle it
    handle.wait_exit(WAIT)
    deadline = time.monotonic() + 30
    while any(netdevs.exists(_device(iid, mac, kind)) for mac, kind in nics) or _device(
        iid, nics[0][0], InterfaceType.ovs
    ) in _ovs_ports(host.ovs):
        assert time.monotonic() < deadline, "the host devices outlived QEMU"
        time.sleep(0.2)
    assert (
        wait_for_state(qemu, ALICE, iid, InstanceState.STOPPED, timeout=WAIT).state is InstanceState.STOPPED
    )
    qemu.destroy_instance(ALICE, iid)


def test_a_start_that_fails_half_way_leaves_no_host_devices(qemu: QemuDriver, host: HostNet) -> None:
    """The bridge NIC's tap is made, then the macvtap cannot be (another macvtap on the same veth
    holds its MAC): the start fails naming why, and the tap made before is gone too."""
    made = qemu.create_instance(ALICE, InstanceCreate(image_id=GUEST_IMAGE, hwp_id="small", start=False))
    br_mac, tap_mac = "52:54:00:a1:00:01", "52:54:00:a1:00:02"
    qemu.create_interface(
        ALICE, made.id, InterfaceCreate(type=InterfaceType.bridge, source=host.bridge, mac=br_mac)
    )
    qemu.create_interface(
        ALICE, made.id, InterfaceCreate(type=InterfaceType.macvtap, source=host.lower, mac=tap_mac)
    )
    with netdevs.macvtap_on(host.lower) as squatter:
        netdevs.run("ip", "link", "set", "dev", squatter, "address", tap_mac, "up")
        qemu.start_instance(ALICE, made.id)
        failed = wait_for_state(qemu, ALICE, made.id, InstanceState.ERROR, timeout=WAIT)
        reason = failed.state_reason or ""
        assert f"macvtap NIC {tap_mac} on {host.lower}" in reason and "Address already in use" in reason
        _host_side_gone(made.id, br_mac, InterfaceType.bridge, host)
        _host_side_gone(made.id, tap_mac, InterfaceType.macvtap, host)
        assert os.listdir(f"/sys/class/net/{host.bridge}/brif") == []
    qemu.destroy_instance(ALICE, made.id)


def test_a_nic_whose_host_device_is_missing_or_unfit_is_refused_naming_it(
    qemu: QemuDriver, running: str, guest: GuestImage, host: HostNet
) -> None:
    missing = netdevs.unique("hno")
    before = qemu.list_interfaces(ALICE, running)
    for kind, source, words in (
        (InterfaceType.bridge, missing, "does not exist"),
        (InterfaceType.bridge, host.lower, "not a Linux bridge"),
        (InterfaceType.ovs, host.bridge, "OVS bridge"),
        (InterfaceType.macvtap, missing, "does not exist"),
        (InterfaceType.macvtap, "lo", "cannot carry a macvtap"),
    ):
        with pytest.raises(ValidationError) as err:
            qemu.create_interface(ALICE, running, InterfaceCreate(type=kind, source=source))
        assert source in err.value.message and words in err.value.message, err.value.message
    with pytest.raises(ValidationError) as err:
        qemu.create_interface(ALICE, running, InterfaceCreate(type=InterfaceType.network, source="default"))
    assert "default" in err.value.message and "does not exist" in err.value.message
    assert qemu.list_interfaces(ALICE, running) == before, "refusals change nothing"

    spec = _spec(guest, host, interfaces=[{"type": "macvtap", "source": missing}])
    with pytest.raises(ValidationError) as err:
        qemu.create_instance(ALICE, InstanceCreate(template_id="tmpl-bad", hwp_id="small", spec=spec))
    assert missing in err.value.message
    assert [i.id for i in qemu.list_instances(ALICE)] == [running], "a refused create leaves nothing"
    assert sorted(p.name for p in qemu.context.layout.instances.iterdir()) == [running]


def test_a_running_nic_moves_between_bridges_and_a_stopped_macvtap_changes_device(
    qemu: QemuDriver, running: str, host: HostNet
) -> None:
    br_mac, ovs_mac, tap_mac = "52:54:00:9d:00:01", "52:54:00:9d:00:02", "52:54:00:9d:00:03"
    qemu.create_interface(
        ALICE, running, InterfaceCreate(type=InterfaceType.bridge, source=host.bridge, mac=br_mac)
    )
    qemu.create_interface(
        ALICE, running, InterfaceCreate(type=InterfaceType.ovs, source=host.ovs, mac=ovs_mac)
    )
    qemu.create_interface(
        ALICE, running, InterfaceCreate(type=InterfaceType.macvtap, source=host.lower, mac=tap_mac)
    )

    moved = qemu.update_interface(ALICE, running, br_mac, InterfaceUpdate(source=host.bridge2))
    assert moved.source == host.bridge2
    tap = _device(running, br_mac, InterfaceType.bridge)
    assert tap in os.listdir(f"/sys/class/net/{host.bridge2}/brif")
    assert tap not in os.listdir(f"/sys/class/net/{host.bridge}/brif")
    qemu.update_interface(ALICE, running, ovs_mac, InterfaceUpdate(source=host.ovs2))
    port = _device(running, ovs_mac, InterfaceType.ovs)
    assert port in _ovs_ports(host.ovs2) and port not in _ovs_ports(host.ovs)
    with pytest.raises(ValidationError):
        qemu.update_interface(ALICE, running, br_mac, InterfaceUpdate(source=netdevs.unique("hno")))
    with pytest.raises(InvalidState) as err:
        qemu.update_interface(ALICE, running, tap_mac, InterfaceUpdate(source=host.bridge))
    assert "STOPPED" in err.value.message
    assert qemu.get_interface(ALICE, running, tap_mac).source == host.lower, "a refusal changes nothing"
    for mac in (br_mac, ovs_mac, tap_mac):
        qemu.delete_interface(ALICE, running, mac)

    made = qemu.create_instance(ALICE, InstanceCreate(image_id=GUEST_IMAGE, hwp_id="small", start=False))
    with netdevs.veth_pair() as (other, _):
        qemu.create_interface(
            ALICE, made.id, InterfaceCreate(type=InterfaceType.macvtap, source=host.lower, mac=tap_mac)
        )
        changed = qemu.update_interface(ALICE, made.id, tap_mac, InterfaceUpdate(source=other))
        assert changed.source == other and changed.mode is MacvtapMode.bridge
        assert not netdevs.exists(_device(made.id, tap_mac, InterfaceType.macvtap)), (
            "nothing made while stopped"
        )
        netdevs.run("ip", "link", "set", other, "up")
        qemu.start_instance(ALICE, made.id)
        wait_for_state(qemu, ALICE, made.id, InstanceState.RUNNING, timeout=WAIT)
        _check_host_side(made.id, tap_mac, InterfaceType.macvtap, other)
        qemu.stop_instance(ALICE, made.id, force=True)
        wait_for_state(qemu, ALICE, made.id, InstanceState.STOPPED, timeout=WAIT)
        qemu.destroy_instance(ALICE, made.id)
        assert not netdevs.exists(_device(made.id, tap_mac, InterfaceType.macvtap))


def test_nics_outlive_a_driver_restart_and_a_qemu_killed_meanwhile_leaves_no_devices(
    guest: GuestImage, state_dir: Path, host: HostNet
) -> None:
    run = short_dir("hqn-")
    roots = [guest.kernel.parent, guest.initrd.parent]
    br_mac, ovs_mac, tap_mac = "52:54:00:9e:00:01", "52:54:00:9e:00:02", "52:54:00:9e:00:03"
    try:
        with open_qemu_driver(state_dir, run_dir=run, media_roots=roots) as first:
            register_guest(first, guest)
            made = first.create_instance(ALICE, InstanceCreate(image_id=GUEST_IMAGE, hwp_id="small"))
            iid = wait_for_state(first, ALICE, made.id, InstanceState.RUNNING, timeout=WAIT).id
            wait_for_console(run / iid / "console.log", "HEARTH-GUEST-READY", WAIT)
            for kind, mac in (
                (InterfaceType.bridge, br_mac),
                (InterfaceType.ovs, ovs_mac),
                (InterfaceType.macvtap, tap_mac),
            ):
                first.create_interface(
                    ALICE, iid, InterfaceCreate(type=kind, source=host.source(kind), mac=mac)
                )
            listed = first.list_interfaces(ALICE, iid)
            pid = first.context.sup.get(iid).pid
        # The first driver is gone; QEMU and the NICs' host devices stay.
        assert _check_host_side(iid, tap_mac, InterfaceType.macvtap, host.lower) in _qemu_devices(pid)
        with open_qemu_driver(state_dir, run_dir=run, media_roots=roots) as second:
            assert second.list_interfaces(ALICE, iid) == listed
            log = run / iid / "console.log"
            mark = log.stat().st_size
            second.delete_interface(ALICE, iid, br_mac)  # hot-unplug by a driver that did not plug it
            wait_for_console(log, rf"{UEVENT_MARKER} action=remove subsystem=net", WAIT, start=mark)
            _host_side_gone(iid, br_mac, InterfaceType.bridge, host)
            mark = log.stat().st_size
            again = "52:54:00:9e:00:04"  # and a hot-plug over the re-attached monitor socket
            second.create_interface(
                ALICE, iid, InterfaceCreate(type=InterfaceType.bridge, source=host.bridge, mac=again)
            )
            wait_for_console(log, rf"{UEVENT_MARKER} action=add subsystem=net", WAIT, start=mark)
            assert _check_host_side(iid, again, InterfaceType.bridge, host.bridge) in _qemu_devices(pid)
        os.kill(pid, signal.SIGKILL)  # while no driver watches
        with open_qemu_driver(state_dir, run_dir=run, media_roots=roots) as third:
            seen = wait_for_state(third, ALICE, iid, InstanceState.ERROR, timeout=WAIT)
            assert "no manager was watching" in (seen.state_reason or ""), seen.state_reason
            for mac, kind in (
                (ovs_mac, InterfaceType.ovs),
                (tap_mac, InterfaceType.macvtap),
                (again, InterfaceType.bridge),
            ):
                _host_side_gone(iid, mac, kind, host)
            third.destroy_instance(ALICE, iid)
    finally:
        with open_qemu_driver(state_dir, run_dir=run, media_roots=roots) as last:
            last.power_off_all()
        shutil.rmtree(run, ignore_errors=True)


def test_the_machine_of_a_host_backed_nic_takes_its_descriptor_on_the_command_line(
    qemu: QemuDriver, guest: GuestImage, host: HostNet
) -> None:
    """The saved design keeps libvirt's form (bridge, virtualport, direct); what QEMU is given is
    a tap netdev on the descriptor, with the guest side (model, MAC, slot) unchanged."""
    made = qemu.create_instance(
        ALICE, InstanceCreate(template_id="tmpl-argv", hwp_id="small", spec=_spec(guest, host), start=False)
    )
    domain = design.load(qemu.context.layout.instance_dir(made.id))
    xml = domain.to_xml()
    assert "openvswitch" in xml and 'type="direct"' in xml and "vepa" in xml
    with pytest.raises(BackendError) as err:
        machine_for(domain, [])
    assert "host device" in str(err.value)
    r, w = os.pipe()
    try:
        fds = {mac: fd for (mac, _), fd in zip(SPEC_NICS, (r, w, r), strict=True)}
        machine = machine_for(domain, [], fds)
        argv = render_argv(machine, accel="tcg")
        netdevs_ = [argv.args[i + 1] for i, a in enumerate(argv.args) if a == "-netdev"]
        assert sorted(netdevs_) == sorted(
            f"tap,id=net-{nic_alias(mac)},fd={fd}" for (mac, _), fd in zip(SPEC_NICS, (r, w, r), strict=True)
        )
        assert set(argv.pass_fds) >= {r, w}
        nics = {d["mac"]: d for d in machine.devices if "netdev" in d}
        assert nics["52:54:00:9c:00:02"]["driver"] == "e1000"
        assert all(str(d["bus"]).startswith("pci.") for d in nics.values()), "behind hot-plug ports"
    finally:
        os.close(r)
        os.close(w)
    qemu.destroy_instance(ALICE, made.id)


def test_ovs_ports_are_removed_even_when_the_tap_is_already_gone(host: HostNet) -> None:
    """An OVS port outlives its tap (the OVSDB row stays); removing the NIC's device drops it."""
    nic = hostnics.HostNic(InterfaceType.ovs, host.ovs, "52:54:00:9f:00:01")
    iid = f"test-{netdevs.unique()}"
    fd = hostnics.open_device(iid, nic)
    name = nic.device(iid)
    assert name in _ovs_ports(host.ovs) and netdevs.exists(name)
    os.close(fd)  # what QEMU exiting does
    assert not netdevs.exists(name) and name in _ovs_ports(host.ovs)
    hostnics.remove_device(iid, nic)
    assert name not in _ovs_ports(host.ovs)
    hostnics.remove_device(iid, nic)  # twice is fine
