"""Entry point: assembles the sub-commands and turns HearthError into one clear line.

Nothing is imported at module level beyond the standard library: ``hearth design`` (timed
against virt-install) runs without typer, and every other command imports only its own group.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from hearth.errors import HearthError

if TYPE_CHECKING:
    import typer

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
    ("hearth.cli.serve", "serve", "serve"),
    ("hearth.cli.client.events", "events", "events"),
    ("hearth.cli.client.console", "console", "console"),
)
# Commands of a group that live in another module: (group, module, attribute, name).
# Commands that parse their own arguments (module with HELP and run(argv) -> exit code).
_OWN_PARSERS: tuple[tuple[str, str], ...] = (("hearth.cli.design", "design"),)


def _version(value: bool) -> None:
    """``--version``: print the package version and stop (eager, so no command is needed)."""
    if value:
        import typer

        from hearth import __version__

        typer.echo(f"hearth {__version__}")
        raise typer.Exit()


def _root_callback() -> Callable[..., None]:
    """The root callback: ``--version``; it also keeps ``hearth`` a group with one command."""
    import typer

    def root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="print Hearth's version and exit"
        ),
    ) -> None:
        """Hearth: manage virtual machines on libvirt/KVM hosts and directly on QEMU."""

    return root


# Completion scripts call ``hearth`` with this variable set; typer's classes answer it.
COMPLETE_VAR = "_HEARTH_COMPLETE"
SHELLS = ("bash", "zsh", "fish")


def completion(shell: str) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish).

    Load it with e.g. ``eval "$(hearth completion bash)"`` or save it where your shell looks
    (``hearth --install-completion`` does that for the shell you run).
    """
    import typer
    from typer._completion_shared import get_completion_script

    if shell not in SHELLS:
        typer.echo(
            f"hearth: error: no completion for shell {shell!r}; choose one of {', '.join(SHELLS)}", err=True
        )
        raise typer.Exit(2)
    typer.echo(get_completion_script(prog_name="hearth", complete_var=COMPLETE_VAR, shell=shell))


def build_app(command: str | None = None) -> typer.Typer:
    """The CLI with every command, or only ``command`` when that names one of ours.

    Each group's module is imported (and its commands built) only when needed: a
    ``hearth design`` call should not pay for the API client's groups.
    """
    import typer

    cli = typer.Typer(
        name="hearth",
        help="Hearth: manage virtual machines on libvirt/KVM hosts and directly on QEMU.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=True,  # --install-completion / --show-completion, as typer users expect
    )
    # A root callback keeps `hearth` a group even when only one command is registered.
    cli.callback()(_root_callback())
    known = {name for *_m, name in (*_GROUPS, *_COMMANDS, *_OWN_PARSERS)} | {"completion"}
    only = command if command in known else None
    for module, attr, name in _GROUPS:
        if only in (None, name):
            group = getattr(importlib.import_module(module), attr)
            cli.add_typer(group, name=name)
    for module, attr, name in _COMMANDS:
        if only in (None, name):
            cli.command(name=name)(getattr(importlib.import_module(module), attr))
    for module, name in _OWN_PARSERS:
        if only in (None, name):
            _add_passthrough(cli, name, module)
    if only in (None, "completion"):
        cli.command(name="completion")(completion)
    return cli


def _add_passthrough(cli: typer.Typer, name: str, module: str) -> None:
    """List ``name`` in the typer app, handing its arguments untouched to the module's ``run``."""
    import typer

    mod = importlib.import_module(module)

    def command(ctx: typer.Context) -> None:
        code = mod.run(ctx.args)
        if code:
            raise typer.Exit(code)

    command.__doc__ = mod.HELP
    command.__annotations__ = {"ctx": typer.Context, "return": None}  # resolved here, not from strings
    settings = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}
    cli.command(name=name, context_settings=settings, add_help_option=False)(command)


def __getattr__(name: str) -> typer.Typer:
    """``hearth.cli.main.app``: the full CLI, built on first use (for CliRunner and docs)."""
    if name == "app":
        return build_app()
    raise AttributeError(name)


def main() -> None:
    command = next((a for a in sys.argv[1:2] if not a.startswith("-")), None)
    for module, name in _OWN_PARSERS:
        if command == name:
            try:
                sys.exit(importlib.import_module(module).run(sys.argv[2:]))
            except KeyboardInterrupt:
                print("hearth: interrupted", file=sys.stderr)
                sys.exit(130)
    import typer

    try:
        build_app(command)()
    except HearthError as exc:
        typer.echo(f"hearth: error: {exc.message}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("hearth: interrupted", err=True)
        sys.exit(130)
