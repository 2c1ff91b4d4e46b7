"""Check a machine against the facts before any process starts.

QEMU would find most of these problems too, but only after forking, and it reports the
first one in a line of stderr that names an option index rather than the device the user
wrote. Checking here gives one ``ValidationError`` that names the device, the property
and what would have been accepted, and it catches dangling references (a disk pointing
at a node nobody defined) that QEMU reports in less obvious ways.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from difflib import get_close_matches
from pathlib import Path

from hearth.errors import ValidationError
from hearth.qemu.caps import DEVICE_GENERIC_KEYS, OBJECT_GENERIC_KEYS, Capabilities
from hearth.qemu.machine import Machine, check_vm_name
from hearth.qemu.properties import NODE_NAME_MAX, Backend, Scalar, Value, check_id

# Device properties that name another object, and the backend kind they must name.
_REFERENCES = {
    "drive": "blockdev",
    "netdev": "netdev",
    "chardev": "chardev",
    "fsdev": "fsdev",
    "rng": "object",
}


_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _hint(wrong: str, choices: Iterable[str]) -> str:
    close = get_close_matches(wrong, sorted(choices), n=3)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def check_file(path: Path, what: str) -> None:
    if not path.is_file():
        raise ValidationError(f"{what} {path} does not exist or is not a file", path=str(path))
    if not os.access(path, os.R_OK):
        raise ValidationError(f"{what} {path} is not readable", path=str(path))


def _block_files(props: Mapping[str, Value]) -> Iterable[str]:
    """Filenames of protocol-level file nodes in a (possibly nested) blockdev map."""
    if props.get("driver") in ("file", "host_device", "host_cdrom"):
        name = props.get("filename")
        if isinstance(name, str):
            yield name
    for value in props.values():
        if isinstance(value, Mapping):
            yield from _block_files(value)


def check_device(device: Mapping[str, Scalar], caps: Capabilities) -> None:
    """A device's driver exists and every property is one that driver has."""
    driver = device.get("driver")
    if not isinstance(driver, str):
        raise ValidationError(f"device {dict(device)!r} has no driver")
    label = f"device {driver!r}" + (f" (id {device['id']})" if "id" in device else "")
    if driver not in caps.device_props:
        raise ValidationError(
            f"unknown device driver {driver!r}{_hint(driver, caps.device_props)}", driver=driver
        )
    listed = caps.device_props[driver]
    if listed is None:
        return  # QEMU could not describe this driver; it will check the properties itself
    known = listed | DEVICE_GENERIC_KEYS
    for key in device:
        if key not in known:
            raise ValidationError(
                f"{label} has no property {key!r}{_hint(key, known)}", driver=driver, property=key
            )
    if "id" in device:
        check_id(device["id"], f"{label} id")


def check_backend(backend: Backend, caps: Capabilities) -> None:
    props = backend.props
    if backend.kind == "blockdev":
        check_id(props.get("node-name"), "blockdev node-name", NODE_NAME_MAX)
        for name in _block_files(props):
            if not name.startswith("/dev/fdset/"):
                check_file(Path(name), f"block node {props.get('node-name')} file")
        return
    check_id(props.get("id"), f"{backend.kind} id")
    if backend.kind == "object":
        qom_type = backend.type
        if qom_type not in caps.object_types:
            raise ValidationError(f"unknown object type {qom_type!r}{_hint(qom_type, caps.object_types)}")
        listed = caps.object_props.get(qom_type)
        known = (listed or frozenset()) | OBJECT_GENERIC_KEYS
        for key in props if listed is not None else ():
            if key not in known:
                raise ValidationError(f"object {qom_type!r} has no property {key!r}{_hint(key, known)}")


def object_types(backends: Iterable[Backend]) -> list[str]:
    """The ``-object`` types among ``backends``, whose properties the caps must know."""
    return [b.type for b in backends if b.kind == "object"]


# Options hearth.qemu itself owns: passing them again would take the VM out of its hands.
_MANAGED_OPTIONS = frozenset(
    {"qmp", "qmp-pretty", "monitor", "mon", "daemonize", "pidfile", "name", "uuid", "S", "incoming",
     "runas", "chroot", "nodefaults", "no-user-config", "display", "accel", "machine", "M", "enable-kvm"}
)  # fmt: skip


