"""Mock instances: the state machine of ``hearth.drivers.states`` over rows, with read-time timing.

Reads (``reads``) are one SELECT each and build models without validating again, because every
value was validated on its way into the store; listing 10,000 rows stays under 150 ms.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.orm import Session

from hearth.errors import ValidationError
from hearth.store import new_id
from hearth.vocab.instance_states import InstanceState
from hearth.vocab.nic_kinds import InterfaceType

from .. import guest_metrics, profiles, states
from ..caller import SYSTEM_OWNER, Caller, ensure_visible, owner_scope
from ..consoles import CONSOLE_STATES, ConsoleStream, require_running
from ..events import DriverEvent, EventKind
from ..operations import DEFAULT_STOP_TIMEOUT
from ..parts import InstancesPart
from ..resources import (
    Action,
    ConsoleOutput,
    HwpPropertyName,
    ImageDiskSpec,
    Instance,
    InstanceConsoles,
    InstanceCreate,
    InstanceFilter,
    InstanceMetrics,
    InterfaceCreate,
)
from . import console, reads
from .bindings import add_nic, bind, nic_for_binding
from .context import MockContext, effective_state
from .lookups import check_disk_pools, check_image_usable, usable_realm
from .rows import IMAGES, PROFILES
from .serial import EchoConsole
from .tables import MockAddress, MockBinding, MockInstance, MockInstanceSpec, MockVolume

_CONSOLES: dict[InstanceState, InstanceConsoles] = {}


class Instances(InstancesPart):
    context: MockContext

    def list_instances(self, caller: Caller, filters: InstanceFilter | None = None) -> list[Instance]:
        filters = filters or InstanceFilter()
        self.require_features(filters)
        scope = owner_scope(caller, filters.owner_id)
        params: dict[str, Any] = {}
        if scope is not None:
            params["scope"] = list(scope)
        if filters.realm_id is not None:
            params["realm_id"] = filters.realm_id
        q = reads.list_statement(scope is not None, filters.realm_id is not None)
        with reads.gc_paused():
            with self.context.connect() as conn:
                rows = conn.execute(q, params).all()
            now = self.context.clock()
            views = [reads.build_instance(r, now, self.allowed_actions, self._consoles_in) for r in rows]
        if filters.state is not None:
            views = [v for v in views if v.state is filters.state]
        return views

    def get_instance(self, caller: Caller, instance_id: str) -> Instance:
        if self.context.engine.dialect.name != "sqlite":
            with self.context.connect() as conn:
                return self._load(conn, caller, instance_id)
        row = self.context.raw_get(not caller.is_admin).first(_get_params(caller, instance_id))
        if row is None:
            ensure_visible(caller, "instance", instance_id, None)  # raises NotFound
        assert row is not None
        return reads.build_instance(row, self.context.clock(), self.allowed_actions, self._consoles_in)

    def create_instance(self, caller: Caller, request: InstanceCreate) -> Instance:
        self.require_features(request)
        if request.key_name is not None:
            self.context.keys.by_name(caller, request.key_name)  # before the write lock: it reads on its own
        with self.context.write() as s:
            hwp = PROFILES.view(PROFILES.row(s, caller, request.hwp_id))
            overrides = profiles.check_overrides(hwp, request.hwp_overrides)
            spec = request.spec
            if request.image_id is not None:
                check_image_usable(IMAGES.row(s, caller, request.image_id))
            elif spec is None:
                raise ValidationError(
                    f"template {request.template_id!r} was not resolved: the service layer passes its spec",
                    template=request.template_id,
                )
            else:
                for disk in spec.disks:
                    if isinstance(disk, ImageDiskSpec):
                        check_image_usable(IMAGES.row(s, caller, disk.image_id))
            realm = usable_realm(s, caller, request.realm_id)
            if spec is not None:
                check_disk_pools(s, spec, realm.id)
            instance_id = new_id()
            now = self.context.clock()
            boot = self.context.timing.boot_seconds
            # Created stopped: the same PENDING spell as a boot, then STOPPED, never RUNNING.
            settled = states.BOOTED_STATE if request.start else InstanceState.STOPPED
            row = MockInstance(
                id=instance_id,
                name=request.name or f"inst-{instance_id[:8]}",
                owner_id=caller.user_id,
                state=(states.INITIAL_STATE if boot > 0 else settled).value,
                next_state=settled.value if boot > 0 else None,
                next_at=now + boot if boot > 0 else None,
                image_id=request.image_id,
                template_id=request.template_id,
                realm_id=realm.id,
                hwp_id=hwp.id,
                hwp_overrides={k.value: v for k, v in overrides.items()},
                key_name=request.key_name,
                user_data=request.user_data,
            )
            console.record(row, None, settled)
            s.add(row)
            s.flush()
            for net in request.networks:
                nic_for_binding(s, row, bind(s, caller, instance_id, net))
            if spec is not None:
                s.add(
                    MockInstanceSpec(
                        instance_id=instance_id,
                        memory_mib=spec.memory_mib,
                        vcpus=spec.vcpus,
                        spec=spec.model_dump(mode="json"),
                    )
                )
                for name in spec.networks:
                    add_nic(s, caller, row, InterfaceCreate(type=InterfaceType.network, source=name))
                for nic in spec.interfaces:
                    add_nic(s, caller, row, nic)
            s.flush()
            made = self._load(s, caller, instance_id, now)
            owner, first, then, at = row.owner_id, row.state, row.next_state, row.next_at
        self._announce(owner, instance_id, first, then, at, "created")
        return made

    def start_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._act(caller, instance_id, Action.start, 0.0)

    def stop_instance(
        self, caller: Caller, instance_id: str, *, timeout: float = DEFAULT_STOP_TIMEOUT, force: bool = False
    ) -> Instance:
        if timeout < 0:
            raise ValidationError("the stop timeout must not be negative", timeout=timeout)
        # The simulated guest takes shutdown_seconds to power off; after `timeout` it is forced off.
        delay = 0.0 if force else min(self.context.timing.shutdown_seconds, timeout)
        return self._act(caller, instance_id, Action.stop, delay)

    def reboot_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._act(caller, instance_id, Action.reboot, 0.0)

    def suspend_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._act(caller, instance_id, Action.suspend, 0.0)

    def resume_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._act(caller, instance_id, Action.resume, 0.0)

    def destroy_instance(self, caller: Caller, instance_id: str) -> Instance:
        with self.context.write() as s:
            now = self.context.clock()
            final = self._load(s, caller, instance_id, now, lock=True)
            self.check_action(final.id, final.state, Action.destroy)
            # Attached disks and addresses outlive the guest, as on a real cloud.
            s.execute(
                update(MockVolume)
                .where(MockVolume.instance_id == final.id)
                .values(instance_id=None, device=None)
            )
            s.execute(update(MockAddress).where(MockAddress.instance_id == final.id).values(instance_id=None))
            s.execute(delete(MockBinding).where(MockBinding.instance_id == final.id))
            s.execute(delete(MockInstance).where(MockInstance.id == final.id))
        state = states.TRANSITIONS[Action.destroy].target
        self.context.events.state(final.id, final.owner_id, state, "destroyed")
        return final.model_copy(
            update={
                "state": state,
                "actions": self.allowed_actions(state),
                "consoles": self._consoles_in(state),
            }
        )

    def get_console_output(self, caller: Caller, instance_id: str) -> ConsoleOutput:
        with self.context.connect() as conn:
            row = conn.execute(
                select(MockInstance.owner_id, MockInstance.console_log).where(MockInstance.id == instance_id)
            ).first()
        ensure_visible(caller, "instance", instance_id, row.owner_id if row else None)
        assert row is not None
        return ConsoleOutput(
            instance_id=instance_id, output=row.console_log or "", timestamp=datetime.now(UTC)
        )

    def open_serial_console(self, caller: Caller, instance_id: str) -> ConsoleStream:
        """The simulation of ``serial``: an echo of what is typed, until the instance stops."""
        inst = self.get_instance(caller, instance_id)
        require_running(inst.id, inst.state, "serial console")
        events = self.context.events

        def watch(event: DriverEvent) -> None:
            gone = event.state is not None and event.state not in CONSOLE_STATES
            if event.kind is EventKind.instance_state and event.subject_id == inst.id and gone:
                echo.end()

        echo = EchoConsole(on_close=lambda: events.unsubscribe(watch))
        events.subscribe(watch, ())
        return echo

    def get_instance_metrics(self, caller: Caller, instance_id: str) -> InstanceMetrics:
        """Figures a guest of this age would show: derived from the seconds since the instance
        was made (the mock keeps no run history) and its profile, so two reads at the same clock
        agree and later reads show larger counters."""
        inst = self.get_instance(caller, instance_id)
        guest_metrics.require_measurable(inst.id, inst.state)
        now = self.context.clock()
        age = max(1.0, now - inst.created.timestamp())
        overrides = inst.hardware_profile_overrides
        memory_mib = int(overrides.get(HwpPropertyName.memory, 512))
        vcpus = int(overrides.get(HwpPropertyName.cpu, 1))
        busy = 0.02 + (sum(inst.id.encode()) % 8) / 100  # 2-9 % of its CPUs, fixed per instance
        ticks = int(age)
        counters = guest_metrics.Counters(
            cpu_seconds=round(age * vcpus * busy, 3),
            uptime_seconds=age,
            vcpus=vcpus,
            memory_used=min(memory_mib, 48 + ticks // 60) * 2**20,
            memory_available=memory_mib * 2**20,
            disk_read_requests=200 + 3 * ticks,
            disk_write_requests=20 + ticks,
            disk_read_bytes=(200 + 3 * ticks) * 4096,
            disk_write_bytes=(20 + ticks) * 4096,
            nic_rx_bytes=1500 + 120 * ticks,
            nic_rx_packets=10 + 2 * ticks,
            nic_tx_bytes=900 + 80 * ticks,
            nic_tx_packets=6 + ticks,
        )
        return guest_metrics.build(inst.id, counters, datetime.fromtimestamp(now, UTC))

    # --- internals ----------------------------------------------------------------------------

    def _consoles_in(self, state: InstanceState) -> InstanceConsoles:
        """The mock's consoles in ``state`` (a serial port, no screen): one model per state."""
        views = _CONSOLES.get(state)
        if views is None:
            views = _CONSOLES[state] = self.consoles(state, None)
        return views

    def _act(self, caller: Caller, instance_id: str, action: Action, delay: float) -> Instance:
        with self.context.write() as s:
            row = s.get(MockInstance, instance_id, with_for_update=True)
            ensure_visible(caller, "instance", instance_id, row.owner_id if row else None)
            assert row is not None
            now = self.context.clock()  # after the lock: the transition is timed from here
            state, _ = effective_state(row.state, row.next_state, row.next_at, now)
            t = self.check_action(row.id, state, action)
            if t.via is not None and delay > 0:
                row.state, row.next_state, row.next_at = t.via.value, t.target.value, now + delay
            else:
                row.state, row.next_state, row.next_at = t.target.value, None, None
            row.state_reason = None
            console.record(row, action, t.target)
            s.flush()
            acted = self._load(s, caller, instance_id, now)
            owner, after, then, at = row.owner_id, row.state, row.next_state, row.next_at
        self._announce(owner, instance_id, after, then, at, action.value)
        return acted

    def _announce(
        self,
        owner: str,
        instance_id: str,
        state: str,
        next_state: str | None,
        next_at: float | None,
        reason: str | None = None,
    ) -> None:
        """Emit the state an action left (after its commit), and schedule the one to come."""
        events = self.context.events
        if not events.watched:
            return
        events.state(instance_id, owner, InstanceState(state), reason)
        if next_state is not None and next_at is not None:
            events.schedule(instance_id, owner, InstanceState(next_state), next_at)

    def _load(
        self,
        s: Session | Connection,
        caller: Caller,
        instance_id: str,
        now: float | None = None,
        lock: bool = False,
    ) -> Instance:
        """The instance as ``caller`` sees it: one SELECT, ownership in its WHERE clause."""
        params = _get_params(caller, instance_id)
        row = s.execute(reads.get_statement(not caller.is_admin, lock), params).first()
        if row is None:
            ensure_visible(caller, "instance", instance_id, None)  # raises NotFound
        assert row is not None
        return reads.build_instance(
            row, self.context.clock() if now is None else now, self.allowed_actions, self._consoles_in
        )


def _get_params(caller: Caller, instance_id: str) -> dict[str, Any]:
    params: dict[str, Any] = {"instance_id": instance_id}
    if not caller.is_admin:  # owner_scope's answer for a non-admin: own and shared rows
        params["owner"], params["shared"] = caller.user_id, SYSTEM_OWNER
    return params
