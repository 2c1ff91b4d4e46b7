"""Instances as libvirt domains: built by the designer, owned through ``<metadata>``, stopped gracefully.

A graceful stop presses the ACPI power button and keeps pressing it every few seconds (a guest
that was still booting misses the first press) until the guest is off or the timeout passes;
then the domain is destroyed. Until then the instance shows STOPPING.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import libvirt

from hearth.designer.host import check_disks_free
from hearth.errors import HearthError, NotFound, ValidationError
from hearth.store import new_id
from hearth.vocab.graphics import GraphicsType
from hearth.vocab.instance_states import InstanceState
from hearth.vocab.mac import random_mac
from hearth.vocab.nic_kinds import InterfaceType
from hearth.vocab.nic_models import DEFAULT_NIC_MODEL

from .. import cloudinit, guest_metrics, profiles
from ..caller import Caller, owner_scope
from ..console_log import read_tail
from ..consoles import ConsoleStream, require_running, require_vnc
from ..operations import DEFAULT_STOP_TIMEOUT
from ..parts import InstancesPart
from ..pools import named_pools
from ..profile_catalogue import hardware_profile
from ..resources import (
    Action,
    ConsoleOutput,
    DiskSpec,
    HwpPropertyName,
    Instance,
    InstanceCreate,
    InstanceFilter,
    InstanceMetrics,
    InstanceSpec,
    NetworkBinding,
)
from . import build, console, dhcp, metadata
from .connection import Link
from .context import Found, LibvirtContext
from .errors import is_code
from .host_pools import disk_pool
from .image_rows import collect_image, usable_image
from .metadata import InstanceMeta
from .metrics import read_metrics
from .netinfo import NetInfo, NetView, resolve_network
from .pool_volumes import GIB, create_volume, delete_volume, volume_info
from .rows import NETWORKS
from .tables import LibvirtImage

log = logging.getLogger(__name__)
FALLBACK_OS = "linux2022"  # osinfo's generic Linux, for images that do not say what they are
_UNDEFINE = libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
_HWP = {n.value: n for n in HwpPropertyName}


class _Cleanup:
    """What a half-done create made, undone in reverse if a later step fails."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, Callable[[], object]]] = []

    def add(self, what: str, undo: Callable[[], object]) -> None:
        self.steps.append((what, undo))

    def run(self) -> None:
        for what, undo in reversed(self.steps):
            try:
                undo()
            except Exception as exc:
                log.warning("cleanup of %s failed: %s", what, exc)


