"""What every part of the libvirt driver shares: the hosts, the store, the pool, domain lookup.

Instances are domains whose Hearth metadata carries this server's id; the instance id is the
domain UUID, the domain name ``<prefix><name>`` (easy to find with virsh). Anything else on the
host (another server's guests, hand-made ones) is invisible here; taking over another server's
guest is an admin's explicit ``adopt``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import libvirt
from sqlalchemy import Engine

from hearth.domain import Domain, DomainCapabilities, HostCapabilities, Interface, StoragePool
from hearth.errors import HearthError, NotFound, ValidationError
from hearth.host.nic_sources import local_nic_source_problem
from hearth.store.identity import server_id as store_server_id
from hearth.store.media import media_roots
from hearth.vocab.instance_states import InstanceState
from hearth.vocab.nic_kinds import HOST_DEVICE_KINDS, InterfaceType

from ..caller import Caller, ensure_visible
from ..stored import StoreContext
from . import metadata
from .access import QemuUser
from .config import Host, LibvirtConfig
from .connection import Link, Slots
from .detaches import NicDetaches
from .errors import is_code
from .metadata import InstanceMeta
from .states import map_state

INACTIVE = libvirt.VIR_DOMAIN_XML_INACTIVE
log = logging.getLogger(__name__)


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


class LibvirtContext(StoreContext):
    """One driver's hosts (a ``Link`` each), its store and config, and what is read once per host
    (capabilities, QEMU's user); every part of the driver holds the same one."""

    def __init__(
        self, config: LibvirtConfig, engine: Engine, driver_name: str, *, owns_engine: bool = False
    ) -> None:
        super().__init__(engine, driver_name, owns_engine=owns_engine)
        self.config = config
        self.server_id = store_server_id(engine, config.server_id)
        self.links: dict[str, Link] = {h.realm: Link(h) for h in config.hosts}
        self._caps: dict[str, tuple[HostCapabilities, DomainCapabilities | None]] = {}
        self._qemu_users: dict[str, QemuUser | None] = {}
        self._lock = threading.Lock()
        self._stopping: dict[str, threading.Event] = {}
        # One pool check at a time per host: requests arriving together after a restart would
        # otherwise each define or start the pool, and all but one fail. Waited for boundedly.
        self._pool_checks = {h.realm: Slots(1) for h in config.hosts}
        self.detaches = NicDetaches(config.nic_detach_seconds)  # NIC removals a guest has yet to finish
        config.state_dir.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        """End the graceful stops under way and the connections, then the store."""
        with self._lock:
            stops = list(self._stopping.values())
        for ev in stops:
            ev.set()
        self.detaches.close()
        for link in self.links.values():
            link.close()
        super().close()

    # --- hosts --------------------------------------------------------------------------------

    def link(self, realm_id: str) -> Link:
        link = self.links.get(realm_id)
        if link is None:
            raise NotFound(f"realm {realm_id} not found", kind="realm", id=realm_id)
        return link

    def default_link(self) -> Link:
        return next(iter(self.links.values()))

    @property
    def several_hosts(self) -> bool:
        """With several hosts a pool's id names its realm: the same pool name is on each."""
        return len(self.links) > 1

    def host_report(self) -> dict[str, str | None]:
        """Reach every host now, in parallel, each bounded by the link's wait: realm -> the reason
        it is down (None when reached). Hosts that are down are retried in the background."""
        results: dict[str, str | None] = {}

        def one(realm: str, link: Link) -> None:
            results[realm] = link.connect()

        threads = [threading.Thread(target=one, args=item, daemon=True) for item in self.links.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return {realm: results.get(realm) for realm in self.links}

    def host_dir(self, host: Host, *parts: str) -> Path:
        """A directory of the server's own under the state dir: never one QEMU has to open
        (consoles are written by virtlogd, which runs as root)."""
        path = self.config.state_dir.joinpath(host.realm, *parts)
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
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

    # --- host files a guest is given ------------------------------------------------------------

    def _qemu_user(self, link: Link) -> QemuUser | None:
        """Who QEMU runs as on this host (its DAC label), for hosts whose files we can look at;
        read once per host, like its capabilities (both change only with a libvirtd restart)."""
        if not link.host.is_local or link.is_test:
            return None
        realm = link.host.realm
        if realm not in self._qemu_users:
            host = self.capabilities_of(link)[0]
            label = host.dac_label(self.domain_type(link, host))
            self._qemu_users[realm] = None if label is None else QemuUser.of(*label)
        return self._qemu_users[realm]

    def check_reachable(self, link: Link, label: str, path: str) -> None:
        """Refuse (400) a host file QEMU could not open once the guest starts."""
        user = self._qemu_user(link)
        problem = None if user is None else user.problem(label, path)
        if problem is not None:
            raise ValidationError(problem, **{label: path})

    def host_file(self, link: Link, label: str, path: str, caller: Caller | None = None) -> str:
        """A host file a request names (kernel, initrd, ISO, floppy): resolved, inside the allowed
        directories or a media source, and reachable by QEMU; refused with a 400 naming the path
        otherwise. Paths on a remote host are that host's business and pass as given.

        ``caller`` is the tenant behind a raw path (a medium they insert); None for paths an admin
        vetted (a template's). A tenant never gets a file of the disk pool: other guests' disks
        live there, and the default pool's directory is one of the allowed ones."""
        if not link.host.is_local:
            return path
        real = self.config.check_host_file(label, path, extra_roots=media_roots(self.engine))
        if caller is not None and not caller.is_admin:
            pool_dir = Path(self.config.pool_path).resolve()
            if Path(real).is_relative_to(pool_dir):
                raise ValidationError(
                    f"{label} {path!r} is in the disk pool ({pool_dir}): guests' disks are not media",
                    **{label: path},
                )
        self.check_reachable(link, label, real)
        return real

    def host_file_problem(self, label: str, path: str) -> str | None:
        """Why an instance could not be given ``path`` on the default host (template checks)."""
        try:
            self.host_file(self.default_link(), label, path)
        except ValidationError as exc:
            return exc.message
        except HearthError:
            return None  # the host is down: the create will say so
        return None

    def check_nic_source(self, link: Link, kind: InterfaceType, source: str | None) -> None:
        """A bridge, OVS bridge or macvtap NIC's host device must exist (and fit) before libvirt is
        asked; checked from this host's own facts, so only for a local host (libvirt's test driver
        has no host devices to check)."""
        if kind not in HOST_DEVICE_KINDS or source is None or not link.host.is_local or link.is_test:
            return
        problem = local_nic_source_problem(kind, source)
        if problem is not None:
            raise ValidationError(problem, source=source, type=kind.value)

    # --- the storage pool images and disks live in --------------------------------------------

    def pool_name(self, link: Link) -> str:
        """The pool disks, images and seeds go into (libvirt's ``default`` unless configured).

        A host without it gets it as virt-install makes it: a dir pool at ``pool_path`` on that
        host's own filesystem, built, autostarted and started. Checked on every use: a pool can
        disappear under us (an operator, or a test driver whose daemon restarted), and a cached
        name would then only produce confusing errors.
        """
        name = self.config.pool

        def ensure(c: libvirt.virConnect) -> None:
            try:
                pool = c.storagePoolLookupByName(name)
            except libvirt.libvirtError as exc:
                if not is_code(exc, libvirt.VIR_ERR_NO_STORAGE_POOL):
                    raise
                xml = StoragePool(type="dir", name=name)
                xml.target_path = self.config.pool_path
                pool = c.storagePoolDefineXML(xml.to_xml(), 0)
                log.info("defined storage pool %s at %s on %s", name, self.config.pool_path, link.where)
                pool.build(0)
                pool.setAutostart(1)
            if not pool.isActive():
                pool.create(0)

        busy = f"{link.where} has not answered a check of storage pool {name}; try again later"
        with self._pool_checks[link.host.realm].hold(lambda: link.unanswered(busy)):
            link.run(f"preparing storage pool {name}", ensure)
        return name

    # --- finding instances --------------------------------------------------------------------

    def _load(self, link: Link, dom: libvirt.virDomain, *, any_server: bool = False) -> Found | None:
        """The instance behind ``dom``, or None if it is not a Hearth instance of this server
        (``any_server``: of any Hearth server, for adoption)."""
        try:
            xml = Domain.from_xml(dom.XMLDesc(INACTIVE))
        except libvirt.libvirtError as exc:
            if is_code(exc, libvirt.VIR_ERR_NO_DOMAIN):
                return None  # removed while we looked
            raise
        meta = metadata.read(xml)
        if meta is None or not (any_server or meta.server == self.server_id):
            return None
        return Found(link, dom, xml, meta)

    def find(self, caller: Caller, instance_id: str) -> Found:
        """This server's instance ``instance_id`` on whichever host has it, if ``caller`` may see it."""
        for link in self.links.values():
            found = link.run(f"looking up instance {instance_id}", self._lookup_on(link, instance_id))
            if found is not None:
                ensure_visible(caller, "instance", instance_id, found.meta.owner_id)
                return found
        raise NotFound(f"instance {instance_id} not found", kind="instance", id=instance_id)

    def _lookup_on(
        self, link: Link, instance_id: str, *, any_server: bool = False
    ) -> Callable[[libvirt.virConnect], Found | None]:
        def lookup(c: libvirt.virConnect) -> Found | None:
            try:
                dom = c.lookupByUUIDString(instance_id)
            except libvirt.libvirtError as exc:
                if is_code(exc, libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_ERR_INVALID_ARG):
                    return None
                raise
            return self._load(link, dom, any_server=any_server)

        return lookup

    def instances_on(self, link: Link) -> list[Found]:
        """Every instance of this server on the host, whoever owns it."""

        def scan(c: libvirt.virConnect) -> list[Found]:
            out = []
            for dom in c.listAllDomains(0):
                found = self._load(link, dom)
                if found is not None:
                    out.append(found)
            return out

        return link.run("listing domains", scan)

    def adopt(self, instance_id: str) -> Found:
        """Mark another server's (or a pre-identity Hearth) domain as this server's; its owner,
        disks and name stay. The other server no longer lists it from its next request."""
        for link in self.links.values():
            found = link.run(
                f"looking up instance {instance_id}", self._lookup_on(link, instance_id, any_server=True)
            )
            if found is None:
                continue
            if found.meta.server != self.server_id:
                xml = Domain.from_xml(found.xml.to_xml())
                metadata.write(xml, found.meta.with_(server=self.server_id))
                self.redefine(found, xml)
                log.info("adopted instance %s from server %s", found.id, found.meta.server or "(none)")
            return found
        raise NotFound(
            f"no Hearth instance {instance_id} on this server's hosts", kind="instance", id=instance_id
        )

    def redefine(self, found: Found, xml: Domain) -> None:
        """Replace the persistent definition (libvirt keeps the running guest as it is)."""
        found.link.run(f"updating the definition of instance {found.id}", lambda c: c.defineXML(xml.to_xml()))

    # --- state and device changes --------------------------------------------------------------

    def state(self, found: Found) -> tuple[InstanceState, str | None]:
        state, reason = found.link.run(
            f"reading the state of instance {found.id}", lambda c: found.dom.state(0)
        )
        with self._lock:
            stopping = found.id in self._stopping
        return map_state(state, reason, stopping)

    def state_of(self, found: Found) -> InstanceState:
        return self.state(found)[0]

    def is_active(self, found: Found) -> bool:
        return bool(
            found.link.run(f"reading the state of instance {found.id}", lambda c: found.dom.isActive())
        )

    def live_interfaces(self, found: Found) -> dict[str, Interface]:
        """The NICs the running guest holds now, by MAC (none when it is not running, and on
        libvirt's test driver, which has no live devices)."""
        if found.link.is_test or not self.is_active(found):
            return {}
        try:
            xml = found.link.run(
                f"reading the live devices of instance {found.id}", lambda c: found.dom.XMLDesc(0)
            )
        except NotFound:
            return {}
        live = Domain.from_xml(xml)
        return {(i.mac or "").lower(): i for i in live.devices.interfaces if i.mac}

    def change_device(self, found: Found, verb: str, device_xml: str, edit: Callable[[Domain], None]) -> None:
        """Attach, detach or update a device on the running guest and in its definition.

        A running guest gets the change live and persistent, a stopped one in its definition only.
        libvirt's test driver cannot hot-plug at all, so there the definition is edited directly
        (``edit``), which is what a stopped guest would get anyway.
        """
        if found.link.is_test:
            self._edit_definition(found, edit)
            return
        flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG
        if self.is_active(found):
            flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
        self._device_call(found, verb, device_xml, flags)

    def change_live_device(self, found: Found, verb: str, device_xml: str) -> None:
        """The change on the running guest alone, for a caller that records it apart
        (``change_defined_device``). Nothing on libvirt's test driver, which has no live devices."""
        if not found.link.is_test:
            self._device_call(found, verb, device_xml, libvirt.VIR_DOMAIN_AFFECT_LIVE)

    def change_defined_device(
        self, found: Found, verb: str, device_xml: str, edit: Callable[[Domain], None]
    ) -> None:
        """The change in the persistent definition alone (``edit`` of it on the test driver)."""
        if found.link.is_test:
            self._edit_definition(found, edit)
        else:
            self._device_call(found, verb, device_xml, libvirt.VIR_DOMAIN_AFFECT_CONFIG)

    def _edit_definition(self, found: Found, edit: Callable[[Domain], None]) -> None:
        xml = Domain.from_xml(found.xml.to_xml())
        edit(xml)
        self.redefine(found, xml)

    def _device_call(self, found: Found, verb: str, device_xml: str, flags: int) -> None:
        call = {
            "attach": found.dom.attachDeviceFlags,
            "detach": found.dom.detachDeviceFlags,
            "update": found.dom.updateDeviceFlags,
        }[verb]
        found.link.run(f"{verb}ing a device of instance {found.id}", lambda c: call(device_xml, flags))

    # --- graceful stops under way (they show as STOPPING) -------------------------------------

    def begin_stop(self, instance_id: str) -> threading.Event:
        """Mark a graceful stop under way; the event is set to call it off (or at ``close``)."""
        done = threading.Event()
        with self._lock:
            self._stopping[instance_id] = done
        return done

    def forget_stop(self, instance_id: str) -> None:
        """Call off a graceful stop under way, if any (the instance is started or forced off)."""
        with self._lock:
            pending = self._stopping.pop(instance_id, None)
        if pending is not None:
            pending.set()

    def end_stop(self, instance_id: str, done: threading.Event) -> None:
        """A stop watcher is finished: unmark it, unless a newer stop replaced it meanwhile."""
        with self._lock:
            if self._stopping.get(instance_id) is done:
                del self._stopping[instance_id]
