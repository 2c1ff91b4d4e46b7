"""A VM as QEMU sees it, and the one function that turns it into argv.

The description holds only facts (sizes, paths, device maps); rendering is a pure
function of the description plus the resolved accelerator and monitor endpoints, so golden
tests can pin argv exactly and the launcher adds nothing behind the caller's back.
Every QEMU-parsed value passes through :mod:`hearth.qemu.properties`; values QEMU takes
verbatim (kernel path, kernel command line) are still checked for control characters.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hearth.errors import ValidationError
from hearth.qemu.accel import Accel, default_cpu
from hearth.qemu.properties import (
    Backend,
    Device,
    Parts,
    Scalar,
    Value,
    backend_args,
    check_name,
    check_text,
    device_args,
    render_options,
    render_scalar,
)
from hearth.vocab.topology import topology_problem

_VM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
CONSOLE_CHARDEV = "hearth-console"


@dataclass(frozen=True)
class Firmware:
    """UEFI-style firmware on pflash: read-only code plus an optional writable vars copy."""

    code: Path
    vars: Path | None = None
    secure: bool = False  # the code needs SMM-protected flash (cfi.pflash01.secure=on)
    vars_template: Path | None = None  # copied to ``vars`` at launch when that does not exist
    code_read_only: bool = True


@dataclass(frozen=True)
class FdSetEntry:
    """An open descriptor handed to QEMU as ``/dev/fdset/<set_id>`` (``-add-fd``)."""

    fd: int
    set_id: int
    opaque: str | None = None


@dataclass(frozen=True)
class CpuTopology:
    """How ``-smp`` lays out the vCPUs: sockets x dies x cores x threads is the maximum count."""

    sockets: int
    cores: int
    threads: int
    dies: int = 1

    @property
    def cpus(self) -> int:
        return self.sockets * self.dies * self.cores * self.threads


@dataclass(frozen=True)
class QmpFd:
    """A QMP monitor on an already connected socket (one end of a socketpair)."""

    fd: int


@dataclass(frozen=True)
class QmpSocket:
    """A QMP monitor listening on a unix socket path, for clients that come later."""

    path: Path


Monitor = QmpFd | QmpSocket


@dataclass
class Machine:
    """Everything needed to start one VM; devices and backends are property maps."""

    name: str
    memory_mib: int = 256
    smp: int = 1  # vCPUs at boot
    max_smp: int | None = None  # vCPUs the guest may grow to (hot-plug); None: smp
    topology: CpuTopology | None = None
    machine_type: str = "q35"
    machine_props: dict[str, Scalar] = field(default_factory=dict)
    accel: str = "auto"
    cpu: str | None = None
    cpu_props: dict[str, Scalar] = field(default_factory=dict)  # -cpu model,feature=on,...
    uuid: str | None = None
    kernel: Path | None = None
    initrd: Path | None = None
    append: str | None = None
    firmware: Firmware | None = None
    bios: Path | None = None  # a ROM image (-bios), the other kind of firmware
    boot: dict[str, Scalar] = field(default_factory=dict)  # -boot menu=on,strict=on,...
    rtc: dict[str, Scalar] = field(default_factory=dict)  # -rtc base=utc,driftfix=slew
    globals: list[tuple[str, str, Scalar]] = field(default_factory=list)  # (driver, property, value)
    numa: list[dict[str, Value]] = field(default_factory=list)  # -numa node,... (backends hold memdevs)
    mem_lock: bool = False
    actions: dict[str, str] = field(default_factory=dict)  # -action reboot=shutdown,...
    extra_args: list[str] = field(default_factory=list)  # <qemu:commandline>, checked whole (validate)
    env: dict[str, str] = field(default_factory=dict)  # extra environment of the QEMU process
    backends: list[Backend] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    console_log: Path | None = None
    serial_console: bool = True  # False: no serial port at all (a domain without <serial>/<console>)
    # The serial port also served on this unix socket (one client at a time), still logged.
    console_socket: Path | None = None
    vnc_socket: Path | None = None  # a VNC server on this unix socket (never on the network)
    pidfile: Path | None = None
    start_paused: bool = False
    pass_fds: list[int] = field(default_factory=list)
    fdsets: list[FdSetEntry] = field(default_factory=list)

    def add(self, parts: Parts) -> Machine:
        """Append a helper's backends and devices; returns self so calls chain."""
        self.backends.extend(parts.backends)
        self.devices.extend(parts.devices)
        return self


