"""`hearth events`: following the server's event stream (GET /v1/events), and the stream
reader ``--wait`` and ``vm wait`` use (waiting.py).

``events`` prints each event as it comes (one line, or one JSON object per line with
``--json``). The stream's heartbeat comments (every ~15 s) keep reads short, so a timeout is
kept to within a second or so even on a quiet server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Generator, Iterator
from typing import Any

import httpx

from .http import Api, ClientError
from .options import JsonOpt, UrlOpt, UserOpt


def follow(
    api: Api, *, params: dict[str, str] | None = None, deadline: float | None = None
) -> Generator[tuple[str, dict[str, Any]], None, None]:
    """(kind, data) for each event of the stream until it ends (ClientError) or ``deadline``
    (time.monotonic) passes (TimeoutError)."""
    while True:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise TimeoutError
        timeout = httpx.Timeout(30.0, read=None if left is None else max(left, 0.01))
        try:
            # The Api keeps its client private; a stream needs it (the credentials live there).
            with api._http.stream("GET", "/v1/events", params=params, timeout=timeout) as resp:
                if resp.status_code >= 400:
                    resp.read()
                    message = _message(resp)
                    raise ClientError(message or f"the server answered HTTP {resp.status_code}")
                yield from _frames(resp.iter_lines(), deadline)
        except httpx.ReadTimeout:
            raise TimeoutError from None
        except httpx.ConnectError:
            raise ClientError(f"cannot connect to {api.base}") from None
        except httpx.HTTPError as exc:
            raise ClientError(f"the event stream from {api.base} broke: {type(exc).__name__}") from None
        raise ClientError(f"the server at {api.base} ended the event stream")


def _message(resp: httpx.Response) -> str | None:
    try:
        body = resp.json()
    except ValueError:
        return None
    return str(body.get("message")) if isinstance(body, dict) and body.get("message") else None


def _frames(lines: Iterator[str], deadline: float | None) -> Iterator[tuple[str, dict[str, Any]]]:
    kind, data = "message", ""
    for line in lines:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            data = line[6:]
        elif line == "" and data:
            try:
                yield kind, json.loads(data)
            except ValueError:
                raise ClientError("the server sent an event that is not JSON") from None
            kind, data = "message", ""


def _line(kind: str, data: dict[str, Any]) -> str | None:
    """One line for a person; None for the stream's own bookkeeping that says nothing new."""
    when = str(data.get("time", ""))[11:19]
    if kind == "stream.open":
        return f"following events from {', '.join(data.get('sources', []))} (Ctrl-C to stop)"
    if kind in ("stream.reset", "stream.dropped"):
        return f"!! {data.get('message')}"
    if kind == "task.progress":
        what = f"{data.get('status', '')} {data.get('progress', '')}%".strip()
        note = data.get("message") or (data.get("error") or {}).get("message") or ""
        return (
            f"{when}  task      {str(data.get('task_id'))[:8]}  {data.get('kind', '')} {what} {note}".rstrip()
        )
    subject = str(data.get("instance_id"))[:8]
    if kind == "instance.state":
        reason = f" ({data['reason']})" if data.get("reason") else ""
        return f"{when}  instance  {subject}  {data.get('state')}{reason}"
    if kind == "instance.device":
        return f"{when}  instance  {subject}  {data.get('device')} {data.get('change')} {data.get('id')}"
    return f"{when}  {kind}  {subject}"


def events(url: UrlOpt = None, user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """Follow what changes on the server (your instances and tasks; admins: everyone's), one
    line per event, until interrupted."""
    from .http import connect

    with connect(url, user) as api:
        for kind, data in follow(api):
            if as_json:
                print(json.dumps({"event": kind, **data}), flush=True)
            else:
                text = _line(kind, data)
                if text is not None:
                    print(text, flush=True)
