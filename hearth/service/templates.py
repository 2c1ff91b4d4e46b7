"""Templates → instances: Kimchi's templates with direct interfaces, owned, validated against the host.

A template is stored with every default resolved (site template.conf, then osinfo, then built-in
values), so what ``GET`` shows is what an instance gets. Host-dependent parts (networks, macvtap
devices, bridges, OVS bridges, pools, images, local files) are checked when they are written —
a missing one is a 400 naming it — and again whenever the template is shown or used, because
the host changes under a stored template: ``invalid`` lists what is missing now, and using a
template with missing parts is refused with the same names.

The service asks the driver about networks, images and pools, and the ``HostFacts`` provider
about host devices; it never talks to libvirt itself.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hearth.designer.sources import is_url
from hearth.drivers import Caller, Capabilities, Driver, Operation
from hearth.drivers.caller import can_see, owner_scope
from hearth.drivers.pools import find_pool
from hearth.drivers.resources import (
    DiskSpec,
    GraphicsSpec,
    ImageDiskSpec,
    Instance,
    InstanceCreate,
    InstanceSpec,
    InterfaceCreate,
    StoragePool,
)
from hearth.errors import Conflict, Forbidden, NotFound, ValidationError
from hearth.host import HostFacts, HostInterface, LocalHost
from hearth.host.nic_sources import nic_source_problem, ovs_bridge_names
from hearth.osinfo import osinfo_arch
from hearth.store import new_id, read_session, store_errors, write_session
from hearth.store.models import utcnow
from hearth.store.templates import TemplateRow
from hearth.vocab.macvtap_modes import DEFAULT_MACVTAP_MODE
from hearth.vocab.nic_kinds import InterfaceType

from .tasks import Progress, Task, TaskRunner
from .template_defaults import (
    FALLBACK_DISK_GIB,
    FALLBACK_MEMORY_MIB,
    TemplateDefaults,
    default_path,
    load_defaults,
)
from .template_models import (
    BaseImageDisk,
    NewDisk,
    Template,
    TemplateCreate,
    TemplateDefinition,
    TemplateDisk,
    TemplateInvalid,
    TemplateMemory,
    TemplateUpdate,
    TemplateVcpus,
)

OPAQUE_PROFILE = "opaque"
NO_DEFAULT_NETWORK_ARCHES = frozenset({"s390x"})
HOST_PARTS = ("networks", "interfaces", "disks", "cdrom", "kernel", "initrd")


class OSLookup(Protocol):
    def get(self, short_id: str) -> Any: ...


class ServiceParts(Protocol):
    """What the templates service needs from ``hearth.service.Service``."""

    driver: Driver
    engine: Engine
    tasks: TaskRunner
    capabilities: Capabilities

    def require(self, op: Operation) -> None: ...


@dataclass
class _Problem:
    kind: str  # a TemplateInvalid field
    item: str
    message: str


@dataclass
class _HostView:
    """The host and driver facts one request needs, each fetched at most once."""

    service: TemplateService
    caller: Caller
    _cache: dict[str, Any] = field(default_factory=dict)

    def _once(self, key: str, fetch: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = fetch()
        return self._cache[key]

    def networks(self) -> set[str] | None:
        """Names and ids of the networks the caller may use; None when the driver has none."""
        caps = self.service.capabilities
        if not caps.supports(Operation.networks_list):
            return None
        nets = self._once("networks", lambda: self.service.driver.list_networks(self.caller))
        return {n.name for n in nets} | {n.id for n in nets}

    def pools(self) -> list[StoragePool] | None:
        """The storage pools template disks may name (by id or name); None when the driver has none."""
        if not self.service.capabilities.supports(Operation.pools_list):
            return None
        found: list[StoragePool] = self._once("pools", lambda: self.service.driver.list_pools(self.caller))
        return found

    def interfaces(self) -> dict[str, HostInterface]:
        found: dict[str, HostInterface] = self._once(
            "ifaces", lambda: {i.name: i for i in self.service.host.interfaces()}
        )
        return found

    def ovs_bridges(self) -> tuple[set[str], str | None]:
        result: tuple[set[str], str | None] = self._once("ovs", lambda: ovs_bridge_names(self.service.host))
        return result

    def image_exists(self, image_id: str) -> bool | None:
        if not self.service.capabilities.supports(Operation.images_get):
            return None

        def fetch() -> bool:
            try:
                self.service.driver.get_image(self.caller, image_id)
            except NotFound:
                return False
            return True

        found: bool = self._once(f"image:{image_id}", fetch)
        return found


class TemplateService:
    """CRUD, clone and instantiate for templates; one per Service."""

    def __init__(
        self,
        service: ServiceParts,
        *,
        host: HostFacts | None = None,
        defaults: TemplateDefaults | None = None,
        osdb: OSLookup | None = None,
    ) -> None:
        self.service = service
        self.driver = service.driver
        self.engine = service.engine
        self.capabilities = service.capabilities
        self.host: HostFacts = host or LocalHost()
        self.defaults = defaults or TemplateDefaults()
        self._osdb = osdb

    # --- CRUD ---------------------------------------------------------------------------------

    def create(self, caller: Caller, request: TemplateCreate) -> Template:
        view = _HostView(self, caller)
        definition = self._resolve_defaults(caller, request, view)
        self._check_new(caller, definition, view, set(HOST_PARTS) | {"os"})
        now = utcnow()
        with self._write() as s:
            self._name_free(s, caller.user_id, request.name)
            row = TemplateRow(
                id=new_id(),
                name=request.name,
                owner_id=caller.user_id,
                created=now,
                updated=now,
                definition=definition.model_dump(mode="json"),
            )
            s.add(row)
            s.flush()
        return self._show(row, definition, view)

    def get(self, caller: Caller, ref: str) -> Template:
        with self._read() as s:
            row = self._find(s, caller, ref)
        return self._show(row, _definition(row), _HostView(self, caller))

    def list(self, caller: Caller, *, name: str | None = None) -> builtins.list[Template]:
        q = select(TemplateRow).order_by(TemplateRow.created, TemplateRow.id)
        if name is not None:
            q = q.where(TemplateRow.name == name)
        scope = owner_scope(caller)
        if scope is not None:
            q = q.where(TemplateRow.owner_id.in_(scope))
        with self._read() as s:
            rows = list(s.scalars(q))
        view = _HostView(self, caller)
        return [self._show(r, _definition(r), view) for r in rows]

    def update(self, caller: Caller, ref: str, request: TemplateUpdate) -> Template:
        view = _HostView(self, caller)
        with self._read() as s:
            row = self._find(s, caller, ref)
        changed = request.model_fields_set - {"name"}
        merged = _definition(row).model_dump(mode="json")
        for name in changed:
            value = getattr(request, name)
            merged[name] = value.model_dump(mode="json") if hasattr(value, "model_dump") else _dump(value)
        if "disks" in changed:
            merged["disks"] = [_dump(d) for d in self._with_default_pool(request.disks or [])]
        if "interfaces" in changed:
            merged["interfaces"] = _dump(_interfaces_with_mode(request.interfaces or []))
        definition = _checked_definition(merged)
        self._check_new(caller, definition, view, changed)
        with self._write() as s:
            fresh = s.get(TemplateRow, row.id)
            if fresh is None:
                raise NotFound(f"template {ref} not found", kind="template", id=ref)
            if request.name is not None and request.name != fresh.name:
                self._name_free(s, fresh.owner_id, request.name)
                fresh.name = request.name
            fresh.definition = definition.model_dump(mode="json")
            fresh.updated = utcnow()
            s.flush()
            row = fresh
        return self._show(row, definition, view)

    def delete(self, caller: Caller, ref: str) -> None:
        with self._write() as s:
            row = self._find(s, caller, ref)
            s.delete(row)

    def clone(self, caller: Caller, ref: str, name: str | None = None) -> Template:
        """A copy owned by the caller, named ``name`` or ``<name>-clone<N>``."""
        now = utcnow()
        with self._write() as s:
            src = self._find(s, caller, ref)
            if name is None:
                name = self._clone_name(s, caller.user_id, src.name)
            else:
                self._name_free(s, caller.user_id, name)
            row = TemplateRow(
                id=new_id(),
                name=name,
                owner_id=caller.user_id,
                created=now,
                updated=now,
                definition=dict(src.definition),
            )
            s.add(row)
            s.flush()
        return self._show(row, _definition(row), _HostView(self, caller))

    # --- templates → instances ------------------------------------------------------------------

    def instantiate(
        self,
        caller: Caller,
        template: str,
        *,
        name: str | None = None,
        realm: str | None = None,
        start: bool = True,
        instance_id: str | None = None,
    ) -> Task:
        """Create an instance from a template, as a task (its disks may take long to make),
        under ``instance_id`` when the service chose it (feature ``chosen_id``).

        ``start=False`` asks the driver to define it STOPPED (feature ``create_stopped``): it is
        never booted, so nothing in the guest runs before its owner starts it."""
        self.service.require(Operation.instances_create)
        with self._read() as s:
            row = self._find(s, caller, template)
        definition = _definition(row)
        problems = self._problems(caller, definition, _HostView(self, caller), set(HOST_PARTS))
        if problems:
            raise ValidationError(
                f"template {row.name} cannot be used on this host now: "
                + "; ".join(p.message for p in problems),
                template=row.name,
                invalid=_invalid(problems).model_dump(),
            )
        request = InstanceCreate(
            template_id=row.id,
            hwp_id=self._profile(caller),
            realm_id=realm,
            name=name,
            spec=instance_spec(definition),
            start=start,
            instance_id=instance_id,
        )
        self.driver.require_features(request)
        template_name = row.name
        making = "creating the instance and its disks" if definition.disks else "creating the instance"

        def work(progress: Progress) -> Instance:
            progress.update(5, making)
            made = self.driver.create_instance(caller, request)
            progress.update(99, f"created instance {made.id}" + ("" if start else ", stopped"))
            return made

        return self.service.tasks.submit(
            caller, "instances.create", f"create an instance from template {template_name}", work
        )

    # --- defaults and checks --------------------------------------------------------------------

    def _resolve_defaults(self, caller: Caller, req: TemplateCreate, view: _HostView) -> TemplateDefinition:
        d = self.defaults
        os_entry = self._os(req.os)
        arch = osinfo_arch(self.host.info().arch)
        rec = _recommended(os_entry, arch)
        memory = req.memory
        if memory is None:
            current = d.memory_mib or rec.memory_mib or FALLBACK_MEMORY_MIB
            memory = TemplateMemory(current=current, max=max(current, d.max_memory_mib or current))
        elif memory.max is None:
            memory = TemplateMemory(current=memory.current, max=memory.current)
        vcpus = req.vcpus
        if vcpus is None:
            cur = d.vcpus or rec.vcpus or 1
            vcpus = TemplateVcpus(current=cur, max=max(cur, d.max_vcpus or cur))
        elif vcpus.max is None:
            vcpus = TemplateVcpus(current=vcpus.current, max=vcpus.current, topology=vcpus.topology)
        if req.disks is None:
            size = d.disk_size_gib or rec.disk_gib or FALLBACK_DISK_GIB
            disks: builtins.list[TemplateDisk] = [NewDisk(size=size, format=d.disk_format, pool=d.disk_pool)]
        else:
            disks = self._with_default_pool(req.disks)
        networks = req.networks
        if networks is None:
            # The site's default networks, where this host and driver have networks at all.
            serves = view.networks() is not None
            networks = [] if arch in NO_DEFAULT_NETWORK_ARCHES or not serves else list(d.networks)
        graphics = req.graphics
        values: dict[str, Any] = {
            "os": req.os,
            "memory": memory.model_dump(mode="json"),
            "vcpus": vcpus.model_dump(mode="json"),
            "disks": [_dump(x) for x in disks],
            "cdrom": req.cdrom,
            "kernel": req.kernel,
            "initrd": req.initrd,
            "cmdline": req.cmdline,
            "graphics": graphics.model_dump(mode="json")
            if graphics is not None
            else {"type": d.graphics_type.value, "listen": d.graphics_listen},
            "networks": networks,
            "interfaces": _dump(_interfaces_with_mode(req.interfaces)),
        }
        definition = _checked_definition(values)
        if req.networks is None and networks:
            missing = [n for n in networks if n not in (view.networks() or set())]
            if missing:
                raise ValidationError(
                    f"default network {missing[0]!r} (from {d.source}) does not exist; "
                    "give the template's networks explicitly",
                    network=missing[0],
                )
        return definition

    def _with_default_pool(self, disks: builtins.list[TemplateDisk]) -> builtins.list[TemplateDisk]:
        pool = self.defaults.disk_pool
        if pool is None:
            return list(disks)
        return [
            d.model_copy(update={"pool": pool}) if isinstance(d, NewDisk) and d.pool is None else d
            for d in disks
        ]

    def _os(self, short_id: str) -> Any:
        if self._osdb is None:
            from hearth.osinfo import default_db

            self._osdb = default_db()
        try:
            return self._osdb.get(short_id)
        except NotFound as exc:
            raise ValidationError(exc.message, os=short_id) from None

    def _check_new(
        self, caller: Caller, definition: TemplateDefinition, view: _HostView, parts: set[str]
    ) -> None:
        """Refuse what a write would store broken: the first of each kind, named, in one 400."""
        if "os" in parts:
            self._os(definition.os)
        if "interfaces" in parts:
            for i, nic in enumerate(definition.interfaces):
                if nic.mode is not None and nic.type is not InterfaceType.macvtap:
                    raise ValidationError(
                        f"interfaces[{i}]: mode applies to macvtap interfaces only, not {nic.type.value}",
                        field=f"interfaces.{i}.mode",
                    )
        local = [
            (what, getattr(definition, what))
            for what in ("cdrom", "kernel", "initrd")
            if what in parts
            and getattr(definition, what) is not None
            and not is_url(getattr(definition, what))
        ]
        if local and not caller.is_admin:
            what, path = local[0]
            raise Forbidden(
                f"only an admin may point a template's {what} at a file on the host ({path}); "
                + ("use a URL" if what == "cdrom" else "ask an admin to create the template"),
                field=what,
            )
        problems = self._problems(caller, definition, view, parts)
        if problems:
            raise ValidationError(
                "; ".join(p.message for p in problems), invalid=_invalid(problems).model_dump()
            )

    def _problems(
        self, caller: Caller, definition: TemplateDefinition, view: _HostView, parts: set[str]
    ) -> builtins.list[_Problem]:
        out: builtins.list[_Problem] = []
        if "networks" in parts and definition.networks:
            known = view.networks()
            for net in definition.networks:
                if known is None:
                    out.append(
                        _Problem(
                            "networks",
                            net,
                            f"the {self.capabilities.driver} driver has no networks, "
                            f"so network {net!r} cannot be used",
                        )
                    )
                elif net not in known:
                    out.append(_Problem("networks", net, f"network {net!r} does not exist"))
        if "interfaces" in parts:
            for nic in definition.interfaces:
                message = self._interface_problem(nic.type, nic.source, view)
                if message:
                    out.append(_Problem("interfaces", nic.source, message))
        if "disks" in parts:
            for disk in definition.disks:
                out.extend(self._disk_problems(disk, view))
        for what in ("cdrom", "kernel", "initrd"):
            path = getattr(definition, what)
            if what not in parts or path is None or is_url(path):
                continue
            kind = "cdrom" if what == "cdrom" else "files"
            if not _readable_file(path):
                out.append(_Problem(kind, path, f"{what} {path!r} is not a readable file on this host"))
                continue
            problem = self.driver.host_file_problem(caller, what, path)
            if problem is not None:
                out.append(_Problem(kind, path, problem))
        return out

    def _interface_problem(self, kind: InterfaceType, source: str, view: _HostView) -> str | None:
        return nic_source_problem(kind, source, view.interfaces(), view.ovs_bridges)

    def _disk_problems(self, disk: TemplateDisk, view: _HostView) -> builtins.list[_Problem]:
        if isinstance(disk, BaseImageDisk):
            found = view.image_exists(disk.base)
            if found is None:
                return [
                    _Problem(
                        "images",
                        disk.base,
                        f"the {self.capabilities.driver} driver has no images, "
                        f"so image {disk.base!r} cannot be used",
                    )
                ]
            return [] if found else [_Problem("images", disk.base, f"image {disk.base!r} does not exist")]
        if disk.pool is None:
            return []
        pools = view.pools()
        if pools is None:
            return [
                _Problem(
                    "pools",
                    disk.pool,
                    f"the {self.capabilities.driver} driver has no storage pools "
                    f"to check, so pool {disk.pool!r} cannot be used; omit pool",
                )
            ]
        return (
            []
            if find_pool(pools, disk.pool) is not None
            else [_Problem("pools", disk.pool, f"storage pool {disk.pool!r} does not exist")]
        )

    def _profile(self, caller: Caller) -> str:
        """The hardware profile an instance from a template names: the spec's sizes win over it,
        so an opaque profile (no properties) is preferred."""
        if not self.capabilities.supports(Operation.hardware_profiles_list):
            return OPAQUE_PROFILE
        profiles = self.driver.list_hardware_profiles(caller)
        if not profiles:
            raise ValidationError(f"the {self.capabilities.driver} driver offers no hardware profile")
        for p in profiles:
            if p.id == OPAQUE_PROFILE:
                return p.id
        opaque = [p for p in profiles if not p.properties]
        return (opaque or profiles)[0].id

    # --- store ----------------------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with store_errors("the template store"), read_session(self.engine) as s:
            yield s

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with store_errors("the template store"), write_session(self.engine) as s:
            yield s

    def _find(self, s: Session, caller: Caller, ref: str) -> TemplateRow:
        """By id, else by name among the templates the caller sees (their own first)."""
        row = s.get(TemplateRow, ref)
        if row is not None and can_see(caller, row.owner_id):
            return row
        q = select(TemplateRow).where(TemplateRow.name == ref)
        scope = owner_scope(caller)
        if scope is not None:
            q = q.where(TemplateRow.owner_id.in_(scope))
        rows: builtins.list[TemplateRow] = list(s.scalars(q))
        mine = [r for r in rows if r.owner_id == caller.user_id]
        if len(mine) == 1:
            return mine[0]
        if len(rows) == 1:
            return rows[0]
        if rows:
            raise ValidationError(
                f"{len(rows)} templates of different owners are named {ref!r}; give the template id",
                template=ref,
            )
        raise NotFound(f"template {ref} not found", kind="template", id=ref)

    def _name_free(self, s: Session, owner_id: str, name: str) -> None:
        taken = s.scalar(
            select(TemplateRow.id).where(TemplateRow.owner_id == owner_id, TemplateRow.name == name)
        )
        if taken is not None:
            raise Conflict(f"a template named {name!r} already exists", template=name)

    def _clone_name(self, s: Session, owner_id: str, base: str) -> str:
        names = set(s.scalars(select(TemplateRow.name).where(TemplateRow.owner_id == owner_id)))
        n = 1
        while True:
            suffix = f"-clone{n}"
            candidate = base[: 63 - len(suffix)] + suffix
            if candidate not in names:
                return candidate
            n += 1

    def _show(self, row: TemplateRow, definition: TemplateDefinition, view: _HostView) -> Template:
        invalid = _invalid(self._problems(view.caller, definition, view, set(HOST_PARTS)))
        return Template(
            **definition.model_dump(),
            id=row.id,
            name=row.name,
            owner_id=row.owner_id,
            created=row.created,
            updated=row.updated,
            invalid=invalid,
        )


# --- helpers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Recommended:
    memory_mib: int | None
    vcpus: int | None
    disk_gib: int | None


def _recommended(os_entry: Any, arch: str) -> _Recommended:
    """osinfo's recommendation, or twice its minimum (virt-install's rule when only that is known)."""
    rec = os_entry.resources("recommended", arch)
    low = os_entry.resources("minimum", arch)

    def pick(attr: str) -> int | None:
        value = getattr(rec, attr, None) if rec is not None else None
        if value:
            return int(value)
        floor = getattr(low, attr, None) if low is not None else None
        return int(floor) * 2 if floor else None

    mem, cpus, disk = pick("ram_bytes"), pick("n_cpus"), pick("storage_bytes")
    return _Recommended(
        memory_mib=mem // 2**20 if mem else None,
        vcpus=cpus,
        disk_gib=max(1, disk // 2**30) if disk else None,
    )


def instance_spec(d: TemplateDefinition) -> InstanceSpec:
    """The contract's view of a template: what a driver needs to build the guest."""
    disks: list[DiskSpec | ImageDiskSpec] = [
        ImageDiskSpec(image_id=x.base)
        if isinstance(x, BaseImageDisk)
        else DiskSpec(size_gib=x.size, format=x.format, pool=x.pool)
        for x in d.disks
    ]
    return InstanceSpec(
        os=d.os,
        memory_mib=d.memory.current,
        max_memory_mib=d.memory.max,
        vcpus=d.vcpus.current,
        max_vcpus=d.vcpus.max,
        topology=d.vcpus.topology,
        disks=disks,
        cdrom=d.cdrom,
        kernel=d.kernel,
        initrd=d.initrd,
        cmdline=d.cmdline,
        graphics=GraphicsSpec(type=d.graphics.type, listen=d.graphics.listen),
        networks=list(d.networks),
        interfaces=[InterfaceCreate(type=n.type, source=n.source, mode=n.mode) for n in d.interfaces],
    )


