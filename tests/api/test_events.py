"""GET /v1/events on the mock: transitions pushed when they happen, tasks, ownership, resume, drops."""

from __future__ import annotations

import base64
import socket
import time
from datetime import datetime
from pathlib import Path

from hearth.drivers.events import DriverEvent, EventKind
from hearth.drivers.mock import MockDriver, MockTiming
from hearth.service import Service
from hearth.service.events import EventHub
from hearth.vocab.instance_states import InstanceState

from .conftest import (
    ADMIN,
    DEMO,
    FAST,
    OTHER,
    Running,
    assert_error,
    new_instance,
    serve,
    serve_driver,
    store,
)
from .events_client import Frame, Listener

# Long enough that the transitions are well apart from the API calls that start them.
SLOW = MockTiming(boot_seconds=0.6, shutdown_seconds=0.6)
WITHIN = 1.0  # the promise: a state change reaches a subscriber within a second


def _due(frame: Frame) -> float:
    return datetime.fromisoformat(frame.data["time"]).timestamp()


def test_a_subscriber_sees_boot_and_shutdown_as_they_happen_without_polling(tmp_path: Path) -> None:
    factory = lambda e: MockDriver(e, timing=SLOW)  # noqa: E731
    with (
        serve_driver(tmp_path, factory) as running,
        running.client() as c,
        Listener(running.url, DEMO) as events,
    ):
        opened = events.wait(lambda f: f.kind == "stream.open")
        assert set(opened.data["sources"]) == {"tasks", "mock"}
        inst = new_instance(c)
        iid = inst["id"]
        # Nobody reads the instance from here on: only the stream tells it booted.
        running_frame = events.wait(
            lambda f: f.data.get("instance_id") == iid and f.data.get("state") == "RUNNING"
        )
        assert c.post(f"/v1/instances/{iid}/stop").status_code == 202
        stopped = events.wait(lambda f: f.data.get("instance_id") == iid and f.data.get("state") == "STOPPED")
        states = [f.data["state"] for f in events.of(iid)]
        assert states == ["PENDING", "RUNNING", "STOPPING", "STOPPED"]
        pending, _, stopping, _ = events.of(iid)
        assert pending.data["reason"] == "created" and stopping.data["reason"] == "stop"
        for frame in (running_frame, stopped):
            assert frame.data["source"] == "mock" and frame.data["owner_id"] == inst["owner_id"]
            late = frame.received - _due(frame)
            assert -0.05 <= late < WITHIN, f"{frame.data['state']} arrived {late:.3f}s after it happened"
        # Ids rise, one per event.
        ids = [f.id for f in events.of(iid)]
        assert ids == sorted(ids) and all(i is not None for i in ids)


def test_task_progress_is_streamed_to_its_owner_and_not_to_another_user(tmp_path: Path) -> None:
    with (
        serve_driver(tmp_path) as running,
        running.client() as c,
        Listener(running.url, DEMO) as mine,
        Listener(running.url, OTHER) as theirs,
        Listener(running.url, ADMIN) as admin,
    ):
        r = c.post("/v1/instances", params={"count": 2}, json={"image_id": "debian-12", "hwp_id": "small"})
        assert r.status_code == 202, r.text
        task_id = r.json()["id"]
        done = mine.task(task_id, "succeeded")
        assert done.kind == "task.progress" and done.data["progress"] == 100
        statuses = [f.data.get("status") for f in mine.frames if f.data.get("task_id") == task_id]
        assert statuses[0] == "queued" and "running" in statuses and statuses[-1] == "succeeded"
        progress = [
            f.data["progress"]
            for f in mine.frames
            if f.data.get("task_id") == task_id and "progress" in f.data
        ]
        assert progress == sorted(progress) and 50 in progress
        made = [f.data["instance_id"] for f in mine.frames if f.kind == "instance.state"]
        assert len(set(made)) == 2
        admin.task(task_id, "succeeded")
        # The other user's own instance shows up on their stream: the stream works for them,
        # and it carried nothing of the demo user's.
        with running.client(OTHER) as o:
            theirs_id = new_instance(o)["id"]
        theirs.wait(lambda f: f.data.get("instance_id") == theirs_id)
        assert all(f.data.get("owner_id") in (None, *_user_ids(theirs)) for f in theirs.frames[1:])
        assert not any(f.data.get("task_id") == task_id for f in theirs.frames)
        assert not any(f.data.get("instance_id") in made for f in theirs.frames)
        assert theirs_id not in {f.data.get("instance_id") for f in mine.frames}


def _user_ids(listener: Listener) -> set[str]:
    return {f.data["owner_id"] for f in listener.frames if f.data.get("owner_id")}


