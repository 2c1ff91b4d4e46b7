"""`hearth pool`: storage pools — list, show (read-only: pools are the host's, not Hearth's)."""

from __future__ import annotations

from typing import Any

import typer

from .crud import add_list_show_delete

app = typer.Typer(name="pool", help="Storage pools that template disks are made in.", no_args_is_help=True)


def _gib(value: int | None) -> str:
    return "-" if value is None else f"{value / 1024**3:.1f} GiB"


def _columns() -> list[Any]:
    from .render import field

    return [
        ("ID", field("id")),
        ("NAME", field("name")),
        ("TYPE", field("type")),
        ("STATE", field("state")),
        ("CAPACITY", lambda p: _gib(p.get("capacity_bytes"))),
        ("AVAILABLE", lambda p: _gib(p.get("available_bytes"))),
        ("REALM", field("realm")),
        ("PATH", field("path")),
    ]


add_list_show_delete(app, "pools", "pool", _columns, deletable=False, id_help="pool id")
