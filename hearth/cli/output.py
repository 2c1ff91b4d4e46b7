"""How every CLI command reports: one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from hearth.errors import HearthError


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one line to stderr and return the Exit to raise."""
    typer.echo(f"hearth: error: {message}", err=True)
    return typer.Exit(code)


def warn(message: str) -> None:
    typer.echo(f"hearth: warning: {message}", err=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """A HearthError inside becomes one line on stderr and exit code 2."""
    try:
        yield
    except HearthError as exc:
        raise fail(exc.message) from None