class Instances(InstancesPart):
    context: LibvirtContext

    # --- reading ------------------------------------------------------------------------------

    def list_instances(self, caller: Caller, filters: InstanceFilter | None = None) -> list[Instance]:
        filters = filters or InstanceFilter()
        self.require_features(filters)
        scope = owner_scope(caller, filters.owner_id)
        out: list[Instance] = []
        for realm, link in self.context.links.items():
            if filters.realm_id is not None and filters.realm_id != realm:
                continue
            net = NetView(self.context, link)
            for found in self.context.instances_on(link):
                if scope is not None and found.meta.owner_id not in scope:
                    continue
                try:
                    view = self._view(found, net)
                except NotFound:
                    continue  # undefined between the listing and the read: gone
                if filters.state is None or view.state is filters.state:
                    out.append(view)
        out.sort(key=lambda i: (i.created, i.id))
        return out

    def get_instance(self, caller: Caller, instance_id: str) -> Instance:
        found = self.context.find(caller, instance_id)
        try:
            return self._view(found, NetView(self.context, found.link))
        except NotFound:  # undefined between the lookup and the read
            raise NotFound(f"instance {instance_id} not found", kind="instance", id=instance_id) from None

    # --- creating -----------------------------------------------------------------------------

    def create_instance(self, caller: Caller, request: InstanceCreate) -> Instance:
        self.require_features(request)
        ctx = self.context
        key = ctx.keys.by_name(caller, request.key_name) if request.key_name is not None else None
        hwp = hardware_profile(self.driver.name, request.hwp_id)
        overrides = profiles.check_overrides(hwp, request.hwp_overrides)
        values = profiles.effective_values(hwp, overrides)
        spec = request.spec
        image: LibvirtImage | None = None
        with ctx.read() as s:
            if request.image_id is not None:
                image = usable_image(s, caller, request.image_id)
            elif spec is None:
                raise ValidationError(
                    f"template {request.template_id!r} was not resolved: the service layer passes its spec",
                    template=request.template_id,
                )
            spec_images = {
                d.image_id: usable_image(s, caller, d.image_id)
                for d in (spec.disks if spec else [])
                if not isinstance(d, DiskSpec)
            }
        link = self._placement(caller, request.realm_id, image, list(spec_images.values()))
        instance_id = request.instance_id or new_id()
        name = request.name or f"inst-{instance_id[:8]}"
        host_caps, domcaps = ctx.capabilities_of(link)
        arch_wanted = str(
            values.get(HwpPropertyName.architecture) or (image.architecture if image else "x86_64")
        )
        plan = build.Plan(
            name=self._domain_name(link, name, instance_id),
            uuid=instance_id,
            os=spec.os if spec else (image.os if image and image.os else FALLBACK_OS),
            arch=build.choose_arch(host_caps, arch_wanted, link.is_test),
            memory_mib=spec.memory_mib if spec else _int(values.get(HwpPropertyName.memory)),
            vcpus=spec.vcpus if spec else _int(values.get(HwpPropertyName.cpu)),
            max_memory_mib=spec.max_memory_mib if spec else None,
            max_vcpus=spec.max_vcpus if spec else None,
            topology=spec.topology if spec else None,
            graphics=spec.graphics.type if spec else GraphicsType.none,
            listen=spec.graphics.listen if spec else None,
            check_local_files=link.host.is_local,
        )
        if spec is not None and spec.kernel is not None:
            plan.kernel, plan.initrd, plan.cmdline = spec.kernel, spec.initrd, spec.cmdline
            plan.kernel = ctx.host_file(link, "kernel", spec.kernel)
            if spec.initrd is not None:
                plan.initrd = ctx.host_file(link, "initrd", spec.initrd)
        elif image is not None and image.kernel is not None:
            plan.kernel, plan.initrd, plan.cmdline = image.kernel, image.initrd, image.cmdline
            for label, path in (("kernel", image.kernel), ("initrd", image.initrd)):
                if path is not None:
                    ctx.check_reachable(link, label, path)
        if spec is not None and spec.cdrom is not None:
            local = "://" not in spec.cdrom
            plan.cdrom = ctx.host_file(link, "cdrom", spec.cdrom) if local else spec.cdrom
        reservations = self._plan_nics(caller, link, request, plan)

        cleanup = _Cleanup()
        try:
            owned = self._make_disks(link, instance_id, image, spec, spec_images, values, plan, cleanup)
            if key is not None or request.user_data is not None:
                plan.seed, seed_volume = self._make_seed(
                    link, instance_id, name, key.public_key if key else None, request.user_data, cleanup
                )
                owned.append(seed_volume)
            if link.host.is_local and not link.is_test:
                plan.console_log = str(ctx.host_dir(link.host, "consoles") / f"{instance_id}.log")
            try:
                dom_xml, warnings = build.design(plan, host_caps, domcaps, ctx.domain_type(link, host_caps))
            except NotFound as exc:  # an OS the osinfo database does not know
                raise ValidationError(exc.message, **exc.details) from None
            for w in warnings:
                log.info("instance %s: %s", instance_id, w)
            meta = InstanceMeta(
                owner_id=caller.user_id,
                name=name,
                created=datetime.now(UTC),
                hwp_id=hwp.id,
                image_id=request.image_id,
                template_id=request.template_id,
                key_name=request.key_name,
                overrides={k.value: v for k, v in overrides.items()},
                owned_volumes=tuple(owned),
                server=ctx.server_id,
            )
            metadata.write(dom_xml, meta)
            link.run("checking its disks are free", lambda c: check_disks_free(c, dom_xml))
            dom = link.run(f"defining instance {instance_id}", lambda c: c.defineXML(dom_xml.to_xml()))
            cleanup.add("the domain", lambda: self._undefine(link, dom))
            for info, mac, subnet_id, ip in reservations:
                dhcp.reserve(link, info, mac, subnet_id, ip)
                cleanup.add("an address", partial(dhcp.release, link, info.libvirt_name, [mac]))
            if request.start:  # else it stays defined and shut off: nothing in the guest has run
                link.run(f"starting instance {instance_id}", lambda c: dom.create())
        except BaseException:
            cleanup.run()
            raise
        return self.get_instance(caller, instance_id)

    def _placement(
        self, caller: Caller, realm_id: str | None, image: LibvirtImage | None, others: list[LibvirtImage]
    ) -> Link:
        """The host to create on: the one asked for, else the image's, else the first."""
        images = ([image] if image else []) + others
        if realm_id is not None:
            link = self.context.link(realm_id)
        elif images:
            link = self.context.link(images[0].realm_id)
        else:
            link = self.context.default_link()
        for img in images:
            if img.realm_id != link.host.realm:
                raise ValidationError(
                    f"image {img.id} is in realm {img.realm_id}, not {link.host.realm}", image=img.id
                )
        link.conn  # noqa: B018 - a host that is down is a fast BackendError naming it, not a 400
        return link

    def _domain_name(self, link: Link, name: str, instance_id: str) -> str:
        """``<prefix><name>``, so ``virsh dumpxml hearth-web1`` finds it; when a domain of that
        name exists on the host already (another server's, a hand-made one) the id's first
        characters keep it apart. The instance id stays the UUID either way."""
        wanted = f"{self.context.config.prefix}{name}"

        def taken(c: libvirt.virConnect) -> bool:
            try:
                c.lookupByName(wanted)
            except libvirt.libvirtError as exc:
                if is_code(exc, libvirt.VIR_ERR_NO_DOMAIN):
                    return False
                raise
            return True

        if link.run(f"checking the domain name {wanted}", taken):
            return f"{wanted}-{instance_id[:8]}"
        return wanted

    def _plan_nics(
        self, caller: Caller, link: Link, request: InstanceCreate, plan: build.Plan
    ) -> list[tuple[NetInfo, str, str | None, str | None]]:
        """Resolve every NIC's source before anything is made; returns the addresses to reserve."""
        taken: set[str] = set()

        def mac_for(wanted: str | None) -> str:
            mac = wanted or random_mac(taken)
            if mac in taken:
                raise ValidationError(f"two interfaces have the MAC address {mac}", mac=mac)
            taken.add(mac)
            return mac

        reservations = []
        for req in request.networks:
            info = self._requested_network(caller, link, req.network_id)
            mac = mac_for(None)
            plan.nics.append(build.Nic(InterfaceType.network, info.libvirt_name, mac, DEFAULT_NIC_MODEL))
            reservations.append((info, mac, req.subnet_id, req.ip_address))
        spec = request.spec
        for ref in spec.networks if spec else []:
            info = resolve_network(self.context, caller, link, ref)
            plan.nics.append(
                build.Nic(InterfaceType.network, info.libvirt_name, mac_for(None), DEFAULT_NIC_MODEL)
            )
        for nic in spec.interfaces if spec else []:
            source = nic.source
            if nic.type is InterfaceType.network:
                assert nic.source is not None
                source = resolve_network(self.context, caller, link, nic.source).libvirt_name
            else:
                self.context.check_nic_source(link, nic.type, source)
            plan.nics.append(
                build.Nic(
                    nic.type,
                    source,
                    mac_for(nic.mac),
                    nic.model or DEFAULT_NIC_MODEL,
                    nic.effective_mode,
                )
            )
        return reservations

    def _requested_network(self, caller: Caller, link: Link, network_id: str) -> NetInfo:
        """``InstanceCreate.networks`` names networks by id: unknown or foreign ones are NotFound."""
        if network_id not in self.context.config.shared_networks:
            NETWORKS.fetch(self.context, caller, network_id)
        return resolve_network(self.context, caller, link, network_id)

    def _make_disks(
        self,
        link: Link,
        instance_id: str,
        image: LibvirtImage | None,
        spec: InstanceSpec | None,
        spec_images: dict[str, LibvirtImage],
        values: dict[HwpPropertyName, int | str],
        plan: build.Plan,
        cleanup: _Cleanup,
    ) -> list[str]:
        """Create the instance's disks in the pool; returns them as "pool/volume" (owned by it)."""
        ctx = self.context
        pool = ctx.pool_name(link)
        # Template disks naming a pool: resolved (id or name, as GET /v1/pools shows) before any is made.
        named = {ref: disk_pool(link, ref, ctx.several_hosts) for ref in named_pools(spec)}
        owned: list[str] = []
        storage_gb = _int(values.get(HwpPropertyName.storage))

        def make(name: str, size: int, fmt: str, pool_name: str, backing: LibvirtImage | None = None) -> None:
            base: tuple[str, str] | None = None
            if backing is not None:
                if not (backing.pool and backing.volume):
                    raise ValidationError(f"image {backing.id} has no base disk", image=backing.id)
                info = volume_info(link, backing.pool, backing.volume)
                base = (str(info.target_path), info.target_format or "qcow2")
                size = max(size, info.capacity_bytes or 0)
                fmt = "qcow2"
            path = create_volume(link, pool_name, name, size, fmt, base)
            cleanup.add(f"volume {name}", lambda: delete_volume(link, pool_name, name))
            owned.append(f"{pool_name}/{name}")
            plan.disks.append((path, fmt))

        root = f"{ctx.config.prefix}{instance_id}-disk0.qcow2"
        if image is not None and image.volume is not None:
            make(root, (storage_gb or 0) * GIB, "qcow2", pool, image)
        elif image is not None and storage_gb:
            make(root, storage_gb * GIB, "qcow2", pool)
        if spec is not None:
            for i, disk in enumerate(spec.disks):
                name = f"{ctx.config.prefix}{instance_id}-disk{i}.{getattr(disk, 'format', 'qcow2')}"
                if isinstance(disk, DiskSpec):
                    make(name, disk.size_gib * GIB, disk.format.value, named.get(disk.pool or "", pool))
                else:
                    make(name.rsplit(".", 1)[0] + ".qcow2", 0, "qcow2", pool, spec_images[disk.image_id])
        return owned

    def _make_seed(
        self,
        link: Link,
        instance_id: str,
        name: str,
        key: str | None,
        user_data: str | None,
        cleanup: _Cleanup,
    ) -> tuple[str, str]:
        """The NoCloud seed ISO, uploaded as a volume of the pool (local and remote hosts alike:
        QEMU never opens a file under the server's own, private state dir). Returns its path and
        its "pool/volume", removed with the instance."""
        seed = cloudinit.SeedData(
            instance_id=instance_id,
            hostname=cloudinit.hostname_for(name),
            ssh_keys=(key,) if key else (),
            user_data=user_data,
        )
        data = cloudinit.build_seed_iso(seed)
        pool = self.context.pool_name(link)
        vol_name = f"{self.context.config.prefix}{instance_id}-seed.iso"
        path = create_volume(link, pool, vol_name, len(data), "raw")
        cleanup.add("the seed volume", lambda: delete_volume(link, pool, vol_name))
        if link.is_test:
            return path, f"{pool}/{vol_name}"  # the test driver keeps no data

        def upload(c: libvirt.virConnect) -> None:
            vol = c.storagePoolLookupByName(pool).storageVolLookupByName(vol_name)
            stream = c.newStream(0)
            vol.upload(stream, 0, len(data), 0)
            stream.send(data)
            stream.finish()

        link.run("uploading the seed", upload)
        return path, f"{pool}/{vol_name}"

    # --- actions ------------------------------------------------------------------------------

    def start_instance(self, caller: Caller, instance_id: str) -> Instance:
        found = self.context.find(caller, instance_id)
        self.check_action(found.id, self.context.state_of(found), Action.start)
        self.context.forget_stop(found.id)
        self.context.detaches.forget(found.id)  # a guest that starts holds what its definition has
        found.link.run(f"starting instance {found.id}", lambda c: found.dom.create())
        return self.get_instance(caller, instance_id)

    def stop_instance(
        self, caller: Caller, instance_id: str, *, timeout: float = DEFAULT_STOP_TIMEOUT, force: bool = False
    ) -> Instance:
        if timeout < 0:
            raise ValidationError("the stop timeout must not be negative", timeout=timeout)
        found = self.context.find(caller, instance_id)
        self.check_action(found.id, self.context.state_of(found), Action.stop)
        if force or timeout == 0:
            self.context.forget_stop(found.id)
            found.link.run(f"powering off instance {found.id}", lambda c: found.dom.destroy())
            return self.get_instance(caller, instance_id)
        found.link.run(f"shutting down instance {found.id}", lambda c: found.dom.shutdown())
        if self.context.is_active(found):
            self._watch_stop(found, time.monotonic() + timeout)
        return self.get_instance(caller, instance_id)

    def get_console_output(self, caller: Caller, instance_id: str) -> ConsoleOutput:
        """The log virtlogd keeps of the console (``<log file>``, under the server's own consoles
        directory); a domain defined without one (test:///, a remote host) has printed nothing
        Hearth can read."""
        found = self.context.find(caller, instance_id)
        return read_tail(found.id, self._console_log(found))

    def get_instance_metrics(self, caller: Caller, instance_id: str) -> InstanceMetrics:
        """libvirt's domain stats of a running or paused domain."""
        found = self.context.find(caller, instance_id)
        guest_metrics.require_measurable(found.id, self.context.state_of(found))
        local = found.link.host.is_local
        return found.link.run(
            f"reading the metrics of instance {found.id}",
            lambda c: read_metrics(found.id, c, found.dom, local),
        )

    def open_serial_console(self, caller: Caller, instance_id: str) -> ConsoleStream:
        """The domain's console over a libvirt stream (``virDomainOpenConsole``)."""
        found = self.context.find(caller, instance_id)
        require_running(found.id, self.context.state_of(found), "serial console")
        return console.open_serial(found)

    def open_graphics_console(self, caller: Caller, instance_id: str) -> ConsoleStream:
        """The domain's VNC server through an fd libvirt passes (``virDomainOpenGraphicsFD``)."""
        found = self.context.find(caller, instance_id)
        require_running(found.id, self.context.state_of(found), "screen")
        require_vnc(found.id, _graphics(found))
        return console.open_vnc(found)

    def _console_log(self, found: Found) -> Path | None:
        if not found.link.host.is_local:
            return None
        root = self.context.host_dir(found.link.host, "consoles").resolve()
        devices = found.xml.devices
        for dev in [*devices.consoles, *devices.serials]:
            if dev.log_file is not None:
                path = Path(dev.log_file).resolve()
                if path.is_relative_to(root):  # a file of the server's own, never one the XML names elsewhere
                    return path
        return None

    def reboot_instance(self, caller: Caller, instance_id: str) -> Instance:
        found = self.context.find(caller, instance_id)
        self.check_action(found.id, self.context.state_of(found), Action.reboot)
        found.link.run(f"rebooting instance {found.id}", lambda c: found.dom.reboot(0))
        return self.get_instance(caller, instance_id)

    def suspend_instance(self, caller: Caller, instance_id: str) -> Instance:
        found = self.context.find(caller, instance_id)
        self.check_action(found.id, self.context.state_of(found), Action.suspend)
        found.link.run(f"pausing instance {found.id}", lambda c: found.dom.suspend())
        return self.get_instance(caller, instance_id)

    def resume_instance(self, caller: Caller, instance_id: str) -> Instance:
        found = self.context.find(caller, instance_id)
        self.check_action(found.id, self.context.state_of(found), Action.resume)
        found.link.run(f"resuming instance {found.id}", lambda c: found.dom.resume())
        return self.get_instance(caller, instance_id)

    def destroy_instance(self, caller: Caller, instance_id: str) -> Instance:
        found = self.context.find(caller, instance_id)
        final = self._view(found, NetView(self.context, found.link))
        self.check_action(found.id, final.state, Action.destroy)
        self._remove(found)
        collect_image(self.context, found.meta.image_id)
        return final.model_copy(update={"state": InstanceState.FINISHED, "actions": []})

    def _remove(self, found: Found) -> None:
        """Undefine the domain and delete what it owned: disks, seed, address reservations."""
        link = found.link
        self.context.forget_stop(found.id)
        if self.context.is_active(found):
            link.run(f"powering off instance {found.id}", lambda c: found.dom.destroy())
        nics = [
            (n.source_network, n.mac) for n in found.xml.devices.interfaces if n.type == "network" and n.mac
        ]
        self._undefine(link, found.dom)
        for network, mac in nics:
            dhcp.release(link, network, [mac])
        for ref in found.meta.owned_volumes:
            pool, name = ref.split("/", 1)
            delete_volume(link, pool, name)
        if found.meta.seed:  # only ever our own file: the path is rebuilt, not taken from the XML
            seeds = self.context.config.state_dir / link.host.realm / "seeds"
            (seeds / f"{found.id}.iso").unlink(missing_ok=True)

    def _undefine(self, link: Link, dom: libvirt.virDomain) -> None:
        """Remove the definition with its snapshots, managed save and (not on the test driver) NVRAM."""
        flags = _UNDEFINE if link.is_test else _UNDEFINE | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
        link.run(f"removing instance {dom.UUIDString()}", lambda c: dom.undefineFlags(flags))

    def _watch_stop(self, found: Found, deadline: float) -> None:
        done = self.context.begin_stop(found.id)
        run_id = found.link.run("reading the domain id", lambda c: found.dom.ID())
        thread = threading.Thread(
            target=self._stop_loop,
            args=(found.link, found.id, run_id, deadline, done),
            name=f"stop-{found.id[:8]}",
            daemon=True,
        )
        thread.start()

    def _stop_loop(self, link: Link, uuid: str, run_id: int, deadline: float, done: threading.Event) -> None:
        """Press the power button again every few seconds; destroy the domain at the deadline.

        Only this run of the guest (libvirt's domain id changes on every start) is ever touched:
        once it is off, a later start is none of this loop's business.
        """
        retry = self.context.config.graceful_retry_seconds
        next_press = time.monotonic() + retry
        try:
            while not done.wait(0.25):
                if self._poll_off(link, uuid, run_id):
                    return
                now = time.monotonic()
                if now >= deadline:
                    link.run(f"powering off instance {uuid}", lambda c: _same_run(c, uuid, run_id, "destroy"))
                    return
                if now >= next_press:
                    link.run(
                        f"shutting down instance {uuid}", lambda c: _same_run(c, uuid, run_id, "shutdown")
                    )
                    next_press = now + retry
        except HearthError as exc:
            log.warning("graceful stop of %s: %s", uuid, exc.message)
        finally:
            self.context.end_stop(uuid, done)

    def _poll_off(self, link: Link, uuid: str, run_id: int) -> bool:
        def off(c: libvirt.virConnect) -> bool:
            try:
                dom = c.lookupByUUIDString(uuid)
                return not dom.isActive() or dom.ID() != run_id
            except libvirt.libvirtError:
                return True

        return bool(link.run("polling", off))

    # --- views --------------------------------------------------------------------------------

    def _view(self, found: Found, net: NetView) -> Instance:
        state, reason = self.context.state(found)
        meta, xml = found.meta, found.xml
        bindings: list[NetworkBinding] = []
        for nic in xml.devices.interfaces:
            if nic.type != "network" or not nic.source_network:
                continue
            info = net.network(nic.source_network)
            if info is None:
                continue
            for ip in net.ips(nic.source_network, nic.mac):
                subnet = info.subnet_of(ip)
                if subnet is not None:
                    bindings.append(NetworkBinding(network=info.id, subnet=subnet, ip_address=ip))
        kib = xml.current_memory_kib or xml.memory_kib
        return Instance(
            id=found.id,
            name=meta.name,
            owner_id=meta.owner_id,
            created=meta.created,
            state=state,
            state_reason=reason,
            actions=self.allowed_actions(state),
            image=meta.image_id,
            template=meta.template_id,
            realm=found.link.host.realm,
            hardware_profile=meta.hwp_id,
            hardware_profile_overrides={_HWP[k]: v for k, v in meta.overrides.items() if k in _HWP},
            key_name=meta.key_name,
            network_bindings=bindings,
            private_addresses=[b.ip_address for b in bindings],
            memory_mib=kib // 1024 if kib else None,
            vcpus=xml.vcpus_current or xml.vcpus,
            consoles=self.consoles(state, _graphics(found)),
        )


def _same_run(c: libvirt.virConnect, uuid: str, run_id: int, verb: str) -> None:
    """Shut down or destroy the domain only if it is still the run the stop was asked for."""
    dom = c.lookupByUUIDString(uuid)
    if dom.isActive() and dom.ID() == run_id:
        getattr(dom, verb)()


def _graphics(found: Found) -> GraphicsType | None:
    """The domain's display: its first ``<graphics>`` of a type Hearth knows."""
    for graphics in found.xml.devices.graphics:
        with contextlib.suppress(ValueError):
            return GraphicsType(graphics.type or "")
    return None


def _int(value: int | str | None) -> int | None:
    return value if isinstance(value, int) else None
