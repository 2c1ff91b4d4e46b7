"""Entry point: assembles the sub-commands and turns HearthError into one clear line."""

from __future__ import annotations

import importlib
import sys

import typer

from hearth.errors import HearthError

# (module, attribute, name): each module owns one command group or command.
_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("hearth.cli.osinfo", "app", "osinfo"),
    ("hearth.cli.client.vm", "app", "vm"),
    ("hearth.cli.client.template", "app", "template"),
    ("hearth.cli.client.iface", "app", "iface"),
    ("hearth.cli.client.image", "app", "image"),
    ("hearth.cli.client.volume", "app", "volume"),
    ("hearth.cli.client.network", "app", "network"),
    ("hearth.cli.client.pool", "app", "pool"),
    ("hearth.cli.client.key", "app", "key"),
    ("hearth.cli.client.task", "app", "task"),
    ("hearth.cli.users", "app", "user"),
    ("hearth.cli.media", "app", "media"),
)
_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("hearth.cli.design", "design", "design"),
    ("hearth.cli.serve", "serve", "serve"),
)


def _root() -> None:
    """Hearth: manage virtual machines on libvirt/KVM hosts and directly on QEMU."""


def build_app(command: str | None = None) -> typer.Typer:
    """The CLI with every command, or only ``command`` when that names one of ours.

    Each group's module is imported (and its commands built) only when needed: a
    ``hearth design`` call should not pay for the API client's groups.
    """
    cli = typer.Typer(
        name="hearth",
        help="Hearth: manage virtual machines on libvirt/KVM hosts and directly on QEMU.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    # A root callback keeps `hearth` a group even when only one command is registered.
    cli.callback()(_root)
    known = {name for _m, _a, name in (*_GROUPS, *_COMMANDS)}
    only = command if command in known else None
    for module, attr, name in _GROUPS:
        if only in (None, name):
            cli.add_typer(getattr(importlib.import_module(module), attr), name=name)
    for module, attr, name in _COMMANDS:
        if only in (None, name):
            cli.command(name=name)(getattr(importlib.import_module(module), attr))
    return cli


def __getattr__(name: str) -> typer.Typer:
    """``hearth.cli.main.app``: the full CLI, built on first use (for CliRunner and docs)."""
    if name == "app":
        return build_app()
    raise AttributeError(name)


def main() -> None:
    command = next((a for a in sys.argv[1:2] if not a.startswith("-")), None)
    try:
        build_app(command)()
    except HearthError as exc:
        typer.echo(f"hearth: error: {exc.message}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("hearth: interrupted", err=True)
        sys.exit(130)
