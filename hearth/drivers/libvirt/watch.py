"""The libvirt driver's event source: libvirt's own domain lifecycle events, per host, and its
``device-removed`` / ``device-removal-failed`` events, which end the NIC removals under way
(``detaches``).

Each host connection gets a ``domainEventRegisterAny(LIFECYCLE)`` callback (again after every
reconnect, through ``Link.on_connect``) and a close callback that reconnects. The callbacks run
on libvirt's event loop thread (``connection.ensure_event_loop``) and only enqueue; one thread
of the driver's turns each event into a ``DriverEvent``: the instance's id is the domain's UUID,
its owner comes from Hearth's metadata in the domain (remembered, so a domain already undefined
still has one), and domains of other servers or not Hearth's are ignored. Because this listens
to libvirt, a ``virsh destroy`` behind Hearth's back is reported like a stop through the API.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import queue
import threading
import time
from typing import Any

import libvirt

from hearth.domain import Domain

from ..events import DriverEvent, EventKind, EventSink
from . import metadata
from .connection import Link
from .detaches import NicDetaches
from .states import map_event

log = logging.getLogger(__name__)
SOURCE = "libvirt"
_INACTIVE = libvirt.VIR_DOMAIN_XML_INACTIVE

# (link, domain uuid, domain handle, event, detail, when)
_Raw = tuple[Link, str, Any, int, int, float]


class LibvirtEvents:
    """Registers the callbacks on every link and forwards what they report to the sink."""

    def __init__(self, server_id: str, links: list[Link], sink: EventSink, detaches: NicDetaches) -> None:
        self._server = server_id
        self._sink = sink
        self._detaches = detaches
        detaches.sink = sink
        self._queue: queue.SimpleQueue[_Raw | None] = queue.SimpleQueue()
        self._owners: dict[str, str | None] = {}  # uuid -> owner (None: not ours)
        self._thread = threading.Thread(target=self._run, name="hearth-libvirt-events", daemon=True)
        self._thread.start()
        for link in links:
            link.on_connect(functools.partial(self._register, link))

    def close(self) -> None:
        self._queue.put(None)

    def _register(self, link: Link, conn: libvirt.virConnect) -> None:
        def lifecycle(_c: object, dom: Any, event: int, detail: int, _opaque: object) -> None:
            self._queue.put((link, dom.UUIDString(), dom, event, detail, time.time()))

        def closed(c: libvirt.virConnect, _reason: int, _opaque: object) -> None:
            log.warning("%s closed its connection; reconnecting for its events", link.where)
            link.lost(c)

        # The detaches only look up their own entries and enqueue to the hub: fine on this thread.
        def removed(_c: object, dom: Any, alias: str, _opaque: object) -> None:
            self._detaches.removed(dom.UUIDString(), alias)

        def refused(_c: object, dom: Any, alias: str, _opaque: object) -> None:
            self._detaches.refused(dom.UUIDString(), alias)

        conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, None)
        conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, removed, None)
        with contextlib.suppress(libvirt.libvirtError):  # libvirt before 1.3.4 has no such event
            conn.domainEventRegisterAny(
                None, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED, refused, None
            )
        # A connection without close callbacks (the test driver) never closes on its own.
        with contextlib.suppress(libvirt.libvirtError):
            conn.registerCloseCallback(closed, None)

    def _owner(self, uuid: str, dom: Any) -> str | None:
        if uuid in self._owners:
            return self._owners[uuid]
        try:
            meta = metadata.read(Domain.from_xml(dom.XMLDesc(_INACTIVE)))
        except (libvirt.libvirtError, ValueError):
            return None  # gone already, and never seen: not known to be ours
        owner = meta.owner_id if meta is not None and meta.server == self._server else None
        self._owners[uuid] = owner
        return owner

    def _run(self) -> None:
        while True:
            raw = self._queue.get()
            if raw is None:
                return
            try:
                self._forward(*raw)
            except Exception:  # one bad event must not end the stream of the rest
                log.exception("a libvirt event could not be forwarded")

    def _forward(self, link: Link, uuid: str, dom: Any, event: int, detail: int, when: float) -> None:
        owner = self._owner(uuid, dom)
        if owner is None:
            return
        if event in (libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_UNDEFINED):
            self._detaches.forget(uuid)  # a guest that is not running holds no device any more
        if event == libvirt.VIR_DOMAIN_EVENT_UNDEFINED:
            self._owners.pop(uuid, None)
            self._sink(DriverEvent(EventKind.instance_deleted, uuid, owner, source=SOURCE, time=when))
            return
        mapped = map_event(event, detail)
        if mapped is None:
            return
        state, reason = mapped
        self._sink(
            DriverEvent(
                EventKind.instance_state,
                uuid,
                owner,
                state,
                reason,
                SOURCE,
                when,
                {"realm_id": link.host.realm, "libvirt_event": event, "libvirt_detail": detail},
            )
        )