@dataclass(frozen=True)
class Argv:
    """The command line plus the descriptors the child must inherit for it to make sense."""

    args: list[str]
    pass_fds: tuple[int, ...]


def check_vm_name(name: object) -> str:
    if not isinstance(name, str) or not _VM_NAME.match(name):
        raise ValidationError(
            f"invalid VM name {name!r}: 1-64 letters, digits, '-', '.', '_', starting with a letter or digit",
            name=repr(name),
        )
    return name


def render_argv(
    machine: Machine, *, accel: Accel, binary: str = "qemu-system-x86_64", monitors: Sequence[Monitor] = ()
) -> Argv:
    """The full argv for ``machine`` under the resolved ``accel``."""
    m = machine
    check_vm_name(m.name)
    if m.memory_mib <= 0 or m.smp <= 0:
        raise ValidationError("memory and vCPU count must be positive", memory_mib=m.memory_mib, smp=m.smp)
    cpu = m.cpu or default_cpu(accel)
    if cpu == "host" and accel != "kvm":
        raise ValidationError("cpu model 'host' needs KVM, but this VM runs under TCG", accel=accel)
    args = [binary, "-name", f"guest={render_scalar(m.name)}"]
    if m.uuid is not None:
        try:
            args += ["-uuid", str(uuidlib.UUID(m.uuid))]
        except ValueError:
            raise ValidationError(f"invalid uuid {m.uuid!r}", uuid=repr(m.uuid)) from None
    machine_props: dict[str, Scalar] = {"type": check_name(m.machine_type, "machine type")}
    machine_props.update(m.machine_props)
    pflash: list[Backend] = []
    if m.firmware is not None:
        pflash.append(_pflash_node("hearth-pflash0", m.firmware.code, read_only=m.firmware.code_read_only))
        machine_props["pflash0"] = "hearth-pflash0"
        if m.firmware.vars is not None:
            pflash.append(_pflash_node("hearth-pflash1", m.firmware.vars, read_only=False))
            machine_props["pflash1"] = "hearth-pflash1"
    args += ["-machine", render_options("machine", machine_props)]
    args += ["-accel", accel]
    if m.machine_type != "none":  # the empty board has no CPU to configure
        cpu_arg = [render_scalar(check_name(cpu, "cpu model"))]
        cpu_arg += [f"{check_name(k, 'cpu feature')}={render_scalar(v, k)}" for k, v in m.cpu_props.items()]
        args += ["-cpu", ",".join(cpu_arg)]
    if m.firmware is not None and m.firmware.secure:
        args += ["-global", "driver=cfi.pflash01,property=secure,value=on"]
    if m.bios is not None:
        args += ["-bios", check_text(str(m.bios), "bios path")]
    args += ["-m", str(int(m.memory_mib))]
    if m.mem_lock:
        args += ["-overcommit", "mem-lock=on"]
    if m.machine_type != "none":
        args += ["-smp", _smp(m)]
    for node in m.numa:
        args += ["-numa", render_options("numa", {"type": "node", **node})]
    args += ["-nodefaults", "-no-user-config", "-display", "none"]
    if m.rtc:
        args += ["-rtc", render_options("rtc", {"base": "utc", **m.rtc})]
    for driver, prop, value in m.globals:
        check_name(driver, "global driver")
        check_name(prop, "global property")
        args += ["-global", f"driver={driver},property={prop},value={render_scalar(value, prop)}"]
    if m.actions:
        args += [
            "-action",
            ",".join(f"{check_name(k, 'action')}={check_name(v, k)}" for k, v in m.actions.items()),
        ]
    if m.boot:
        args += ["-boot", render_options("boot", m.boot)]
    if m.kernel is not None:
        args += ["-kernel", check_text(str(m.kernel), "kernel path")]
    if m.initrd is not None:
        args += ["-initrd", check_text(str(m.initrd), "initrd path")]
    if m.append is not None:
        args += ["-append", check_text(m.append, "kernel command line")]
    if m.start_paused:
        args.append("-S")
    if m.pidfile is not None:
        args += ["-pidfile", check_text(str(m.pidfile), "pidfile path")]
    pass_fds = list(m.pass_fds)
    for i, mon in enumerate(monitors):
        chardev_id = f"hearth-qmp{i}"
        if isinstance(mon, QmpFd):
            props: dict[str, Scalar] = {"backend": "socket", "id": chardev_id, "fd": mon.fd}
            pass_fds.append(mon.fd)
        else:
            props = {
                "backend": "socket",
                "id": chardev_id,
                "path": str(mon.path),
                "server": True,
                "wait": False,
            }
        args += ["-chardev", render_options("chardev", props)]
        args += ["-mon", f"chardev={chardev_id},mode=control"]
    if m.console_log is not None and m.serial_console:
        console: dict[str, Scalar] = {"backend": "file", "id": CONSOLE_CHARDEV, "path": str(m.console_log)}
        if m.console_socket is not None:
            console = {
                "backend": "socket",
                "id": CONSOLE_CHARDEV,
                "path": str(m.console_socket),
                "server": True,
                "wait": False,
                "logfile": str(m.console_log),
            }
        args += ["-chardev", render_options("chardev", console), "-serial", f"chardev:{CONSOLE_CHARDEV}"]
    if m.vnc_socket is not None:
        path = check_text(str(m.vnc_socket), "VNC socket path")
        if "," in path:  # -vnc reads options after a comma and cannot escape one in the path
            raise ValidationError(f"the VNC socket path {path!r} contains a comma", path=path)
        args += ["-vnc", f"unix:{path}"]
    for entry in m.fdsets:
        fdset: dict[str, Scalar] = {"fd": entry.fd, "set": entry.set_id}
        if entry.opaque is not None:
            fdset["opaque"] = entry.opaque
        args += ["-add-fd", ",".join(f"{k}={render_scalar(v, k)}" for k, v in fdset.items())]
        pass_fds.append(entry.fd)
    for backend in [*pflash, *m.backends]:
        args += backend_args(backend)
    for device in m.devices:
        args += device_args(device)
    args += [check_text(a, "extra QEMU argument") for a in m.extra_args]
    return Argv(args=args, pass_fds=tuple(dict.fromkeys(pass_fds)))


