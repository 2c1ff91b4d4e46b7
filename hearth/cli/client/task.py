"""`hearth task`: long operations — list, show, and wait for one with a progress bar."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .crud import add_list_show_delete
from .options import JsonOpt, UrlOpt, UserOpt

app = typer.Typer(name="task", help="Long operations running on the server.", no_args_is_help=True)


def _columns() -> list[Any]:
    from .render import field, short_field

    return [
        ("ID", short_field("id")),
        ("NAME", field("name")),
        ("STATUS", field("status")),
        ("PROGRESS", lambda t: f"{t['progress']}%"),
        ("MESSAGE", lambda t: (t.get("error") or {}).get("message") or t.get("message")),
    ]


add_list_show_delete(app, "tasks", "task", _columns, deletable=False)


@app.command("wait")
def wait(
    task_id: Annotated[str, typer.Argument(help="task id (or its start, as tables show)")],
    timeout: Annotated[float, typer.Option(help="give up after this many seconds")] = 3600.0,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Wait for a task to finish; exits non-zero with the task's error if it failed."""
    from .http import connect
    from .render import emit_item
    from .tasks import follow

    with connect(url, user) as api:
        done = follow(api, api.get_item("tasks", task_id), quiet=as_json, timeout=timeout)
        emit_item(done, as_json)
