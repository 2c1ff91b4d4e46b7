"""The board around the CPU, as libvirt sets it: machine flags, clock, power management, lifecycle.

Each rule is libvirt's QEMU driver rule (its ``-machine``, ``-rtc``, ``-global`` and
``-no-reboot`` choices), so a guest keeps its timers and sleep states across drivers.
"""

from __future__ import annotations

import datetime as dt
import re

from hearth.domain import Domain
from hearth.errors import NotSupported, ValidationError
from hearth.qemu.machine import Machine

_RTC_DRIFT = {"catchup": "slew", "delay": None}
_RTC_CLOCK = {"guest": "vm", "wall": "rt", "boot": None}
_PIT_POLICY = {"delay": "delay", "catchup": "slew", "discard": "discard"}


def _state(value: str | None, where: str) -> bool:
    if value not in ("on", "off"):
        raise ValidationError(f"{where} must be on or off, not {value!r}")
    return value == "on"


def machine_flags(domain: Domain, machine: Machine) -> None:
    """``<features>``: ACPI, vmport, SMM, the I/O APIC; <vmcoreinfo> is a device."""
    features = domain.node.find("features")
    props = machine.machine_props
    if features is None or features.find("acpi") is None:
        props["acpi"] = False  # libvirt turns ACPI off when <acpi/> is absent
    if features is None:
        return
    for name in ("vmport", "smm"):
        el = features.find(name)
        if el is not None:
            if len(el):
                raise NotSupported(f"<features><{name}> sub-elements are not supported by hearth.qemu")
            props[name] = _state(el.get("state", "on"), f"<{name} state>")
    ioapic = features.find("ioapic")
    if ioapic is not None:
        driver = ioapic.get("driver")
        if driver not in ("kvm", "qemu"):
            raise ValidationError(f"<ioapic driver> must be kvm or qemu, not {driver!r}")
        props["kernel_irqchip"] = "split" if driver == "qemu" else True
    vmcoreinfo = features.find("vmcoreinfo")
    if vmcoreinfo is not None and _state(vmcoreinfo.get("state", "on"), "<vmcoreinfo state>"):
        machine.devices.append({"driver": "vmcoreinfo", "id": "vmcoreinfo0"})