def check_extra_args(args: list[str], caps: Capabilities) -> None:
    """``<qemu:commandline>`` arguments: each option one the installed QEMU has, each value its
    own argv element (never glued onto another option), a ``-device``/``-global`` naming a
    driver QEMU knows."""
    i = 0
    while i < len(args):
        arg = args[i]
        name = arg[1:].lstrip("-")
        if not arg.startswith("-") or name not in caps.options:
            raise ValidationError(
                f"extra QEMU argument {arg!r} is not an option of this QEMU"
                + (f" (after {args[i - 1]!r})" if i else "")
                + _hint(name, caps.options),
                argument=arg,
            )
        if name in _MANAGED_OPTIONS:
            raise ValidationError(f"extra QEMU argument {arg!r} would replace what hearth.qemu manages")
        i += 1
        if not caps.options[name]:
            continue
        if i == len(args):
            raise ValidationError(f"extra QEMU option {arg!r} needs a value after it")
        value = args[i]
        if _CONTROL_CHARS.search(value):
            raise ValidationError(f"the value of extra option {arg!r} contains a control character")
        if name in ("device", "global") and not value.startswith("{"):
            head = value.split(",", 1)[0]
            driver = head[len("driver=") :] if head.startswith("driver=") else head
            if name == "global" and not head.startswith("driver="):
                driver = head.split(".", 1)[0]
            if driver not in caps.device_props:
                hint = _hint(driver, caps.device_props)
                raise ValidationError(f"extra {arg} {value!r}: unknown device driver {driver!r}{hint}")
        i += 1


def check_machine(machine: Machine, caps: Capabilities) -> None:
    """Raise one clear ``ValidationError`` for the first thing wrong with ``machine``."""
    m = machine
    check_vm_name(m.name)
    if m.machine_type not in caps.machines:
        raise ValidationError(
            f"unknown machine type {m.machine_type!r}{_hint(m.machine_type, caps.machines)}",
            machine_type=m.machine_type,
        )
    if m.cpu is not None and m.cpu not in caps.cpu_models | {"host", "max"}:
        raise ValidationError(f"unknown cpu model {m.cpu!r}{_hint(m.cpu, caps.cpu_models)}", cpu=m.cpu)
    check_extra_args(m.extra_args, caps)
    for key in m.env:
        if not _ENV_NAME.match(key):
            raise ValidationError(f"environment variable name {key!r} is not valid")
    if m.kernel is None and (m.initrd is not None or m.append is not None):
        raise ValidationError("an initrd or kernel command line needs a kernel")
    for path, what in ((m.kernel, "kernel"), (m.initrd, "initrd")):
        if path is not None:
            check_file(path, what)
    if m.firmware is not None:
        check_file(m.firmware.code, "firmware code")
        if m.firmware.vars is not None and (m.firmware.vars_template is None or m.firmware.vars.exists()):
            check_file(m.firmware.vars, "firmware vars")
        elif m.firmware.vars_template is not None:
            check_file(m.firmware.vars_template, "firmware vars template")
    if m.bios is not None:
        check_file(m.bios, "bios")
    defined: dict[str, set[str]] = {kind: set() for kind in _REFERENCES.values()}
    for backend in m.backends:
        check_backend(backend, caps)
        names = defined.setdefault(backend.kind, set())
        if backend.id in names:
            raise ValidationError(f"{backend.kind} {backend.id!r} is defined twice", id=backend.id)
        names.add(backend.id)
    device_ids: set[str] = set()
    for device in m.devices:
        check_device(device, caps)
        dev_id = device.get("id")
        if isinstance(dev_id, str):
            if dev_id in device_ids:
                raise ValidationError(f"device id {dev_id!r} is used twice", id=dev_id)
            device_ids.add(dev_id)
        for key, kind in _REFERENCES.items():
            ref = device.get(key)
            if isinstance(ref, str) and ref not in defined[kind]:
                raise ValidationError(
                    f"device {device['driver']!r} refers to {kind} {ref!r}, which is not defined",
                    property=key,
                    ref=ref,
                )
