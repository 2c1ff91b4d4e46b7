"""`hearth image`: images — list, show, create (capture a stopped instance's disk), delete."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .crud import add_list_show_delete
from .options import JsonOpt, UrlOpt, UserOpt, WaitOpt

app = typer.Typer(name="image", help="Images instances are created from.", no_args_is_help=True)


def _columns() -> list[Any]:
    from .render import field

    return [
        ("ID", field("id")),
        ("NAME", field("name")),
        ("STATE", field("state")),
        ("OS", field("os")),
        ("ARCH", field("architecture")),
        ("DESCRIPTION", field("description")),
    ]


add_list_show_delete(app, "images", "image", _columns)


@app.command("create")
def create(
    instance: Annotated[str, typer.Option(help="id of the stopped instance to capture")],
    name: Annotated[str, typer.Option(help="image name")],
    description: Annotated[str, typer.Option(help="free text")] = "",
    wait: WaitOpt = True,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Capture a stopped instance's disk as a new image."""
    from .crud import created
    from .http import connect

    with connect(url, user) as api:
        body = {"instance_id": instance, "name": name, "description": description}
        created(api, "/v1/images", body, as_json, wait=wait)
