"""What every part of the qemu driver shares: store, file layout, supervisor, per-instance locks,
and the lookups each part makes of an instance (its row, its state as observed, its QEMU).

Operations on one instance are serialised by an in-process lock (the state-directory lock makes
this process the only manager), so a start cannot interleave with a destroy. The lock is
reentrant: settling a stop inside a locked operation releases the guest's host devices under it.
Reads take no lock: they look at the row and at the supervised process, and settle finished
transitions with a compare-and-set update (the rule is ``observe``'s).

Settling a stop releases the host devices of the guest's NICs (``hostnics``), and so does QEMU
ending on its own: that is every part's business, so it happens here, not in the NICs part.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select, update

from hearth.domain import Domain
from hearth.errors import HearthError, NotFound
from hearth.qemu import Machine, Supervisor, SyncVM, VMInfo
from hearth.vocab.instance_states import InstanceState

from ..caller import Caller
from ..stored import StoreContext
from . import design, hostnics
from .layout import Layout, StateLock
from .observe import Observation, observe
from .power import PRESS_INTERVAL, GracefulStops, force_off
from .rows import INSTANCES
from .tables import QemuInstance, QemuVolume
from .watch import QemuEvents

log = logging.getLogger(__name__)

S = InstanceState


@dataclass(frozen=True)
class DesignChange:
    """An instance's saved design being changed under the instance's lock; ``state`` is the
    instance's as seen once the lock was held, so it cannot change until ``save``."""

    instance_id: str
    state: InstanceState
    domain: Domain
    where: Path

    def save(self) -> None:
        design.save(self.domain, self.where)


