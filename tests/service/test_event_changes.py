"""Waiting on the event hub from a worker thread (``EventHub.changes``), and the EC2 termination
that waits on it instead of reading the instance over and over."""

from __future__ import annotations

import threading
from pathlib import Path

from hearth.api.ec2.actions.instances import _take_down
from hearth.api.ec2.calls import ServiceCalls
from hearth.drivers import Caller
from hearth.drivers.events import DriverEvent, EventKind
from hearth.drivers.mock import MockDriver, MockTiming
from hearth.drivers.mock.seed import seed
from hearth.drivers.resources import Instance, InstanceCreate
from hearth.drivers.schema import migrated_engine
from hearth.errors import NotFound
from hearth.service import Service
from hearth.service.events import EventHub
from hearth.vocab.instance_states import InstanceState


def _event(subject: str) -> DriverEvent:
    return DriverEvent(EventKind.instance_state, subject, "u1", InstanceState.RUNNING)


def test_a_waiting_thread_is_woken_by_an_event_about_its_subject_only() -> None:
    hub = EventHub()
    woken: list[bool] = []
    ready = threading.Event()

    def waiter() -> None:
        with hub.changes("i-1") as changes:
            ready.set()
            woken.append(changes.wait(5))

    with hub.changes("i-1") as mine:
        thread = threading.Thread(target=waiter)
        thread.start()
        assert ready.wait(5)
        hub.publish(_event("i-2"))  # another instance's: wakes nobody here
        assert not mine.wait(0.05)
        hub.publish(_event("i-1"))
        thread.join(5)
        assert woken == [True]
        assert mine.wait(0) and not mine.wait(0), "a wake is used once"
    hub.publish(_event("i-1"))  # nobody waits any more: nothing is kept for the subject
    assert hub._changes == {}


def test_a_termination_reads_the_instance_when_its_events_say_it_changed_not_in_a_loop(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'hearth.db'}"
    with migrated_engine(url, "mock") as engine:
        seed(engine)
    driver = MockDriver(engine, timing=MockTiming(boot_seconds=1.5, shutdown_seconds=1.5))
    with Service(driver, engine) as service:
        assert service.backend_events
        caller = service.authenticate("demo", "demo-password")
        made = service.instances.create(caller, InstanceCreate(image_id="debian-12", hwp_id="small"))
        assert isinstance(made, Instance) and made.state is InstanceState.PENDING
        reads: list[str] = []
        read = service.instances.get

        def counted(who: Caller, instance_id: str) -> Instance:  # a spy on the real read
            reads.append(instance_id)
            return read(who, instance_id)

        service.instances.get = counted  # type: ignore[method-assign]
        _take_down(ServiceCalls(service), caller, made.id)  # waits out the boot, then the stop
        # Polled every 50 ms backing off to 0.5 s, the 3 s of boot and shutdown took 12 reads or
        # more; woken by the hub it reads at the start, at each event, and nothing in between.
        assert 2 <= len(reads) <= 6, reads
        try:
            service.instances.get(caller, made.id)
        except NotFound:
            pass
        else:
            raise AssertionError("the instance was not destroyed")
