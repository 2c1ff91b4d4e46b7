"""NIC removals a running guest has yet to complete, so that what is listed is what runs.

``virDomainDetachDeviceFlags`` on a running domain only asks the guest to let the device go
(ACPI / PCIe unplug) and returns; libvirt drops the device from the persistent definition at
once but from the live one only when the guest releases it, and says so with its
``device-removed`` event (``device-removal-failed`` when the guest refuses). Until then the NIC is
listed ``detaching`` (from the live definition, which still has it); once ``timeout`` passes
without a word it is listed ``error``, still attached. Each end is published as an
``instance.device`` event. A read also checks the live definition itself, so a removal whose
event was missed (no one watching, a reconnect) still ends when the device is gone.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from hearth.domain import Interface

from ..events import DriverEvent, EventKind, EventSink

SOURCE = "libvirt"


@dataclass
class Detach:
    """One NIC removal under way: the device as the live definition had it, and how it stands."""

    instance_id: str
    owner_id: str
    mac: str
    alias: str | None  # libvirt's name for the device in its events ("net1")
    xml: str  # the <interface> as it was, to list it meanwhile
    failed: str | None = None  # why it did not complete (timeout, the guest refused)
    timer: threading.Timer | None = field(default=None, repr=False)

    @property
    def interface(self) -> Interface:
        return Interface.from_xml(self.xml)


class NicDetaches:
    """The removals under way of one driver, keyed by (instance id, MAC)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.sink: EventSink | None = None  # set when someone watches the driver's events
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str], Detach] = {}

    def begin(self, instance_id: str, owner_id: str, iface: Interface) -> Detach:
        mac = (iface.mac or "").lower()
        detach = Detach(instance_id, owner_id, mac, iface.alias, iface.to_xml())
        detach.timer = threading.Timer(self.timeout, self._expire, (instance_id, mac))
        detach.timer.daemon = True
        with self._lock:
            old = self._pending.pop((instance_id, mac), None)
            self._pending[(instance_id, mac)] = detach
        if old is not None and old.timer is not None:
            old.timer.cancel()
        detach.timer.start()
        return detach

    def of(self, instance_id: str) -> list[Detach]:
        with self._lock:
            return [d for (iid, _), d in self._pending.items() if iid == instance_id]

    def removed(self, instance_id: str, alias: str) -> None:
        """libvirt's ``device-removed``: the guest let the device go."""
        found = self._by_alias(instance_id, alias)
        if found is not None:
            self.end(instance_id, found.mac)

    def refused(self, instance_id: str, alias: str) -> None:
        """libvirt's ``device-removal-failed``: the guest refused; the device stays attached."""
        found = self._by_alias(instance_id, alias)
        if found is not None:
            self._fail(found, "the guest refused to release the device; it is still attached")

    def end(self, instance_id: str, mac: str) -> None:
        """The device is gone from the live definition (an event said so, or a read saw it)."""
        with self._lock:
            detach = self._pending.pop((instance_id, mac), None)
        if detach is None:
            return
        if detach.timer is not None:
            detach.timer.cancel()
        self._emit(detach, "removed")

    def forget(self, instance_id: str) -> None:
        """The guest stopped or went: nothing of it is attached live any more."""
        with self._lock:
            gone = [k for k in self._pending if k[0] == instance_id]
            detaches = [self._pending.pop(k) for k in gone]
        for detach in detaches:
            if detach.timer is not None:
                detach.timer.cancel()

    def close(self) -> None:
        with self._lock:
            detaches, self._pending = list(self._pending.values()), {}
        for detach in detaches:
            if detach.timer is not None:
                detach.timer.cancel()

    def _by_alias(self, instance_id: str, alias: str) -> Detach | None:
        with self._lock:
            return next((d for d in self._of_locked(instance_id) if d.alias == alias), None)

    def _of_locked(self, instance_id: str) -> list[Detach]:
        return [d for (iid, _), d in self._pending.items() if iid == instance_id]

    def _expire(self, instance_id: str, mac: str) -> None:
        with self._lock:
            detach = self._pending.get((instance_id, mac))
        if detach is not None and detach.failed is None:
            self._fail(
                detach, f"the guest did not release the device within {self.timeout:g}s; it is still attached"
            )

    def _fail(self, detach: Detach, reason: str) -> None:
        detach.failed = reason
        self._emit(detach, "detach-failed")

    def _emit(self, detach: Detach, change: str) -> None:
        sink = self.sink
        if sink is None:
            return
        detail = {"device": "nic", "change": change, "id": detach.mac}
        if detach.failed is not None and change != "removed":
            detail["reason"] = detach.failed
        sink(
            DriverEvent(
                EventKind.instance_device, detach.instance_id, detach.owner_id, source=SOURCE, detail=detail
            )
        )
