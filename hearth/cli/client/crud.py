"""The list/show/delete commands most groups share, written once."""

from collections.abc import Callable
from typing import Annotated, Any

import typer

from .options import JsonOpt, UrlOpt, UserOpt


def add_list_show_delete(
    app: typer.Typer,
    plural: str,
    singular: str,
    columns: Callable[[], list[Any]],
    *,
    deletable: bool = True,
    id_help: str | None = None,
) -> None:
    """``list``, ``show ID`` and (if ``deletable``) ``delete ID`` over /v1/<plural>."""
    label = plural.replace("_", " ")
    IdArg = Annotated[str, typer.Argument(help=id_help or f"{singular} id")]

    def list_cmd(url: UrlOpt = None, user: UserOpt = None, as_json: JsonOpt = False) -> None:
        from .http import connect
        from .render import emit_list

        with connect(url, user) as api:
            emit_list(api.get_all(f"/v1/{plural}", plural), as_json, columns(), plural)

    def show_cmd(item_id: IdArg, url: UrlOpt = None, user: UserOpt = None, as_json: JsonOpt = False) -> None:
        from .http import connect
        from .render import emit_item

        with connect(url, user) as api:
            emit_item(api.get_item(plural, item_id), as_json)

    def delete_cmd(item_id: IdArg, url: UrlOpt = None, user: UserOpt = None) -> None:
        from .http import connect

        with connect(url, user) as api:
            api.delete(f"/v1/{plural}/{item_id}")
            typer.echo(f"deleted {singular} {item_id}")

    list_cmd.__doc__ = f"List {label}."
    show_cmd.__doc__ = f"Show one {singular}."
    delete_cmd.__doc__ = f"Delete a {singular}."
    app.command("list")(list_cmd)
    app.command("show")(show_cmd)
    if deletable:
        app.command("delete")(delete_cmd)


def created(api: Any, path: str, body: dict[str, Any], as_json: bool, *, wait: bool = True) -> None:
    """POST and print the new resource, following a task when the server answers 202."""
    from .render import emit_item
    from .tasks import result_or_task

    status, made = api.post(path, {k: v for k, v in body.items() if v is not None})
    shown, _ = result_or_task(api, status, made, wait=wait, quiet=as_json)
    emit_item(shown, as_json)
