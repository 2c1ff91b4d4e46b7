"""The libvirt driver's NIC removals under way (``detaches``): what ends one, and what it says."""

from __future__ import annotations

import threading

from hearth.domain import Interface
from hearth.drivers.events import DriverEvent
from hearth.drivers.libvirt.detaches import NicDetaches

NIC = """<interface type="direct"><mac address="52:54:00:AA:00:01"/><source dev="eth9" mode="bridge"/>
<model type="virtio"/><alias name="net1"/></interface>"""


def _hub(detaches: NicDetaches) -> tuple[list[DriverEvent], threading.Event]:
    """What the driver's event sink receives, and a flag raised on each event."""
    got: list[DriverEvent] = []
    seen = threading.Event()

    def sink(ev: DriverEvent) -> None:
        got.append(ev)
        seen.set()

    detaches.sink = sink
    return got, seen


def test_libvirts_device_removed_event_ends_the_removal_and_is_published() -> None:
    detaches = NicDetaches(timeout=60)
    got, _ = _hub(detaches)
    made = detaches.begin("i-1", "u1", Interface.from_xml(NIC))
    assert (made.mac, made.alias, made.failed) == ("52:54:00:aa:00:01", "net1", None)
    assert [d.mac for d in detaches.of("i-1")] == [made.mac] and detaches.of("i-2") == []
    detaches.removed("i-1", "net0")  # another device's event: nothing ends
    detaches.removed("i-2", "net1")  # another guest's
    assert detaches.of("i-1") and got == []
    detaches.removed("i-1", "net1")
    assert detaches.of("i-1") == []
    assert [(e.subject_id, e.owner_id, dict(e.detail)) for e in got] == [
        ("i-1", "u1", {"device": "nic", "change": "removed", "id": made.mac})
    ]
    detaches.close()


def test_a_removal_past_its_timeout_is_in_error_and_says_why_and_stays_listed() -> None:
    detaches = NicDetaches(timeout=0.05)
    got, seen = _hub(detaches)
    detaches.begin("i-1", "u1", Interface.from_xml(NIC))
    assert seen.wait(5), "the timeout never fired"
    (pending,) = detaches.of("i-1")
    assert pending.failed is not None and "0.05s" in pending.failed and "still attached" in pending.failed
    assert [dict(e.detail)["change"] for e in got] == ["detach-failed"]
    assert dict(got[0].detail)["reason"] == pending.failed
    detaches.refused("i-1", "net1")  # a later refusal keeps it in error, it does not end it
    assert detaches.of("i-1")[0].failed is not None
    detaches.forget("i-1")  # the guest stopped: nothing of it is attached live any more
    assert detaches.of("i-1") == []
    detaches.close()


def test_a_guest_refusing_the_unplug_puts_the_removal_in_error_at_once() -> None:
    detaches = NicDetaches(timeout=60)
    got, _ = _hub(detaches)
    detaches.begin("i-1", "u1", Interface.from_xml(NIC))
    detaches.refused("i-1", "net1")
    (pending,) = detaches.of("i-1")
    assert pending.failed is not None and "refused" in pending.failed
    assert [dict(e.detail)["change"] for e in got] == ["detach-failed"]
    detaches.close()
