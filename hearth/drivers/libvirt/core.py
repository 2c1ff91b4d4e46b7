"""What every part of the libvirt driver shares: the hosts, the store, the pool, domain lookup.

Instances are domains named ``<prefix><uuid>`` that carry Hearth metadata; the instance id is the
domain UUID. Anything else on the host (other prefixes, hand-made guests) is invisible here.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import libvirt
from sqlalchemy import Engine

from hearth.domain import Domain, DomainCapabilities, HostCapabilities, StoragePool
from hearth.errors import BackendError, NotFound

from ..base import Feature
from ..caller import Caller, ensure_visible
from ..resources import InstanceState
from ..stored import StoredDriver
from . import metadata
from .config import Host, LibvirtConfig
from .connection import Link
from .errors import is_code, libvirt_errors
from .metadata import InstanceMeta
from .states import map_state

INACTIVE = libvirt.VIR_DOMAIN_XML_INACTIVE


@dataclass
class Found:
    """A Hearth instance located on a host: the live handle, its persistent definition, its record."""

    link: Link
    dom: libvirt.virDomain
    xml: Domain
    meta: InstanceMeta

    @property
    def id(self) -> str:
        return str(self.dom.UUIDString())


class LibvirtBase(StoredDriver):
    name = "libvirt"
    features = frozenset(
        {
            Feature.user_data,
            Feature.authentication_key,
            Feature.volume_name,
            Feature.instance_count,
            Feature.realm_filter,
            Feature.hardware_profile_overrides,
            Feature.templates,
            Feature.create_stopped,
        }
    )

    def __init__(self, config: LibvirtConfig, engine: Engine, *, owns_engine: bool = False) -> None:
        super().__init__(engine, owns_engine=owns_engine)
        self.config = config
        self.links: dict[str, Link] = {h.realm: Link(h) for h in config.hosts}
        self._caps: dict[str, tuple[HostCapabilities, DomainCapabilities | None]] = {}
        self._lock = threading.Lock()
        self._stopping: dict[str, threading.Event] = {}
        config.state_dir.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        with self._lock:
            stops = list(self._stopping.values())
        for ev in stops:
            ev.set()
        for link in self.links.values():
            link.close()
        super().close()

    # --- hosts --------------------------------------------------------------------------------

    def _link(self, realm_id: str) -> Link:
        link = self.links.get(realm_id)
        if link is None:
            raise NotFound(f"realm {realm_id} not found", kind="realm", id=realm_id)
        return link

    def _default_link(self) -> Link:
        return next(iter(self.links.values()))

    def _host_dir(self, host: Host, *parts: str) -> Path:
        """A directory under the state dir that the hypervisor (running as another user) can read."""
        path = self.config.state_dir.joinpath(host.realm, *parts)
        path.mkdir(parents=True, exist_ok=True)
        for p in (self.config.state_dir, self.config.state_dir / host.realm, path):
            p.chmod(0o755)
        return path

    def capabilities_of(self, link: Link) -> tuple[HostCapabilities, DomainCapabilities | None]:
        cached = self._caps.get(link.host.realm)
        if cached is None:
            host = HostCapabilities.from_xml(
                link.run("reading host capabilities", lambda c: c.getCapabilities())
            )
            dom: DomainCapabilities | None = None
            if not link.is_test:
                arch = host.host_arch or "x86_64"
                dtype = self.domain_type(link, host)
                xml = link.run(
                    "reading domain capabilities",
                    lambda c: c.getDomainCapabilities(None, arch, None, dtype, 0),
                )
                dom = DomainCapabilities.from_xml(xml)
            cached = self._caps[link.host.realm] = (host, dom)
        return cached

    def domain_type(self, link: Link, host: HostCapabilities | None = None) -> str:
        """test for the test driver; kvm only when allowed and usable; else qemu (TCG)."""
        if link.is_test:
            return "test"
        if self.config.forced_tcg:
            return "qemu"
        if link.host.is_local and not os.access("/dev/kvm", os.R_OK | os.W_OK):
            return "qemu"
        host = host or self.capabilities_of(link)[0]
        guest = host.guest(host.host_arch or "x86_64")
        offered = [t.type for t in guest.domain_types] if guest is not None else []
        return "kvm" if "kvm" in offered else "qemu"

    # --- the storage pool images and disks live in --------------------------------------------

    def pool_name(self, link: Link) -> str:
        """The configured pool, or a dir pool under the state dir, made (and started) when missing.

        Checked on every use: a pool can disappear under us (an operator, or a test driver
        whose daemon restarted), and a cached name would then only produce confusing errors.
        """
        if self.config.pool is not None:
            pool = self.config.pool
            link.run(f"finding storage pool {pool}", lambda c: c.storagePoolLookupByName(pool))
            return pool
        name = f"{self.config.prefix}pool"
        self._ensure_dir_pool(link, name)
        return name

    def _ensure_dir_pool(self, link: Link, name: str) -> None:
        def ensure(c: libvirt.virConnect) -> None:
            try:
                pool = c.storagePoolLookupByName(name)
            except libvirt.libvirtError as exc:
                if not is_code(exc, libvirt.VIR_ERR_NO_STORAGE_POOL):
                    raise
                xml = StoragePool(type="dir", name=name)
                xml.target_path = str(self._host_dir(link.host, "pool"))
                xml.target_mode = "0755"
                pool = c.storagePoolDefineXML(xml.to_xml(), 0)
                pool.build(0)
            if not pool.isActive():
                pool.create(0)

        link.run(f"preparing storage pool {name}", ensure)

    # --- finding instances --------------------------------------------------------------------

    def _ours(self, dom: libvirt.virDomain) -> bool:
        return str(dom.name()).startswith(self.config.prefix)

    def _load(self, link: Link, dom: libvirt.virDomain) -> Found | None:
        """The instance behind ``dom``, or None if it is not a Hearth instance of this driver."""
        if not self._ours(dom):
            return None
        try:
            xml = Domain.from_xml(dom.XMLDesc(INACTIVE))
        except libvirt.libvirtError as exc:
            if is_code(exc, libvirt.VIR_ERR_NO_DOMAIN):
                return None  # removed while we looked
            raise
        meta = metadata.read(xml)
        return None if meta is None else Found(link, dom, xml, meta)

    def _find(self, caller: Caller, instance_id: str) -> Found:
        for link in self.links.values():
            found = link.run(f"looking up instance {instance_id}", self._lookup_on(link, instance_id))
            if found is not None:
                ensure_visible(caller, "instance", instance_id, found.meta.owner_id)
                return found
        raise NotFound(f"instance {instance_id} not found", kind="instance", id=instance_id)

    def _lookup_on(self, link: Link, instance_id: str) -> Callable[[libvirt.virConnect], Found | None]:
        def lookup(c: libvirt.virConnect) -> Found | None:
            try:
                dom = c.lookupByUUIDString(instance_id)
            except libvirt.libvirtError as exc:
                if is_code(exc, libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_ERR_INVALID_ARG):
                    return None
                raise
            return self._load(link, dom)

        return lookup

    def _all(self, link: Link) -> list[Found]:
        def scan(c: libvirt.virConnect) -> list[Found]:
            out = []
            for dom in c.listAllDomains(0):
                found = self._load(link, dom)
                if found is not None:
                    out.append(found)
            return out

        return link.run("listing domains", scan)

    def _refresh(self, found: Found) -> Found:
        with libvirt_errors(f"reading instance {found.id}"):
            fresh = self._load(found.link, found.dom)
        if fresh is None:
            raise BackendError(f"instance {found.id} vanished while it was being changed")
        return fresh

    def _redefine(self, found: Found, xml: Domain) -> None:
        """Replace the persistent definition (libvirt keeps the running guest as it is)."""
        found.link.run(f"updating the definition of instance {found.id}", lambda c: c.defineXML(xml.to_xml()))

    # --- state and device changes --------------------------------------------------------------

    def _state(self, found: Found) -> tuple[InstanceState, str | None]:
        state, reason = found.link.run(
            f"reading the state of instance {found.id}", lambda c: found.dom.state(0)
        )
        with self._lock:
            stopping = found.id in self._stopping
        return map_state(state, reason, stopping)

    def _state_of(self, found: Found) -> InstanceState:
        return self._state(found)[0]

    def _is_active(self, found: Found) -> bool:
        return bool(
            found.link.run(f"reading the state of instance {found.id}", lambda c: found.dom.isActive())
        )

    def _change_device(
        self, found: Found, verb: str, device_xml: str, edit: Callable[[Domain], None]
    ) -> None:
        """Attach, detach or update a device on the running guest and in its definition.

        A running guest gets the change live and persistent, a stopped one in its definition only.
        libvirt's test driver cannot hot-plug at all, so there the definition is edited directly
        (``edit``), which is what a stopped guest would get anyway.
        """
        if found.link.is_test:
            xml = Domain.from_xml(found.xml.to_xml())
            edit(xml)
            self._redefine(found, xml)
            return
        flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG
        if self._is_active(found):
            flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
        call = {
            "attach": found.dom.attachDeviceFlags,
            "detach": found.dom.detachDeviceFlags,
            "update": found.dom.updateDeviceFlags,
        }[verb]
        found.link.run(f"{verb}ing a device of instance {found.id}", lambda c: call(device_xml, flags))
