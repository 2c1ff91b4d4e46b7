"""`hearth design`: print the domain XML the designer makes from host facts.

This command parses its own arguments with argparse instead of typer: it is timed against
``virt-install --print-xml`` and importing typer alone costs a quarter of its run. ``main``
calls ``run`` straight away for ``hearth design``; the typer app only lists it, passing its
arguments through, so ``hearth --help`` still shows it. Importing this module does no work.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from hearth.errors import HearthError, ValidationError

HELP = "Design a VM from host facts and print its libvirt domain XML."


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


class _Formatter(argparse.HelpFormatter):
    """argparse's own formatter, sized without importing shutil (argparse builds one for every
    add_argument call, and shutil drags in the bz2 and lzma modules)."""

    def __init__(self, prog: str) -> None:
        env = os.environ.get("COLUMNS", "")
        columns = int(env) if env.isdigit() else _terminal_columns()
        super().__init__(prog, width=max(columns - 2, 40))


def _terminal_columns() -> int:
    out = sys.__stdout__
    try:
        return os.get_terminal_size(out.fileno()).columns if out is not None else 80
    except (ValueError, OSError):  # stdout closed, or not a terminal
        return 80


def _macvtap(spec: str) -> tuple[str, str | None]:
    dev, _, mode = spec.partition(":")
    return dev, (mode or None)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="hearth design", description=HELP, allow_abbrev=False, formatter_class=_Formatter)
    add = p.add_argument
    add("--os", required=True, help="osinfo short-id of the guest OS, e.g. debian11, win11")
    add("--arch", help="guest architecture (default: the host's)")
    add("--disk", action="append", default=[], help="disk image file or block device (repeatable)")
    add("--cdrom", help="ISO path or http/https/ftp/ftps URL")
    add("--floppy", help="floppy image")
    add("--network", action="append", default=[], help="libvirt network name (repeatable)")
    add("--bridge", action="append", default=[], help="Linux bridge (repeatable)")
    add("--ovs", action="append", default=[], help="Open vSwitch bridge (repeatable)")
    add(
        "--macvtap",
        action="append",
        default=[],
        help="host device for macvtap, DEV[:bridge|vepa] (repeatable)",
    )
    add("--no-network", action="store_true", help="no NIC at all")
    add("--memory", type=int, help="memory in MiB (default: from osinfo)")
    add("--vcpus", type=int, help="vCPUs (default: from osinfo)")
    add("--resources", default="recommended", help="minimal or recommended")
    add("--kernel", help="kernel for direct boot")
    add("--initrd", help="initrd for direct boot")
    add("--cmdline", help="kernel command line")
    add("--graphics", default="auto", help="auto, spice, vnc or none")
    add(
        "--virt-type",
        help="libvirt domain type: kvm or qemu (TCG); default: qemu when HEARTH_ACCEL=tcg, else kvm, "
        "or what the --connect host offers",
    )
    add("--connect", metavar="URI", help="design for this libvirt host: its capabilities, accelerator, disks")
    add("--force", action="store_true", help="with --connect: use disks other domains use anyway")
    add("--name", help="VM name")
    return p


def design(args: argparse.Namespace) -> tuple[str, list[str]]:
    """The XML and warnings for parsed arguments (HearthError on bad input)."""
    from hearth.designer import Designer

    if (args.initrd or args.cmdline) and not args.kernel:
        raise ValidationError("--initrd and --cmdline need --kernel")
    if args.virt_type is not None and args.virt_type not in ("kvm", "qemu"):
        raise ValidationError(f"--virt-type must be kvm or qemu, not {args.virt_type!r}")
    if args.force and not args.connect:
        raise ValidationError("--force needs --connect: without a host no disk is checked")
    if args.connect:
        d = Designer.for_host(args.connect, domain_type=args.virt_type)
    else:
        d = Designer(domain_type=args.virt_type)
    d.setup(
        args.os,
        arch=args.arch,
        resources=args.resources,
        memory=args.memory,
        vcpus=args.vcpus,
        graphics=args.graphics,
    )
    if args.name:
        d.set_name(args.name)
    for path in args.disk:
        d.add_disk(path, force=args.force)
    if args.cdrom:
        d.add_cdrom(args.cdrom)
    if args.floppy:
        d.add_floppy(args.floppy)
    for net in args.network:
        d.add_interface("network", net)
    for br in args.bridge:
        d.add_interface("bridge", br)
    for br in args.ovs:
        d.add_interface("ovs", br)
    for spec in args.macvtap:
        dev, mode = _macvtap(spec)
        d.add_interface("macvtap", dev, mode=mode)
    if args.no_network:
        d.no_network()
    if args.kernel:
        d.set_kernel(args.kernel, args.initrd, args.cmdline)
    result = d.build()
    return result.to_xml(), result.warnings


def run(argv: Sequence[str]) -> int:
    """``hearth design ARGS``: XML on stdout, warnings and one-line errors on stderr."""
    try:
        args = parser().parse_args(list(argv))
        xml, warnings = design(args)
    except _UsageError as exc:
        print(f"hearth: error: {exc}", file=sys.stderr)
        return 2
    except HearthError as exc:
        print(f"hearth: error: {exc.message}", file=sys.stderr)
        return 2
    for w in warnings:
        print(f"hearth: warning: {w}", file=sys.stderr)
    sys.stdout.write(xml + "\n")
    return 0