def _interfaces_with_mode(nics: list[Any]) -> list[Any]:
    """Macvtap NICs show their mode (bridge unless given); mode on other types is left for the
    check that refuses it by name."""
    return [
        n.model_copy(update={"mode": DEFAULT_MACVTAP_MODE})
        if n.type is InterfaceType.macvtap and n.mode is None
        else n
        for n in nics
    ]


def _dump(value: Any) -> Any:
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


def _checked_definition(values: dict[str, Any]) -> TemplateDefinition:
    """The resolved template, or one 400 naming what is inconsistent (e.g. an initrd without kernel)."""
    try:
        return TemplateDefinition.model_validate(values)
    except PydanticValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            msg = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {msg}" if where else msg)
        raise ValidationError("invalid template: " + "; ".join(problems)) from None


def _definition(row: TemplateRow) -> TemplateDefinition:
    return TemplateDefinition.model_validate(row.definition)


def _invalid(problems: list[_Problem]) -> TemplateInvalid:
    groups: dict[str, list[str]] = {}
    for p in problems:
        items = groups.setdefault(p.kind, [])
        if p.item not in items:
            items.append(p.item)
    return TemplateInvalid(**groups)


def _readable_file(path: str) -> bool:
    p = Path(path)
    return p.is_file() and os.access(p, os.R_OK)


def make_templates(service: ServiceParts) -> TemplateService:
    """The factory ``hearth.service.Service`` looks for: local host facts, site defaults."""
    return TemplateService(service, host=LocalHost(), defaults=load_defaults(default_path()))
