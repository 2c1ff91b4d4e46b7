"""`hearth osinfo`: browse the OS database the designer decides with.

Both commands print what the designer will actually see (inheritance resolved,
unsupported devices removed), so a surprising design can be traced back to osinfo.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hearth.cli.output import user_errors
from hearth.errors import ValidationError

if TYPE_CHECKING:  # imported lazily: `hearth design` must not pay for rich and the osinfo loader
    from rich.console import Console
    from rich.table import Table

    from hearth.osinfo import OS, OSDatabase

app = typer.Typer(
    name="osinfo",
    help="Query the OS database (osinfo-db through libosinfo).",
    no_args_is_help=True,
    add_completion=False,
)


def _console() -> Console:
    from rich.console import Console

    return Console(soft_wrap=True)


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor:
            value = n / factor
            return f"{value:.0f} {unit}" if value.is_integer() else f"{value:.1f} {unit}"
    return f"{n} B"


def _hz(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n / 1e9:g} GHz" if n >= 1_000_000_000 else f"{n / 1e6:g} MHz"


def _summary(os: OS) -> dict[str, Any]:
    return {
        "short_id": os.short_id,
        "name": os.name,
        "family": os.family,
        "distro": os.distro,
        "version": os.version,
        "release_date": os.release_date,
        "eol_date": os.eol_date,
        "id": os.id,
        "short_ids": list(os.short_ids),
    }


def _checked_arch(db: OSDatabase, arch: str | None) -> str:
    from hearth.osinfo import host_arch, osinfo_arch

    chosen = osinfo_arch(arch) if arch else host_arch()
    if chosen not in db.arches:
        raise ValidationError(f"unknown architecture '{arch or chosen}'; known: {', '.join(db.arches)}")
    return chosen


def _firmware_text(os: OS, arch: str) -> str:
    efi, bios = os.firmware_support(arch, "efi"), os.firmware_support(arch, "bios")
    if os.requires_efi(arch):
        return "EFI required (BIOS not supported)"
    if efi is False:
        return "BIOS only (EFI not supported)"
    if efi:
        return "BIOS or EFI"
    if bios is False:
        return "BIOS not supported (EFI not stated)"
    return "not stated by osinfo"


def _arch_view(os: OS, arch: str) -> dict[str, Any]:
    def block(kind: str) -> dict[str, Any] | None:
        found = os.resources(kind, arch)
        return dataclasses.asdict(found) if found else None

    return {
        "arch": arch,
        "minimum": block("minimum"),
        "recommended": block("recommended"),
        "requires_efi": os.requires_efi(arch),
        "firmware": {"efi": os.firmware_support(arch, "efi"), "bios": os.firmware_support(arch, "bios")},
    }


@app.command("list")
def list_oses(
    family: Annotated[
        str | None, typer.Option("--family", help="Only this family (linux, winnt, ...).")
    ] = None,
    search: Annotated[str | None, typer.Option("--search", help="Text in the short-id or the name.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List operating systems osinfo knows."""
    from rich.table import Table

    from hearth.osinfo import default_db

    with user_errors():
        oses = default_db().list(family=family, search=search)
    if as_json:
        typer.echo(json.dumps([_summary(o) for o in oses], indent=2))
        return
    table = Table("short-id", "name", "family", "version", "released")
    for o in oses:
        table.add_row(o.short_id, o.name, o.family or "-", o.version or "-", o.release_date or "-")
    console = _console()
    console.print(table)
    console.print(f"{len(oses)} operating system(s)")


def _resources_table(os: OS, arch: str) -> Table:
    from rich.table import Table

    table = Table("", "CPUs", "CPU speed", "RAM", "storage", title=f"Resources ({arch})")
    for kind in ("minimum", "recommended"):
        r = os.resources(kind, arch)
        if r is None:
            table.add_row(kind, "-", "-", "-", "-")
        else:
            cpus = str(r.n_cpus) if r.n_cpus else "-"
            table.add_row(kind, cpus, _hz(r.cpu_hz), _size(r.ram_bytes), _size(r.storage_bytes))
    return table


def _devices_table(os: OS) -> Table:
    from rich.table import Table

    table = Table("class", "supported devices", title="Devices")
    for device_class in sorted({d.device_class for d in os.devices}):
        table.add_row(device_class, ", ".join(sorted(d.name for d in os.devices_of_class(device_class))))
    return table


@app.command("show")
def show(
    short_id: Annotated[str, typer.Argument(metavar="SHORTID", help="An osinfo short-id, e.g. win11.")],
    arch: Annotated[
        str | None, typer.Option("--arch", help="Architecture for resources and firmware (default: host).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Show one OS: resources, firmware needs and supported devices."""
    from hearth.osinfo import default_db

    with user_errors():
        db = default_db()
        os = db.get(short_id)
        chosen = _checked_arch(db, arch)
    if as_json:
        doc = dataclasses.asdict(os)
        doc["for_arch"] = _arch_view(os, chosen)
        typer.echo(json.dumps(doc, indent=2))
        return
    console = _console()
    console.print(f"[bold]{os.name}[/bold] ({os.short_id})", highlight=False)
    facts = (
        ("id", os.id),
        ("short-ids", ", ".join(os.short_ids)),
        ("family", os.family),
        ("distro", os.distro),
        ("vendor", os.vendor),
        ("version", os.version),
        ("released", os.release_date),
        ("end of life", os.eol_date),
        ("derives from", os.derives_from),
        ("clones", os.clones),
        ("firmware", _firmware_text(os, chosen)),
    )
    for label, value in facts:
        if value:
            console.print(f"  {label + ':':<14}{value}", highlight=False, markup=False)
    console.print(_resources_table(os, chosen))
    if os.devices:
        console.print(_devices_table(os))
    else:
        console.print("Devices: osinfo lists none for this OS", highlight=False)
