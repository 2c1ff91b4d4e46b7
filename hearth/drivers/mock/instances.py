"""Mock instances: the state machine of ``hearth.drivers.states`` over rows, with read-time timing.

Reads (``reads``) are one SELECT each and build models without validating again, because every
value was validated on its way into the store; listing 10,000 rows stays under 150 ms.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, update
from sqlalchemy.orm import Session

from hearth.errors import ValidationError
from hearth.store import new_id

from .. import profiles, states
from ..base import DEFAULT_STOP_TIMEOUT
from ..caller import SYSTEM_OWNER, Caller, ensure_visible, owner_scope
from ..resources import (
    Action,
    ImageDiskSpec,
    Instance,
    InstanceCreate,
    InstanceFilter,
    InstanceState,
    InterfaceCreate,
    InterfaceType,
)
from . import reads
from .catalogue import check_image_usable, hwp_model
from .core import effective_state, gc_paused
from .nics import NicOps
from .pools import check_disk_pools
from .tables import MockAddress, MockBinding, MockHardwareProfile, MockInstance, MockInstanceSpec, MockVolume


class InstanceOps(NicOps):
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
        with gc_paused():
            with self._connect() as conn:
                rows = conn.execute(q, params).all()
            now = self.clock()
            views = [reads.build_instance(r, now, self.allowed_actions) for r in rows]
        if filters.state is not None:
            views = [v for v in views if v.state is filters.state]
        return views

    def get_instance(self, caller: Caller, instance_id: str) -> Instance:
        if self.engine.dialect.name != "sqlite":
            with self._connect() as conn:
                return self._load(conn, caller, instance_id)
        scoped = not caller.is_admin
        read = self._raw_gets.get(scoped)
        if read is None:
            read = self._raw_gets[scoped] = reads.RawRead(self.engine, reads.get_statement(scoped, False))
        row = read.first(self._get_params(caller, instance_id))
        if row is None:
            ensure_visible(caller, "instance", instance_id, None)  # raises NotFound
        assert row is not None
        return reads.build_instance(row, self.clock(), self.allowed_actions)

    def create_instance(self, caller: Caller, request: InstanceCreate) -> Instance:
        self.require_features(request)
        if request.key_name is not None:
            self.keys.by_name(caller, request.key_name)  # before the write lock: it reads on its own
        with self._write() as s:
            hwp_row = s.get(MockHardwareProfile, request.hwp_id)
            ensure_visible(caller, "hardware profile", request.hwp_id, hwp_row.owner_id if hwp_row else None)
            assert hwp_row is not None
            overrides = profiles.check_overrides(hwp_model(hwp_row), request.hwp_overrides)
            spec = request.spec
            if request.image_id is not None:
                check_image_usable(self._image_row(s, caller, request.image_id))
            elif spec is None:
                raise ValidationError(
                    f"template {request.template_id!r} was not resolved: the service layer passes its spec",
                    template=request.template_id,
                )
            else:
                for disk in spec.disks:
                    if isinstance(disk, ImageDiskSpec):
                        check_image_usable(self._image_row(s, caller, disk.image_id))
            realm = self._usable_realm(s, caller, request.realm_id)
            if spec is not None:
                check_disk_pools(s, spec, realm.id)
            instance_id = new_id()
            now = self.clock()
            boot = self.timing.boot_seconds
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
                hwp_id=hwp_row.id,
                hwp_overrides={k.value: v for k, v in overrides.items()},
                key_name=request.key_name,
                user_data=request.user_data,
            )
            s.add(row)
            s.flush()
            for net in request.networks:
                self._nic_for_binding(s, row, self._bind(s, caller, instance_id, net))
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
                    self._add_nic(s, caller, row, InterfaceCreate(type=InterfaceType.network, source=name))
                for nic in spec.interfaces:
                    self._add_nic(s, caller, row, nic)
            s.flush()
            return self._load(s, caller, instance_id, now)

    def start_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._act(caller, instance_id, Action.start, 0.0)

    def stop_instance(
        self, caller: Caller, instance_id: str, *, timeout: float = DEFAULT_STOP_TIMEOUT, force: bool = False
    ) -> Instance:
        if timeout < 0:
            raise ValidationError("the stop timeout must not be negative", timeout=timeout)
        # The simulated guest takes shutdown_seconds to power off; after `timeout` it is forced off.
        delay = 0.0 if force else min(self.timing.shutdown_seconds, timeout)
        return self._act(caller, instance_id, Action.stop, delay)

    def reboot_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._act(caller, instance_id, Action.reboot, 0.0)

    def suspend_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._act(caller, instance_id, Action.suspend, 0.0)

    def resume_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._act(caller, instance_id, Action.resume, 0.0)

    def destroy_instance(self, caller: Caller, instance_id: str) -> Instance:
        with self._write() as s:
            now = self.clock()
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
        return final.model_copy(update={"state": state, "actions": self.allowed_actions(state)})

    def simulate_crash(self, instance_id: str, reason: str) -> None:
        """Mock only: put an instance in ERROR, as a backend failure would (for tests of ERROR)."""
        with self._write() as s:
            row = s.get(MockInstance, instance_id)
            if row is None:
                raise ValidationError(f"no instance {instance_id}")
            row.state, row.next_state, row.next_at = InstanceState.ERROR.value, None, None
            row.state_reason = reason

    # --- internals ----------------------------------------------------------------------------

    def _act(self, caller: Caller, instance_id: str, action: Action, delay: float) -> Instance:
        with self._write() as s:
            row = s.get(MockInstance, instance_id, with_for_update=True)
            ensure_visible(caller, "instance", instance_id, row.owner_id if row else None)
            assert row is not None
            now = self.clock()
            state, _ = effective_state(row.state, row.next_state, row.next_at, now)
            t = self.check_action(row.id, state, action)
            if t.via is not None and delay > 0:
                row.state, row.next_state, row.next_at = t.via.value, t.target.value, now + delay
            else:
                row.state, row.next_state, row.next_at = t.target.value, None, None
            row.state_reason = None
            s.flush()
            return self._load(s, caller, instance_id, now)

    @staticmethod
    def _get_params(caller: Caller, instance_id: str) -> dict[str, Any]:
        params: dict[str, Any] = {"instance_id": instance_id}
        if not caller.is_admin:  # owner_scope's answer for a non-admin: own and shared rows
            params["owner"], params["shared"] = caller.user_id, SYSTEM_OWNER
        return params

    def _load(
        self,
        s: Session | Connection,
        caller: Caller,
        instance_id: str,
        now: float | None = None,
        lock: bool = False,
    ) -> Instance:
        """The instance as ``caller`` sees it: one SELECT, ownership in its WHERE clause."""
        params = self._get_params(caller, instance_id)
        row = s.execute(reads.get_statement(not caller.is_admin, lock), params).first()
        if row is None:
            ensure_visible(caller, "instance", instance_id, None)  # raises NotFound
        assert row is not None
        return reads.build_instance(row, self.clock() if now is None else now, self.allowed_actions)
