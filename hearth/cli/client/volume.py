"""`hearth volume`: storage volumes — list, show, create, delete, attach, detach."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .crud import add_list_show_delete
from .options import JsonOpt, UrlOpt, UserOpt, WaitOpt

app = typer.Typer(name="volume", help="Storage volumes.", no_args_is_help=True)


def _columns() -> list[Any]:
    from .render import field

    return [
        ("ID", field("id")),
        ("NAME", field("name")),
        ("SIZE", lambda v: f"{v['capacity_gb']} GB"),
        ("STATE", field("state")),
        ("INSTANCE", field("instance")),
        ("DEVICE", field("device")),
    ]


add_list_show_delete(app, "volumes", "volume", _columns)


@app.command("create")
def create(
    size: Annotated[int, typer.Option(help="capacity in GB")],
    name: Annotated[str | None, typer.Option(help="volume name")] = None,
    realm: Annotated[str | None, typer.Option(help="realm id")] = None,
    snapshot: Annotated[str | None, typer.Option(help="clone this snapshot (a task)")] = None,
    wait: WaitOpt = True,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a blank volume, or a clone of a snapshot."""
    from .crud import created
    from .http import connect

    body = {"capacity_gb": size, "name": name, "realm_id": realm, "snapshot_id": snapshot}
    with connect(url, user) as api:
        created(api, "/v1/volumes", body, as_json, wait=wait)


@app.command("attach")
def attach(
    volume: Annotated[str, typer.Argument(help="volume id")],
    instance: Annotated[str, typer.Option(help="instance id")],
    device: Annotated[str, typer.Option(help="guest device, e.g. vdb")],
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Attach a volume to an instance."""
    from .http import connect
    from .render import emit_item

    with connect(url, user) as api:
        _, vol = api.post(f"/v1/volumes/{volume}/attach", {"instance_id": instance, "device": device})
        emit_item(vol, as_json)


@app.command("detach")
def detach(
    volume: Annotated[str, typer.Argument(help="volume id")],
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Detach a volume from its instance."""
    from .http import connect
    from .render import emit_item

    with connect(url, user) as api:
        _, vol = api.post(f"/v1/volumes/{volume}/detach")
        emit_item(vol, as_json)
