"""Entry point: assembles the sub-commands and turns HearthError into one clear line."""

from __future__ import annotations

import importlib
import sys

import typer

from hearth.errors import HearthError

app = typer.Typer(
    name="hearth",
    help="Hearth: manage virtual machines on libvirt/KVM hosts and directly on QEMU.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# (module, attribute, name): each module owns one command group or command.
_GROUPS: tuple[tuple[str, str, str], ...] = (("hearth.cli.osinfo", "app", "osinfo"),)
_COMMANDS: tuple[tuple[str, str, str], ...] = (("hearth.cli.design", "design", "design"),)


def _assemble() -> None:
    for module, attr, name in _GROUPS:
        app.add_typer(getattr(importlib.import_module(module), attr), name=name)
    for module, attr, name in _COMMANDS:
        app.command(name=name)(getattr(importlib.import_module(module), attr))


_assemble()


def main() -> None:
    try:
        app()
    except HearthError as exc:
        typer.echo(f"hearth: error: {exc.message}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("hearth: interrupted", err=True)
        sys.exit(130)