class QemuContext(StoreContext):
    """One state directory managed by this process: built by ``QemuDriver``, shared by its parts."""

    def __init__(
        self,
        engine: Engine,
        driver_name: str,
        state_dir: Path,
        *,
        run_dir: Path | None = None,
        media_roots: Sequence[Path] = (),
        binary: str = "qemu-system-x86_64",
        owns_engine: bool = False,
        press_interval: float = PRESS_INTERVAL,
    ) -> None:
        super().__init__(engine, driver_name, owns_engine=owns_engine)
        self.layout = Layout.at(state_dir, run_dir)
        self.layout.prepare()
        # Spec paths (kernel, initrd, cdrom) must lie under one of these (or the images dir).
        self.media_roots = tuple(Path(os.path.realpath(r)) for r in (*media_roots, self.layout.images))
        self.press_interval = press_interval
        self._lock = StateLock(self.layout.state)
        try:
            self.sup = Supervisor(self.layout.run, binary=binary)
        except BaseException:
            self._lock.release()
            raise
        self.stops = GracefulStops(press_interval)
        self._sup_lock = threading.RLock()
        self._locks: dict[str, threading.RLock] = {}
        self._locks_guard = threading.Lock()
        self._launching: set[str] = set()
        self._closed = False
        self.events: QemuEvents | None = None  # set by QemuDriver.watch

    def close(self) -> None:
        """Stop managing; guests keep running and a later driver on this state dir adopts them."""
        if self._closed:
            return
        self._closed = True
        if self.events is not None:
            self.events.close()
        self.stops.cancel_all()
        with self._sup_lock:
            self.sup.close()
        self._lock.release()
        super().close()

    # --- locks ----------------------------------------------------------------------------------

    @contextmanager
    def instance_lock(self, instance_id: str) -> Iterator[None]:
        with self._locks_guard:
            lock = self._locks.setdefault(instance_id, threading.RLock())
        with lock:
            yield

    def forget_lock(self, instance_id: str) -> None:
        """The instance is gone: its lock need not be kept."""
        with self._locks_guard:
            self._locks.pop(instance_id, None)

    @contextmanager
    def launching(self, instance_id: str) -> Iterator[None]:
        """While QEMU is being started for the instance, reads show it PENDING, not ERROR."""
        self._launching.add(instance_id)
        try:
            yield
        finally:
            self._launching.discard(instance_id)

    # --- the instances' QEMU processes ----------------------------------------------------------

    def vm_info(self, instance_id: str) -> VMInfo | None:
        """What the supervisor knows of the instance's QEMU; None if it never ran here."""
        with self._sup_lock, contextlib.suppress(NotFound):
            return self.sup.info(instance_id)
        return None

    def live_handle(self, instance_id: str) -> SyncVM | None:
        """The handle if the instance's QEMU is running now, else None."""
        info = self.vm_info(instance_id)
        if info is None or info.pid is None:
            return None
        with contextlib.suppress(HearthError):
            return self.handle(instance_id)
        return None

    def handle(self, instance_id: str) -> SyncVM:
        """The control handle of a running instance's QEMU (attaching to it if needed)."""
        with self._sup_lock:
            return self.sup.attach(instance_id)

    def launch(self, instance_id: str, machine: Machine) -> SyncVM:
        """Start QEMU for the instance, its host devices released as soon as QEMU ends."""
        with self._sup_lock:
            handle = self.sup.launch(machine)
        self._watch_exit(instance_id, handle)
        if self.events is not None:
            self.events.launched(instance_id, handle)
        return handle

    def remove_vm(self, instance_id: str) -> None:
        """Forget the instance's (ended) QEMU and its runtime directory."""
        with self._sup_lock, contextlib.suppress(NotFound):
            self.sup.remove(instance_id)

    def adopt(self) -> None:
        """Take over every QEMU a previous manager left running and settle what ended meanwhile."""
        with self._sup_lock:
            adopted = self.sup.attach_all()
        for name, handle in adopted.items():
            self._watch_exit(name, handle)
        with self.read() as s:
            rows = list(
                s.scalars(
                    select(QemuInstance).where(QemuInstance.state.in_(("PENDING", "RUNNING", "STOPPING")))
                )
            )
        for row in rows:
            self.observe_row(row)

    def watch(self, events: QemuEvents) -> None:
        """Report changes to ``events``: of every QEMU launched from now on, and of those running."""
        self.events = events
        with self._sup_lock:
            names = self.sup.names()
        for name in names:
            handle = self.live_handle(name)
            if handle is not None:
                events.follow(name, handle)

    def owner_of(self, instance_id: str) -> str | None:
        with self.read() as s:
            row = s.get(QemuInstance, instance_id)
            return row.owner_id if row is not None else None

    def power_off_all(self) -> None:
        """Force every running guest off at once (host shutdown, test teardown)."""
        with self.read() as s:
            rows = list(s.scalars(select(QemuInstance)))
        for row in rows:
            with self.instance_lock(row.id):
                self.stops.cancel(row.id)
                live = self.live_handle(row.id)
                if live is not None:
                    ended = force_off(live)
                    self.settle(row.id, S(row.state), S.STOPPED, f"forced off ({ended.reason})")

    # --- an instance's row and its observed state -----------------------------------------------

    def instance_row(self, caller: Caller, instance_id: str) -> QemuInstance:
        """The instance's row, or NotFound/Forbidden as the caller's ownership decides."""
        return INSTANCES.fetch(self, caller, instance_id)

    def saved_design(self, caller: Caller, instance_id: str) -> tuple[str, Domain]:
        """The instance's id and saved design (what its next start runs, changes made live included)."""
        row = self.instance_row(caller, instance_id)
        return row.id, design.load(self.layout.instance_dir(row.id))

    @contextmanager
    def changing_design(self, caller: Caller, instance_id: str) -> Iterator[DesignChange]:
        """Hold the instance's lock while its saved design is changed (and, if it runs, QEMU)."""
        row = self.instance_row(caller, instance_id)
        with self.instance_lock(row.id):
            state = self.observe_row(row).state
            where = self.layout.instance_dir(row.id)
            yield DesignChange(row.id, state, design.load(where), where)

    def attached_volumes(self, instance_id: str) -> list[QemuVolume]:
        with self.read() as s:
            return list(s.scalars(select(QemuVolume).where(QemuVolume.instance_id == instance_id)))

    def observe_row(self, row: QemuInstance) -> Observation:
        """The instance's state now; a finished transition is settled in the row (and ``row``)."""
        recorded = S(row.state)
        if recorded in (S.STOPPED, S.ERROR):
            return Observation(recorded, row.state_reason, False)
        seen = observe(recorded, row.state_reason, self.vm_info(row.id), row.id in self._launching)
        if seen.settle:
            to_record = S.RUNNING if seen.state is S.PAUSED else seen.state
            if self.settle(row.id, recorded, to_record, seen.reason):
                row.state, row.state_reason = to_record.value, seen.reason
        elif seen.state is S.STOPPING:
            self._ensure_stopping(row.id, row.stop_deadline)
        return seen

    def settle(
        self, instance_id: str, expected: InstanceState, state: InstanceState, reason: str | None
    ) -> bool:
        """Record ``state`` unless someone changed the row since it was read as ``expected``."""
        with self.write() as s:
            done = s.execute(
                update(QemuInstance)
                .where(QemuInstance.id == instance_id, QemuInstance.state == expected.value)
                .values(state=state.value, state_reason=reason, stop_deadline=None)
            )
            changed = bool(getattr(done, "rowcount", 0))
        if changed and state in (S.STOPPED, S.ERROR):
            self._ended(instance_id)
        return changed

    def start_graceful_stop(self, instance_id: str, timeout: float) -> None:
        """Press the power button until ``timeout``, then force it off; the caller does not wait."""
        self.stops.start(instance_id, self.handle(instance_id), timeout)

    def _ensure_stopping(self, instance_id: str, deadline: float | None) -> None:
        """A STOPPING instance whose stop nobody drives (e.g. after a restart) gets one again."""
        if self.stops.under_way(instance_id):
            return
        left = max(0.0, (deadline or 0.0) - time.time())
        with contextlib.suppress(HearthError):  # it ended meanwhile: the next read settles it
            self.start_graceful_stop(instance_id, left)

    # --- host devices of an ended guest ---------------------------------------------------------

    def release_host_nics(self, instance_id: str) -> None:
        """Remove the host devices of the instance's NICs (idempotent; failures are logged)."""
        where = self.layout.instance_dir(instance_id)
        if not where.exists():
            return  # destroyed: its devices went first
        try:
            hostnics.release(instance_id, design.load(where))
        except HearthError as exc:
            log.warning("instance %s: %s", instance_id, exc.message)

    def _ended(self, instance_id: str) -> None:
        """The guest is recorded STOPPED or ERROR: its NICs' host devices go, once QEMU is gone."""
        with self.instance_lock(instance_id):  # not while a start is making new ones
            info = self.vm_info(instance_id)
            if info is not None and info.pid is not None:
                return  # QEMU runs (a crashed guest, or a start that came first): not now
            self.release_host_nics(instance_id)

    def _watch_exit(self, instance_id: str, handle: SyncVM) -> None:
        """Release the host devices as soon as QEMU ends (a guest that powered itself off is seen
        stopped only at the next read; its macvtaps and OVS ports should not wait for that)."""

        def release() -> None:
            if self._closed:
                return  # the next driver on this state directory settles it
            try:
                self._ended(instance_id)
            except Exception:  # a worker thread: nobody else would see it
                log.exception("instance %s: releasing its host devices failed", instance_id)

        def ended(_vm: object, _how: object) -> None:  # on the event loop: must not block
            threading.Thread(target=release, name=f"hearth-release-{instance_id[:8]}", daemon=True).start()

        handle.vm.on_exit(ended)
