"""Command lines side by side: libvirt's own translation of a domain (``virsh domxml-to-native
qemu-argv``, ``virConnectDomainXMLToNative``) and hearth.qemu's, read into comparable facts.

libvirt writes options as JSON (``-device '{"driver":"lsi",...}'``) and canonical names
(``pc-q35-7.2``, the ``lsi`` alias); hearth.qemu writes keyval and the names QEMU lists first.
Both are read back into plain maps with QEMU's own aliases resolved (asked of the installed
QEMU), so only a difference QEMU would see is left. libvirt defines nothing on the host for
this and starts no QEMU, so any document can be compared.
"""

from __future__ import annotations

import functools
import json
import re
import shlex
import subprocess
from typing import Any

import libvirt

from hearth.domain import parse
from hearth.qemu import render_argv
from hearth.qemu.from_domain import machine_from_domain

QEMU = "qemu-system-x86_64"
# Device properties naming host-side objects (backends, chardevs) or a device's own id: each
# side picks its own names for them, and the guest sees none of them.
HOST_NAMES = frozenset({"id", "drive", "netdev", "chardev", "rng", "device_id", "audiodev"})


def libvirt_argv(conn: libvirt.virConnect, text: str) -> list[str]:
    return shlex.split(conn.domainXMLToNative("qemu-argv", text, 0))


def hearth_argv(text: str, **kw: Any) -> list[str]:
    return render_argv(machine_from_domain(parse(text), **kw).machine, accel="tcg").args


def options(args: list[str], *names: str) -> dict[str, list[str]]:
    """The values of each option named, in order."""
    return {name: [args[i + 1] for i, a in enumerate(args) if a == name] for name in names}


def keyval(value: str, implied: str) -> dict[str, str]:
    """One option's value as a map: JSON (libvirt) or ``type,key=value,...`` (hearth.qemu);
    values as QEMU reads them (``true`` and ``on`` alike)."""
    if value.startswith("{"):
        raw: dict[str, Any] = json.loads(value)
    else:
        raw = {}
        for i, part in enumerate(value.split(",")):
            key, sep, val = part.partition("=")
            raw.update({key: val} if sep else {implied if i == 0 else key: key})
    return {k: _scalar(v) for k, v in raw.items()}


def _scalar(value: Any) -> str:
    text = str(value).lower()
    return {"true": "on", "false": "off"}.get(text, text)


@functools.cache
def _aliases(option: str) -> dict[str, str]:
    """QEMU's aliases of ``-device``/``-machine`` names: ``lsi`` is lsi53c895a, ``q35`` pc-q35-7.2."""
    listing = subprocess.run([QEMU, f"-{option}", "help"], capture_output=True, text=True, check=True).stdout
    if option == "device":
        found = re.findall(r'name "([^"]+)".*alias "([^"]+)"', listing)
        return {alias: name for name, alias in found}
    return {alias: name for alias, name in re.findall(r"^(\S+)\s.*\(alias of (\S+)\)", listing, re.M)}


def devices(args: list[str]) -> list[dict[str, str]]:
    """Every ``-device`` without host-side names, QEMU's aliases resolved, in a stable order."""
    out = []
    for value in options(args, "-device")["-device"]:
        device = {k: v for k, v in keyval(value, "driver").items() if k not in HOST_NAMES}
        device["driver"] = _aliases("device").get(device["driver"], device["driver"])
        out.append(device)
    return sorted(out, key=lambda d: json.dumps(d, sort_keys=True))


def machine(args: list[str]) -> dict[str, str]:
    """``-machine`` as the board it names (an alias resolved) and the pflash code's writability;
    the host-side switches libvirt always adds (dump-guest-core, memory-backend, usb=off, the
    pflash node names) are not the guest's."""
    props = keyval(options(args, "-machine")["-machine"][0], "type")
    out = {"type": _aliases("machine").get(props["type"], props["type"])}
    out.update({k: v for k, v in props.items() if k in ("acpi", "smm", "vmport", "hpet", "mem-merge")})
    for switch in ("acpi", "hpet"):  # libvirt 9.0 spells acpi=off and hpet=off -no-acpi, -no-hpet
        if f"-no-{switch}" in args:
            out[switch] = "off"
    if "pflash0" in props:
        nodes = [keyval(v, "driver") for v in options(args, "-blockdev")["-blockdev"]]
        code = next(n for n in nodes if n.get("node-name") == props["pflash0"])
        out["pflash0.read-only"] = code.get("read-only", "off")
    return out


def smp(args: list[str]) -> dict[str, str]:
    """``-smp`` with QEMU's implied values written out (maxcpus = the count, one die)."""
    value = options(args, "-smp")["-smp"][0]
    props = keyval(value, "cpus")
    props.setdefault("maxcpus", props["cpus"])
    props.setdefault("dies", "1")
    return props
