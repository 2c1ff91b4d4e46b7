"""/v1/events: what changes, as Server-Sent Events — instance states, devices, task progress.

Each event is ``id:`` (rising; send it back as ``Last-Event-ID`` to resume), ``event:`` (its
kind, e.g. ``instance.state``) and ``data:`` (one JSON object). The stream opens with a
``stream.open`` event naming its sources; a resume point the server no longer holds gets a
``stream.reset`` event (list again, then go on following); a subscriber that fell too far
behind gets ``stream.dropped`` and the stream ends. A comment line is sent after a quiet spell
(``HEARTBEAT``), so proxies and clients can tell a quiet stream from a dead one. The caller sees
their own instances' and tasks' events; admins see everyone's.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Header, Query
from fastapi.responses import StreamingResponse

from hearth.errors import ValidationError
from hearth.service.events import Event, EventHub, Subscription

from ..deps import CallDep
from .common import ID_MAX_LENGTH, v1_router

router = v1_router("events")

MEDIA_TYPE = "text/event-stream"
RETRY_MS = 2000  # how long an EventSource waits before reconnecting
_DOC = {
    200: {
        "description": "The event stream (text/event-stream): `id:`, `event:`, `data:` JSON per event",
        "content": {MEDIA_TYPE: {"schema": {"type": "string"}}},
    }
}


def frame(kind: str, data: dict[str, Any], event_id: int | None = None) -> str:
    """One SSE event; JSON has no raw newline, so ``data`` is always one line."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _event(e: Event) -> str:
    return frame(e.kind, {"id": e.id, "kind": e.kind, **e.data}, e.id)


def _resume_point(header: str | None, query: str | None) -> int | None:
    raw = header if header not in (None, "") else query
    if raw in (None, ""):
        return None
    assert raw is not None
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValidationError(
            "Last-Event-ID must be the id of an event this server sent (an integer)", last_event_id=raw
        ) from None
    if value < 0:
        raise ValidationError("Last-Event-ID must not be negative", last_event_id=raw)
    return value


@router.get("/events", response_class=StreamingResponse, responses=_DOC)  # type: ignore[arg-type]
async def events(
    call: CallDep,
    last_event_id_header: Annotated[
        str | None, Header(alias="Last-Event-ID", max_length=32, description="resume after this event")
    ] = None,
    last_event_id: Annotated[
        str | None, Query(max_length=32, description="resume after this event (for clients without headers)")
    ] = None,
    instance_id: Annotated[
        str | None, Query(min_length=1, max_length=ID_MAX_LENGTH, description="only this instance's events")
    ] = None,
) -> StreamingResponse:
    """Follow what changes, from now (or after ``Last-Event-ID``)."""
    since = _resume_point(last_event_id_header, last_event_id)
    hub = call.service.events
    sub, replay, reset = hub.subscribe(call.caller, since)
    return StreamingResponse(
        _stream(hub, sub, replay, reset.message() if reset else None, instance_id),
        media_type=MEDIA_TYPE,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _stream(
    hub: EventHub,
    sub: Subscription,
    replay: list[Event],
    reset: dict[str, Any] | None,
    instance_id: str | None,
) -> AsyncIterator[str]:
    def wanted(e: Event) -> bool:
        return instance_id is None or e.data.get("instance_id") == instance_id

    try:
        yield f"retry: {RETRY_MS}\n" + frame(
            "stream.open", {"sources": hub.sources, "last_event_id": hub.last_id}
        )
        if reset is not None:
            yield frame("stream.reset", reset)
        for e in replay:
            if wanted(e):
                yield _event(e)
        while True:
            batch = await sub.receive(hub.heartbeat)
            chunk = "".join(_event(e) for e in batch if wanted(e))
            if sub.dropped:
                yield chunk + frame(
                    "stream.dropped",
                    {
                        "message": "this subscriber fell too far behind and missed events; "
                        "list again and reconnect (with Last-Event-ID to resume)"
                    },
                )
                return
            if chunk:
                yield chunk
            elif sub.closed:
                return
            elif not batch:
                yield ": heartbeat\n\n"
    finally:
        hub.unsubscribe(sub)
