"""Instances: supervised QEMU processes, designed from an image (or a template's spec).

Create checks everything first (``blueprint``), then makes the instance's files (``build``),
records the instance as PENDING and starts QEMU; the row says RUNNING once QEMU runs, or ERROR
with QEMU's own complaint if it would not start. Stop presses the power button and returns
STOPPING; the graceful stop runs on the supervisor's loop and is forced at the deadline.
"""

from __future__ import annotations

import contextlib
import time

from sqlalchemy import select, update

from hearth.errors import HearthError, InvalidState, NotFound, NotSupported, ValidationError
from hearth.qemu.vm import console_path
from hearth.store import new_id
from hearth.vocab.instance_states import InstanceState

from .. import guest_metrics, states
from ..caller import Caller, owner_scope
from ..console_log import read_tail
from ..consoles import ConsoleStream, SocketConsole, require_running, require_vnc
from ..operations import DEFAULT_STOP_TIMEOUT
from ..parts import InstancesPart
from ..profile_catalogue import hardware_profile
from ..resources import (
    Action,
    ConsoleOutput,
    HwpPropertyName,
    HwpValue,
    ImageDiskSpec,
    Instance,
    InstanceCreate,
    InstanceFilter,
    InstanceMetrics,
)
from . import blueprint, build, catalogue, design, hostnics, qemuimg
from .blueprint import Blueprint, Common, DiskPlan, graphics_of
from .context import QemuContext
from .design import serial_of
from .files import remove_tree
from .imagefiles import collect_unused, files_of
from .metrics import read_metrics
from .observe import Observation
from .pools import check_disk_pools
from .power import force_off
from .remote_media import insert_remote, split_remote
from .rows import IMAGES
from .tables import QemuImage, QemuInstance, QemuVolume

S = InstanceState


