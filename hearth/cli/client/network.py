"""`hearth network`: networks — list, show, create, delete."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .crud import add_list_show_delete
from .options import JsonOpt, UrlOpt, UserOpt

app = typer.Typer(name="network", help="Networks and their address blocks.", no_args_is_help=True)


def _columns() -> list[Any]:
    from .render import field

    return [("ID", field("id")), ("NAME", field("name")), ("BLOCKS", field("address_blocks"))]


add_list_show_delete(app, "networks", "network", _columns)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="network name")],
    block: Annotated[list[str], typer.Option(help="address block in CIDR form (repeatable)")],
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a network with one or more address blocks."""
    from .crud import created
    from .http import connect

    with connect(url, user) as api:
        created(api, "/v1/networks", {"name": name, "address_blocks": list(block)}, as_json)
