"""`hearth pool`: storage pools — list, show (read-only: pools are the host's, not Hearth's)."""

from __future__ import annotations

from typing import Any

import typer

from .crud import add_list_show_delete

app = typer.Typer(name="pool", help="Storage pools that template disks are made in.", no_args_is_help=True)


def _columns() -> list[Any]:
    from .render import field, human_bytes

    return [
        ("ID", field("id")),
        ("NAME", field("name")),
        ("TYPE", field("type")),
        ("STATE", field("state")),
        ("SIZE", lambda p: human_bytes(p.get("capacity_bytes"))),
        ("FREE", lambda p: human_bytes(p.get("available_bytes"))),
        ("REALM", field("realm")),
        ("PATH", field("path")),
    ]


add_list_show_delete(app, "pools", "pool", _columns, deletable=False, id_help="pool id")