def clock(domain: Domain, machine: Machine, *, now: dt.datetime | None = None) -> None:
    """``<clock>``: the RTC base and drift policy, the PIT's lost-tick policy, the HPET."""
    offset = domain.clock.offset or "utc"
    el = domain.node.find("clock")
    rtc: dict[str, str | int | float | bool] = {}
    if offset in ("utc", "localtime"):
        rtc["base"] = offset
    elif offset == "variable":
        assert el is not None
        basis = el.get("basis", "utc")
        if basis not in ("utc", "localtime"):
            raise ValidationError(f"<clock basis> must be utc or localtime, not {basis!r}")
        start = now or (dt.datetime.now(dt.UTC) if basis == "utc" else dt.datetime.now())
        seconds = int(el.get("adjustment", "0") or 0)
        rtc["base"] = (start + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    elif offset == "timezone":
        assert el is not None
        zone = el.get("timezone")
        if not zone:
            raise ValidationError("<clock offset='timezone'> needs a timezone attribute")
        rtc["base"] = "localtime"
        machine.env["TZ"] = zone  # libvirt's way: QEMU's localtime is the process's TZ
    elif offset == "absolute":
        assert el is not None
        start_at = dt.datetime.fromtimestamp(int(el.get("start", "0")), dt.UTC)
        rtc["base"] = start_at.strftime("%Y-%m-%dT%H:%M:%S")
    else:
        raise NotSupported(f"<clock offset={offset!r}> is not supported by hearth.qemu")
    for timer in domain.clock.timers:
        name, policy = timer.name, timer.tickpolicy
        timer_el = timer.node
        if len(timer_el):
            raise NotSupported(f"<timer name={name!r}> sub-elements are not supported by hearth.qemu")
        track = timer_el.get("track")
        if name == "rtc":
            if timer.present is False:
                raise NotSupported("an RTC with present='no' cannot be built by QEMU")
            if policy not in (None, *_RTC_DRIFT):
                raise NotSupported(f"rtc tickpolicy {policy!r} is not supported by QEMU")
            if track is not None:
                if track not in _RTC_CLOCK or _RTC_CLOCK[track] is None:
                    raise NotSupported(f"rtc track={track!r} is not supported by hearth.qemu")
                rtc["clock"] = str(_RTC_CLOCK[track])
            drift = _RTC_DRIFT.get(policy or "delay")
            if drift:
                rtc["driftfix"] = drift
        elif name == "pit":
            if timer.present is False:
                raise NotSupported("a PIT with present='no' is not supported by hearth.qemu")
            if policy is not None:
                if policy not in _PIT_POLICY:
                    raise NotSupported(f"pit tickpolicy {policy!r} is not supported by QEMU")
                machine.globals.append(("kvm-pit", "lost_tick_policy", _PIT_POLICY[policy]))
        elif name == "hpet":
            if policy is not None:
                raise NotSupported("an hpet tickpolicy is not supported by QEMU")
            if timer.present is False:
                machine.machine_props["hpet"] = False
        elif name in ("kvmclock", "hypervclock"):
            if policy is not None:
                raise NotSupported(f"a {name} tickpolicy is not supported by QEMU")
            # present= is a CPU flag (domain_cpu)
        else:
            raise NotSupported(f"<timer name={name!r}> is not supported by hearth.qemu")
        if track is not None and name != "rtc":
            raise NotSupported(f"<timer name={name!r} track> is only meaningful for the rtc")
    machine.rtc = rtc


def power_management(domain: Domain, machine: Machine, qemu_version: str) -> None:
    """``<pm>``: S3/S4 on the board's power-management device (ICH9 LPC on q35, PIIX4 on pc),
    and on q35 the ICH9 no-reboot strap, which decides whether the built-in iTCO watchdog can
    reset the guest. libvirt (9.0) leaves the strap to QEMU, whose default is the board's:
    on for pc-q35 up to 7.2, off from 8.0 (QEMU 8.0's compat rule). It is written out here
    with that value, so the guest does not depend on which default a QEMU build happens to have."""
    q35 = machine.machine_type.startswith(("q35", "pc-q35"))
    lpc = "ICH9-LPC" if q35 else "PIIX4_PM"
    for state, enabled in (("s3", domain.pm_suspend_to_mem), ("s4", domain.pm_suspend_to_disk)):
        if enabled is not None:
            machine.globals.append((lpc, f"disable_{state}", 0 if enabled else 1))
    if q35:
        strap = board_version(machine.machine_type, qemu_version) < (8, 0)
        machine.globals.append(("ICH9-LPC", "noreboot", strap))


def board_version(machine_type: str, qemu_version: str) -> tuple[int, int]:
    """The version of a pc/q35 board: its own (``pc-q35-7.2``), or for the bare alias (``q35``,
    ``pc``) the QEMU's, which the alias points at."""
    found = re.fullmatch(r"pc-(?:q35|i440fx)-(\d+)\.(\d+)", machine_type)
    if found is None:
        found = re.match(r"(\d+)\.(\d+)", qemu_version)
    if found is None:
        raise ValidationError(f"cannot tell the board version of {machine_type!r} on QEMU {qemu_version!r}")
    return int(found.group(1)), int(found.group(2))


def lifecycle(domain: Domain, machine: Machine, skipped: list[str]) -> None:
    """``on_*``: what QEMU itself does; the restart/preserve policies belong to libvirt's daemon."""
    if (domain.on_reboot or "restart") == "destroy":
        machine.actions["reboot"] = "shutdown"  # libvirt's -no-reboot
    elif domain.on_reboot not in (None, "restart"):
        skipped.append(f"on_reboot: {domain.on_reboot!r} is libvirt daemon policy; QEMU resets the guest")
    if domain.on_poweroff not in (None, "destroy"):
        skipped.append(f"on_poweroff: {domain.on_poweroff!r} is libvirt daemon policy; the VM stops")
    if domain.on_crash not in (None, "destroy"):
        skipped.append(f"on_crash: {domain.on_crash!r} is libvirt daemon policy; the VM stops")


def boot(domain: Domain, machine: Machine) -> None:
    """``-boot``: the boot menu, and strict=on as libvirt always sets it (only listed devices boot)."""
    menu = domain.os.bootmenu_enable
    if menu is not None:
        machine.boot["menu"] = menu
        timeout = domain.node.find("os/bootmenu")
        if menu and timeout is not None and timeout.get("timeout") is not None:
            machine.boot["splash-time"] = int(str(timeout.get("timeout")))
    machine.boot["strict"] = True