def test_last_event_id_replays_exactly_the_missed_events(server: Running) -> None:
    with server.client() as c:
        with Listener(server.url, DEMO) as first:
            first.wait(lambda f: f.kind == "stream.open")  # subscribed before anything happens
            a = new_instance(c)["id"]
            seen = first.state(a, "RUNNING")
        # The first is gone: these happen while it listens no more. Another subscriber, there
        # before they start, tells when they all happened.
        with Listener(server.url, DEMO) as live:
            live.wait(lambda f: f.kind == "stream.open")  # subscribed
            b = new_instance(c)["id"]
            assert c.post(f"/v1/instances/{a}/stop").status_code == 202
            live.state(a, "STOPPED")
            live.state(b, "RUNNING")
        assert seen.id is not None
        for how in (
            {"headers": {"Last-Event-ID": str(seen.id)}},
            {"params": {"last_event_id": str(seen.id)}},
        ):
            with Listener(server.url, DEMO, **how) as resumed:  # type: ignore[arg-type]
                resumed.state(a, "STOPPED")
                got = [
                    (f.data.get("instance_id"), f.data.get("state"))
                    for f in resumed.frames
                    if f.id is not None and f.kind == "instance.state"  # b's create task's too
                ]
                missed = [(b, "PENDING"), (a, "STOPPING"), (a, "STOPPED"), (b, "RUNNING")]
                assert sorted(got, key=str) == sorted(missed, key=str)
                assert [f.id for f in resumed.frames if f.id is not None] == sorted(
                    f.id for f in resumed.frames if f.id is not None
                )
                assert min(f.id for f in resumed.frames if f.id is not None) > seen.id
                assert not any(f.kind == "stream.reset" for f in resumed.frames)


def test_a_resume_point_older_than_the_buffer_gets_a_relist_notice(tmp_path: Path) -> None:
    engine = store(tmp_path)
    service = Service(MockDriver(engine, timing=FAST), engine)
    service.events = EventHub(buffer=4)
    service.events.sources = ["test"]
    with serve(service) as running:
        for i in range(10):
            running.service.events.publish(_event(f"i-{i}", "demo-id"))
        with Listener(
            running.url, ADMIN, headers={"Last-Event-ID": str(running.service.events.last_id - 9)}
        ) as old:
            reset = old.wait(lambda f: f.kind == "stream.reset")
            assert "list the collections again" in reset.data["message"]
            assert reset.data["oldest_event_id"] == running.service.events.last_id - 3
            assert not [f for f in old.frames if f.id is not None]  # nothing replayed as if complete
        with Listener(
            running.url, ADMIN, headers={"Last-Event-ID": "1"}
        ) as other_run:  # an id of an earlier run
            other_run.wait(lambda f: f.kind == "stream.reset")
        with Listener(
            running.url, ADMIN, headers={"Last-Event-ID": str(running.service.events.last_id - 2)}
        ) as ok:
            ok.wait_until(lambda lst: len([f for f in lst.frames if f.id is not None]) == 2)
            assert not any(f.kind == "stream.reset" for f in ok.frames)
        with running.client(ADMIN) as c:
            assert_error(c.get("/v1/events", headers={"Last-Event-ID": "soon"}), 400, "ValidationError")
        with running.client(None) as anon:
            assert anon.get("/v1/events").status_code == 401


def _event(instance_id: str, owner: str) -> DriverEvent:
    return DriverEvent(EventKind.instance_state, instance_id, owner, InstanceState.RUNNING, None, "test")


def test_a_slow_subscriber_is_dropped_with_a_notice_and_does_not_block_the_backend(tmp_path: Path) -> None:
    engine = store(tmp_path)
    service = Service(MockDriver(engine, timing=FAST), engine)
    service.events = EventHub(queue_limit=16)
    with serve(service) as running:
        hub = running.service.events
        host, port = running.url.removeprefix("http://").split(":")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect((host, int(port)))
        token = base64.b64encode(":".join(ADMIN).encode()).decode()
        sock.sendall(f"GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {token}\r\n\r\n".encode())
        deadline = time.monotonic() + 10
        while hub.subscribers == 0:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        # The subscriber reads nothing; publishing goes on regardless, far past what it could hold.
        started = time.monotonic()
        for i in range(20000):
            hub.publish(_event(f"i-{i}", "demo-id"))
        publishing = time.monotonic() - started
        received = b""
        sock.settimeout(10)
        while b"stream.dropped" not in received:
            chunk = sock.recv(65536)
            assert chunk, "the stream ended without the dropped notice"
            received += chunk
        sock.close()
        assert b"fell too far behind" in received
        deadline = time.monotonic() + 10
        while hub.subscribers:
            assert time.monotonic() < deadline, "the dropped subscriber was not removed"
            time.sleep(0.01)
        print(f"published 20000 events in {publishing:.3f}s past a stalled subscriber")
        # A new subscriber is served as usual.
        with Listener(running.url, ADMIN) as fresh:
            hub.publish(_event("after", "demo-id"))
            fresh.wait(lambda f: f.data.get("instance_id") == "after")


def test_a_quiet_stream_sends_heartbeat_comments(tmp_path: Path) -> None:
    with serve_driver(tmp_path) as running:
        running.service.events.heartbeat = 0.1
        with Listener(running.url, DEMO) as events:
            events.wait_until(lambda lst: lst.comments >= 2, timeout=5)


def test_the_event_stream_is_in_the_openapi_document(server: Running) -> None:
    with server.client() as c:
        doc = c.get("/v1/openapi.json").json()
    op = doc["paths"]["/v1/events"]["get"]
    assert "text/event-stream" in op["responses"]["200"]["content"]
    assert {p["name"] for p in op["parameters"]} >= {"Last-Event-ID", "last_event_id", "instance_id"}
