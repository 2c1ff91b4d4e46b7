"""The options every client command takes: where the server is, who is asking, how to print."""

from __future__ import annotations

from typing import Annotated

import typer

DEFAULT_URL = "http://127.0.0.1:8080"
# How long `--wait` and `hearth vm wait` wait for an instance state by default, in seconds.
WAIT_TIMEOUT = 300.0

UrlOpt = Annotated[
    str | None,
    typer.Option("--url", envvar="HEARTH_URL", help=f"server URL (default {DEFAULT_URL})"),
]
UserOpt = Annotated[
    str | None,
    typer.Option(
        "--user",
        envvar="HEARTH_USER",
        help="user name; the password comes from HEARTH_PASSWORD or a prompt",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON (for scripts) instead of tables")]
WaitOpt = Annotated[
    bool, typer.Option("--wait/--no-wait", help="when the server answers with a task, follow it to the end")
]
