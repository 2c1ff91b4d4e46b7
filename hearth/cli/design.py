"""`hearth design`: print the domain XML the designer makes from host facts."""

from __future__ import annotations

from typing import Annotated

import typer

from hearth.cli.output import user_errors, warn


def _macvtap(spec: str) -> tuple[str, str | None]:
    dev, _, mode = spec.partition(":")
    return dev, (mode or None)


def design(
    os: Annotated[str, typer.Option("--os", help="osinfo short-id of the guest OS, e.g. debian11, win11")],
    arch: Annotated[str | None, typer.Option(help="guest architecture (default: the host's)")] = None,
    disk: Annotated[
        list[str] | None, typer.Option(help="disk image file or block device (repeatable)")
    ] = None,
    cdrom: Annotated[str | None, typer.Option(help="ISO path or http/https/ftp/ftps URL")] = None,
    floppy: Annotated[str | None, typer.Option(help="floppy image")] = None,
    network: Annotated[list[str] | None, typer.Option(help="libvirt network name (repeatable)")] = None,
    bridge: Annotated[list[str] | None, typer.Option(help="Linux bridge (repeatable)")] = None,
    ovs: Annotated[list[str] | None, typer.Option(help="Open vSwitch bridge (repeatable)")] = None,
    macvtap: Annotated[
        list[str] | None, typer.Option(help="host device for macvtap, DEV[:bridge|vepa] (repeatable)")
    ] = None,
    no_network: Annotated[bool, typer.Option("--no-network", help="no NIC at all")] = False,
    memory: Annotated[int | None, typer.Option(help="memory in MiB (default: from osinfo)")] = None,
    vcpus: Annotated[int | None, typer.Option(help="vCPUs (default: from osinfo)")] = None,
    resources: Annotated[str, typer.Option(help="minimal or recommended")] = "recommended",
    kernel: Annotated[str | None, typer.Option(help="kernel for direct boot")] = None,
    initrd: Annotated[str | None, typer.Option(help="initrd for direct boot")] = None,
    cmdline: Annotated[str | None, typer.Option(help="kernel command line")] = None,
    graphics: Annotated[str, typer.Option(help="auto, spice, vnc or none")] = "auto",
    virt_type: Annotated[str, typer.Option(help="libvirt domain type: kvm or qemu (TCG)")] = "kvm",
    name: Annotated[str | None, typer.Option(help="VM name")] = None,
) -> None:
    """Design a VM from host facts and print its libvirt domain XML."""
    from hearth.designer import Designer

    with user_errors():
        if (initrd or cmdline) and not kernel:
            from hearth.errors import ValidationError

            raise ValidationError("--initrd and --cmdline need --kernel")
        if virt_type not in ("kvm", "qemu"):
            from hearth.errors import ValidationError

            raise ValidationError(f"--virt-type must be kvm or qemu, not {virt_type!r}")
        d = Designer(domain_type=virt_type)
        d.setup(os, arch=arch, resources=resources, memory=memory, vcpus=vcpus, graphics=graphics)  # type: ignore[arg-type]
        if name:
            d.set_name(name)
        for path in disk or ():
            d.add_disk(path)
        if cdrom:
            d.add_cdrom(cdrom)
        if floppy:
            d.add_floppy(floppy)
        for net in network or ():
            d.add_interface("network", net)
        for br in bridge or ():
            d.add_interface("bridge", br)
        for br in ovs or ():
            d.add_interface("ovs", br)
        for spec in macvtap or ():
            dev, mode = _macvtap(spec)
            d.add_interface("macvtap", dev, mode=mode)
        if not no_network and not (network or bridge or ovs or macvtap):
            d.add_default_network()
        if kernel:
            d.set_kernel(kernel, initrd, cmdline)
        result = d.build()
    for w in result.warnings:
        warn(w)
    typer.echo(result.to_xml(), nl=False)
    typer.echo()