class Instances(InstancesPart):
    context: QemuContext

    def list_instances(self, caller: Caller, filters: InstanceFilter | None = None) -> list[Instance]:
        filters = filters or InstanceFilter()
        self.require_features(filters)
        q = select(QemuInstance).order_by(QemuInstance.created, QemuInstance.id)
        scope = owner_scope(caller, filters.owner_id)
        if scope is not None:
            q = q.where(QemuInstance.owner_id.in_(scope))
        if filters.realm_id is not None:
            q = q.where(QemuInstance.realm_id == filters.realm_id)
        with self.context.read() as s:
            rows = list(s.scalars(q))
        views = [self._view(r, self.context.observe_row(r)) for r in rows]
        return [v for v in views if filters.state is None or v.state is filters.state]

    def get_instance(self, caller: Caller, instance_id: str) -> Instance:
        row = self.context.instance_row(caller, instance_id)
        return self._view(row, self.context.observe_row(row))

    def create_instance(self, caller: Caller, request: InstanceCreate) -> Instance:
        self.require_features(request)
        plan = self._blueprint(caller, request)
        instance_id = new_id()
        with self.context.launching(instance_id), self.context.instance_lock(instance_id):
            where = self.context.layout.instance_dir(instance_id)
            try:
                domain = build.materialise(instance_id, plan, where)
                state = S.PENDING if request.start else S.STOPPED
                self._record(caller, instance_id, plan, domain.memory_mib or 0, domain.vcpus or 1, state)
            except BaseException:
                remove_tree(where)
                raise
            if request.start:  # else only recorded: the first start launches QEMU
                self._launch(instance_id)
        return self.get_instance(caller, instance_id)

    def start_instance(self, caller: Caller, instance_id: str) -> Instance:
        with self.context.instance_lock(instance_id):
            row = self.context.instance_row(caller, instance_id)
            seen = self.context.observe_row(row)
            self.check_action(row.id, seen.state, Action.start)
            with self.context.launching(row.id):
                if self.context.settle(row.id, S(row.state), S.PENDING, None):
                    self._launch(row.id)
        return self.get_instance(caller, instance_id)

    def stop_instance(
        self, caller: Caller, instance_id: str, *, timeout: float = DEFAULT_STOP_TIMEOUT, force: bool = False
    ) -> Instance:
        if timeout < 0:
            raise ValidationError("the stop timeout must not be negative", timeout=timeout)
        with self.context.instance_lock(instance_id):
            row = self.context.instance_row(caller, instance_id)
            seen = self.context.observe_row(row)
            self.check_action(row.id, seen.state, Action.stop)
            if force:
                self.context.stops.cancel(row.id)
                ended = force_off(self.context.handle(row.id))
                self.context.settle(row.id, S(row.state), S.STOPPED, f"forced off ({ended.reason})")
            else:
                with self.context.write() as s:
                    s.execute(
                        update(QemuInstance)
                        .where(QemuInstance.id == row.id)
                        .values(
                            state=S.STOPPING.value, state_reason=None, stop_deadline=time.time() + timeout
                        )
                    )
                with contextlib.suppress(InvalidState):  # QEMU ended meanwhile: reads settle it
                    self.context.start_graceful_stop(row.id, timeout)
        return self.get_instance(caller, instance_id)

    def get_console_output(self, caller: Caller, instance_id: str) -> ConsoleOutput:
        """The serial chardev's log file (in the runtime dir), which outlives the QEMU process."""
        row = self.context.instance_row(caller, instance_id)
        runtime = self.context.sup.runtime(row.id)
        launch = runtime.read_launch()
        path = console_path(launch.argv) if launch is not None else None
        return read_tail(row.id, path or runtime.console_log)

    def open_serial_console(self, caller: Caller, instance_id: str) -> ConsoleStream:
        """QEMU's serial chardev socket in the runtime dir (one client at a time)."""
        row = self.context.instance_row(caller, instance_id)
        require_running(row.id, self.context.observe_row(row).state, "serial console")
        return SocketConsole.connect(self.context.sup.runtime(row.id).console_socket, "serial console")

    def open_graphics_console(self, caller: Caller, instance_id: str) -> ConsoleStream:
        """QEMU's VNC server on its unix socket in the runtime dir."""
        row = self.context.instance_row(caller, instance_id)
        require_running(row.id, self.context.observe_row(row).state, "screen")
        require_vnc(row.id, graphics_of(row.spec))
        return SocketConsole.connect(self.context.sup.runtime(row.id).vnc_socket, "VNC server")

    def get_instance_metrics(self, caller: Caller, instance_id: str) -> InstanceMetrics:
        """Read from the instance's QEMU (QMP and /proc) while it runs or is paused."""
        with self.context.instance_lock(instance_id):
            row = self.context.instance_row(caller, instance_id)
            guest_metrics.require_measurable(row.id, self.context.observe_row(row).state)
            return read_metrics(row.id, self.context.handle(row.id))

    def reboot_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._live_action(caller, instance_id, Action.reboot)

    def suspend_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._live_action(caller, instance_id, Action.suspend)

    def resume_instance(self, caller: Caller, instance_id: str) -> Instance:
        return self._live_action(caller, instance_id, Action.resume)

    def destroy_instance(self, caller: Caller, instance_id: str) -> Instance:
        with self.context.instance_lock(instance_id):
            row = self.context.instance_row(caller, instance_id)
            seen = self.context.observe_row(row)
            self.check_action(row.id, seen.state, Action.destroy)
            final = self._view(row, seen)
            self.context.stops.cancel(row.id)
            live = self.context.live_handle(row.id)
            if live is not None:  # an ERROR whose QEMU still runs (e.g. a panicked guest)
                live.kill()
            self.context.remove_vm(row.id)
            self.context.release_host_nics(row.id)
            # Attached volumes outlive the guest, as on a real cloud.
            with self.context.write() as s:
                for vol in s.scalars(select(QemuVolume).where(QemuVolume.instance_id == row.id)):
                    vol.instance_id, vol.device = None, None
                s.flush()
                gone = s.get(QemuInstance, row.id)
                if gone is not None:
                    s.delete(gone)
            remove_tree(self.context.layout.instance_dir(row.id))
        self.context.forget_lock(row.id)
        collect_unused(self.context)
        state = states.TRANSITIONS[Action.destroy].target
        return final.model_copy(update={"state": state, "actions": self.allowed_actions(state)})

    # --- internals ----------------------------------------------------------------------------

    def _blueprint(self, caller: Caller, request: InstanceCreate) -> Blueprint:
        overrides, values = blueprint.sizing(hardware_profile(self.driver.name, request.hwp_id), request)
        realm = catalogue.realm(request.realm_id or catalogue.REALM_ID)
        if request.networks:
            raise NotSupported(
                "the qemu driver has no networks; give a template interfaces of type bridge, ovs, "
                "macvtap or user",
                networks=[n.network_id for n in request.networks],
            )
        ssh_keys: tuple[str, ...] = ()
        if request.key_name is not None:
            ssh_keys = (self.context.keys.by_name(caller, request.key_name).public_key,)
        common = Common(
            name=request.name,
            image_id=request.image_id,
            template_id=request.template_id,
            realm_id=realm.id,
            hwp_id=request.hwp_id,
            overrides=overrides,
            key_name=request.key_name,
            ssh_keys=ssh_keys,
            user_data=request.user_data,
        )
        if request.image_id is not None:
            return self._image_blueprint(caller, common, request, values)
        return self._spec_blueprint(caller, common, request)

    def _image_blueprint(
        self, caller: Caller, common: Common, request: InstanceCreate, values: dict[HwpPropertyName, HwpValue]
    ) -> Blueprint:
        assert request.image_id is not None
        with self.context.read() as s:
            image = IMAGES.row(s, caller, request.image_id)
        files = files_of(self.context.layout, image)
        base_size = qemuimg.virtual_size(files.disk, "qcow2") if files.disk is not None else None
        os_id, memory, vcpus, disks, nics = blueprint.from_image(request, files, values, base_size)
        return Blueprint(
            common=common,
            os=os_id,
            memory_mib=memory,
            vcpus=vcpus,
            disks=disks,
            nics=nics,
            kernel=files.kernel,
            initrd=files.initrd,
            cmdline=files.cmdline,
            base_images=[image.id],
        )

    def _spec_blueprint(self, caller: Caller, common: Common, request: InstanceCreate) -> Blueprint:
        spec = request.spec
        if spec is None:
            raise ValidationError(
                f"template {request.template_id!r} was not resolved: the service layer passes its spec",
                template=request.template_id,
            )
        nics = blueprint.check_spec(spec)
        check_disk_pools(spec, self.context.layout.state)
        cdroms, kernel, initrd = blueprint.spec_files(spec, self.context.media_roots)
        disks: list[DiskPlan] = []
        bases: list[str] = []
        for disk in spec.disks:
            if isinstance(disk, ImageDiskSpec):
                with self.context.read() as s:
                    image = IMAGES.row(s, caller, disk.image_id)
                files = files_of(self.context.layout, image)
                if files.disk is None:
                    raise ValidationError(f"image {image.id} has no disk to build on", image=image.id)
                disks.append(DiskPlan(base=files.disk, size_bytes=None))
                bases.append(image.id)
            else:
                disks.append(
                    DiskPlan(base=None, size_bytes=disk.size_gib * blueprint.GiB, fmt=disk.format.value)
                )
        return Blueprint(
            common=common,
            os=spec.os,
            memory_mib=spec.memory_mib,
            vcpus=spec.vcpus,
            disks=disks,
            cdroms=cdroms,
            nics=nics,
            kernel=kernel,
            initrd=initrd,
            cmdline=spec.cmdline,
            base_images=bases,
            spec=spec.model_dump(mode="json"),
            topology=(spec.topology.sockets, spec.topology.cores, spec.topology.threads)
            if spec.topology is not None
            else None,
        )

    def _record(
        self, caller: Caller, instance_id: str, plan: Blueprint, memory: int, vcpus: int, state: InstanceState
    ) -> None:
        who = plan.common
        with self.context.write() as s:
            for image_id in plan.base_images:  # deleted while we were copying?
                image = s.get(QemuImage, image_id)
                if image is None or image.deleted:
                    raise NotFound(f"image {image_id} not found", kind="image", id=image_id)
            s.add(
                QemuInstance(
                    id=instance_id,
                    name=who.name or f"inst-{instance_id[:8]}",
                    owner_id=caller.user_id,
                    state=state.value,
                    image_id=who.image_id,
                    template_id=who.template_id,
                    realm_id=who.realm_id,
                    hwp_id=who.hwp_id,
                    hwp_overrides={k.value: v for k, v in who.overrides.items()},
                    key_name=who.key_name,
                    memory_mib=memory,
                    vcpus=vcpus,
                    spec=plan.spec,
                    base_images=plan.base_images,
                )
            )

    def _launch(self, instance_id: str) -> None:
        """Start QEMU for a PENDING instance; the row ends RUNNING, or ERROR with the reason."""
        layout = self.context.layout
        try:
            # Remote media are held back from the design and inserted once QEMU runs.
            domain, remote = split_remote(design.load(layout.instance_dir(instance_id)))
            disks = [
                design.VolumeDisk(v.device or "", layout.volume_file(v.id), serial_of(v.id))
                for v in self.context.attached_volumes(instance_id)
            ]
            with hostnics.opened(instance_id, domain) as nic_fds:  # removed again if QEMU fails
                runtime = self.context.sup.runtime(instance_id)
                machine = design.machine_for(
                    domain,
                    disks,
                    nic_fds,
                    console_socket=runtime.console_socket,
                    vnc_socket=runtime.vnc_socket,
                )
                handle = self.context.launch(instance_id, machine)
                insert_remote(handle, remote)
        except HearthError as exc:
            self.context.settle(instance_id, S.PENDING, S.ERROR, f"QEMU did not start: {exc.message}")
            return
        except Exception as exc:
            self.context.settle(instance_id, S.PENDING, S.ERROR, f"QEMU did not start ({type(exc).__name__})")
            return
        self.context.settle(instance_id, S.PENDING, S.RUNNING, None)

    def _live_action(self, caller: Caller, instance_id: str, action: Action) -> Instance:
        with self.context.instance_lock(instance_id):
            row = self.context.instance_row(caller, instance_id)
            seen = self.context.observe_row(row)
            self.check_action(row.id, seen.state, action)
            handle = self.context.handle(row.id)
            if action is Action.reboot:
                handle.reset()
            elif action is Action.suspend:
                handle.pause()
            else:
                handle.resume()
        return self.get_instance(caller, instance_id)

    def _view(self, row: QemuInstance, seen: Observation) -> Instance:
        return Instance(
            id=row.id,
            name=row.name,
            owner_id=row.owner_id,
            created=row.created,
            state=seen.state,
            state_reason=seen.reason,
            actions=self.allowed_actions(seen.state),
            image=row.image_id,
            template=row.template_id,
            realm=row.realm_id,
            hardware_profile=row.hwp_id,
            hardware_profile_overrides={HwpPropertyName(k): v for k, v in (row.hwp_overrides or {}).items()},
            key_name=row.key_name,
            memory_mib=row.memory_mib,
            vcpus=row.vcpus,
            consoles=self.consoles(seen.state, graphics_of(row.spec)),
        )