def _smp(m: Machine) -> str:
    """``-smp``: a bare count unless a maximum or a layout is given; a layout must add up."""
    top = int(m.max_smp) if m.max_smp is not None else int(m.smp)
    if top < m.smp:
        raise ValidationError(f"max_smp {top} is below smp {m.smp}", smp=m.smp, max_smp=top)
    if m.max_smp is None and m.topology is None:
        return str(int(m.smp))
    parts = [str(int(m.smp))]
    t = m.topology
    if t is not None:
        counts = {"sockets": t.sockets, "dies": t.dies, "cores": t.cores, "threads": t.threads}
        for label, value in counts.items():
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValidationError(
                    f"CPU topology {label} must be a positive whole number", **{label: value}
                )
        problem = topology_problem(top, **counts)
        if problem is not None:
            raise ValidationError(f"CPU topology {problem}", **counts, maxcpus=top)
        parts += [f"sockets={t.sockets}"]
        if t.dies != 1:
            parts += [f"dies={t.dies}"]
        parts += [f"cores={t.cores}", f"threads={t.threads}"]
    parts.append(f"maxcpus={top}")
    return ",".join(parts)


def _pflash_node(node: str, path: Path, *, read_only: bool) -> Backend:
    return Backend(
        "blockdev",
        {
            "driver": "raw",
            "node-name": node,
            "read-only": read_only,
            "file": {"driver": "file", "filename": str(path), "read-only": read_only},
        },
    )
