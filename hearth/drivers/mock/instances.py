"""Mock instances: the state machine of ``hearth.drivers.states`` over rows, with read-time timing.

Listing is the hot path (10,000 rows under 150 ms): it selects plain columns, fetches bindings and
public addresses in one query each, and builds models with ``model_construct`` because every value
was validated on its way into the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hearth.errors import ValidationError
from hearth.store import new_id
from hearth.store.interfaces import MockInstanceSpec
from hearth.store.models import MockAddress, MockBinding, MockHardwareProfile, MockInstance, MockVolume

from .. import profiles, states
from ..base import DEFAULT_STOP_TIMEOUT
from ..caller import Caller, ensure_visible, owner_scope
from ..resources import (
    Action,
    HwpPropertyName,
    ImageDiskSpec,
    Instance,
    InstanceCreate,
    InstanceFilter,
    InstanceState,
    InterfaceCreate,
    InterfaceType,
    NetworkBinding,
    build_trusted,
)
from .catalogue import check_image_usable, hwp_model
from .core import effective_state, gc_paused
from .nics import NicOps

_I = MockInstance
_COLUMNS = (
    _I.id,
    _I.name,
    _I.owner_id,
    _I.created,
    _I.state,
    _I.next_state,
    _I.next_at,
    _I.state_reason,
    _I.image_id,
    _I.template_id,
    _I.realm_id,
    _I.hwp_id,
    _I.hwp_overrides,
    _I.key_name,
)
_STATES = {s.value: s for s in InstanceState}
_HWP_NAMES = {n.value: n for n in HwpPropertyName}


class InstanceOps(NicOps):
    def list_instances(self, caller: Caller, filters: InstanceFilter | None = None) -> list[Instance]:
        filters = filters or InstanceFilter()
        self.require_features(filters)
        scope = owner_scope(caller, filters.owner_id)
        q = select(*_COLUMNS).order_by(_I.created, _I.id)
        bq = select(
            MockBinding.instance_id, MockBinding.network_id, MockBinding.subnet_id, MockBinding.ip_address
        )
        aq = select(MockAddress.instance_id, MockAddress.ip_address).where(
            MockAddress.instance_id.is_not(None)
        )
        if scope is not None:
            q = q.where(_I.owner_id.in_(scope))
            bq = bq.join(_I, _I.id == MockBinding.instance_id).where(_I.owner_id.in_(scope))
            aq = aq.where(MockAddress.owner_id.in_(scope))
        sq = select(MockInstanceSpec.instance_id, MockInstanceSpec.memory_mib, MockInstanceSpec.vcpus)
        if scope is not None:
            sq = sq.join(_I, _I.id == MockInstanceSpec.instance_id).where(_I.owner_id.in_(scope))
        if filters.realm_id is not None:
            q = q.where(_I.realm_id == filters.realm_id)
        with gc_paused():
            with self._read() as s:
                rows = s.execute(q).all()
                bindings = _group_bindings(s.execute(bq).all())
                public = _group_addresses(s.execute(aq).all())
                sizes = _Sizes(s, s.execute(sq).all())
            now = self.clock()
            views = [self._view(r, now, bindings, public, sizes) for r in rows]
        if filters.state is not None:
            views = [v for v in views if v.state is filters.state]
        return views

    def get_instance(self, caller: Caller, instance_id: str) -> Instance:
        with self._read() as s:
            return self._load(s, caller, instance_id)

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
            instance_id = new_id()
            now = self.clock()
            boot = self.timing.boot_seconds
            row = MockInstance(
                id=instance_id,
                name=request.name or f"inst-{instance_id[:8]}",
                owner_id=caller.user_id,
                state=(states.INITIAL_STATE if boot > 0 else states.BOOTED_STATE).value,
                next_state=states.BOOTED_STATE.value if boot > 0 else None,
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

    def _load(
        self, s: Session, caller: Caller, instance_id: str, now: float | None = None, lock: bool = False
    ) -> Instance:
        q = select(*_COLUMNS).where(_I.id == instance_id)
        row = s.execute(q.with_for_update() if lock else q).first()
        ensure_visible(caller, "instance", instance_id, row.owner_id if row else None)
        assert row is not None
        bq = select(
            MockBinding.instance_id, MockBinding.network_id, MockBinding.subnet_id, MockBinding.ip_address
        )
        aq = select(MockAddress.instance_id, MockAddress.ip_address)
        bindings = _group_bindings(s.execute(bq.where(MockBinding.instance_id == instance_id)).all())
        public = _group_addresses(s.execute(aq.where(MockAddress.instance_id == instance_id)).all())
        spec = s.get(MockInstanceSpec, instance_id)
        sizes = _Sizes(s, [(instance_id, spec.memory_mib, spec.vcpus)] if spec else [])
        return self._view(row, self.clock() if now is None else now, bindings, public, sizes)

    def _view(
        self,
        r: Sequence[Any],
        now: float,
        bindings: dict[str, list[NetworkBinding]],
        public: dict[str, list[str]],
        sizes: _Sizes,
    ) -> Instance:
        (
            iid,
            name,
            owner,
            created,
            state,
            next_state,
            next_at,
            reason,
            image,
            template,
            realm,
            hwp,
            ovr,
            key,
        ) = r
        if next_state is not None and next_at is not None and now >= next_at:
            state = next_state
        st = _STATES[state]
        mine = bindings.get(iid, [])
        memory, vcpus = sizes.of(iid, hwp, ovr)
        return build_trusted(
            Instance,
            {
                "id": iid,
                "name": name,
                "owner_id": owner,
                "created": created,
                "state": st,
                "state_reason": reason,
                "actions": self.allowed_actions(st),
                "image": image,
                "template": template,
                "realm": realm,
                "hardware_profile": hwp,
                "hardware_profile_overrides": {_HWP_NAMES[k]: v for k, v in ovr.items()} if ovr else {},
                "key_name": key,
                "network_bindings": mine,
                "public_addresses": public.get(iid, []),
                "private_addresses": [b.ip_address for b in mine],
                "memory_mib": memory,
                "vcpus": vcpus,
            },
        )


class _Sizes:
    """Memory and vCPUs per instance: the spec's when built from a template, else the profile's
    value with the instance's overrides (profiles are few, so they are read once per call)."""

    def __init__(self, s: Session, specs: Iterable[Sequence[Any]]) -> None:
        self.specs = {iid: (mem, cpus) for iid, mem, cpus in specs}
        self.profiles: dict[str, tuple[Any, Any]] = {}
        for hwp_id, props in s.execute(select(MockHardwareProfile.id, MockHardwareProfile.properties)):
            mem, cpu = props.get("memory"), props.get("cpu")
            self.profiles[hwp_id] = (mem["value"] if mem else None, cpu["value"] if cpu else None)

    def of(self, iid: str, hwp: str, ovr: dict[str, Any] | None) -> tuple[int | None, int | None]:
        spec = self.specs.get(iid)
        if spec is not None:
            return spec
        mem, cpu = self.profiles.get(hwp, (None, None))
        if ovr:
            mem, cpu = ovr.get("memory", mem), ovr.get("cpu", cpu)
        return (mem if isinstance(mem, int) else None), (cpu if isinstance(cpu, int) else None)


def _group_bindings(rows: Iterable[Sequence[Any]]) -> dict[str, list[NetworkBinding]]:
    out: dict[str, list[NetworkBinding]] = defaultdict(list)
    for instance_id, network, subnet, ip in rows:
        out[instance_id].append(
            build_trusted(NetworkBinding, {"network": network, "subnet": subnet, "ip_address": ip})
        )
    return out


def _group_addresses(rows: Iterable[Sequence[Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for instance_id, ip in rows:
        out[instance_id].append(ip)
    return out
