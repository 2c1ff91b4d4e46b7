"""libvirt-driver behaviour checked on libvirt's test driver (fast, no guest): what the host sees."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import libvirt
import pytest

from hearth.domain import Disk, Domain
from hearth.drivers.libvirt import metadata
from hearth.drivers.resources import ImageImport, InstanceCreate, InstanceSpec
from hearth.errors import Conflict, Forbidden, NotFound, ValidationError
from hearth.vocab.macvtap_modes import MacvtapMode
from hearth.vocab.nic_kinds import InterfaceType

from ..contract.helpers import DriverCase, boot
from ..contract.libvirt_cases import libvirt_case


@pytest.fixture
def case(tmp_path: Path) -> Iterator[DriverCase]:
    with libvirt_case("test:///default", tmp_path, wait=10.0) as c:
        yield c


def _domain(instance_id: str) -> Domain:
    conn = libvirt.open("test:///default")
    try:
        return Domain.from_xml(conn.lookupByUUIDString(instance_id).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    finally:
        conn.close()


def test_the_host_knows_the_owner_from_domain_metadata(case: DriverCase) -> None:
    inst = boot(case, name="owned")
    meta = metadata.read(_domain(inst.id))
    assert meta is not None
    assert (meta.owner_id, meta.name, meta.image_id, meta.hwp_id) == ("alice", "owned", "test-guest", "small")
    assert meta.created == inst.created


def test_direct_and_ovs_nics_from_a_spec(case: DriverCase) -> None:
    spec = InstanceSpec.model_validate(
        {
            **case.spec_fields,
            "vcpus": 1,
            "interfaces": [
                {"type": "macvtap", "source": "eth9", "mode": "vepa"},
                {"type": "ovs", "source": "ovsbr0"},
                {"type": "bridge", "source": "br0", "model": "e1000e"},
            ],
        }
    )
    inst = case.driver.create_instance(
        case.alice, InstanceCreate(template_id="t", hwp_id="opaque", spec=spec)
    )
    nics = case.driver.list_interfaces(case.alice, inst.id)
    assert [(n.type, n.source, n.mode) for n in nics] == [
        (InterfaceType.macvtap, "eth9", MacvtapMode.vepa),
        (InterfaceType.ovs, "ovsbr0", None),
        (InterfaceType.bridge, "br0", None),
    ]
    xml = {i.mac: i for i in _domain(inst.id).devices.interfaces}
    assert xml[nics[0].mac].type == "direct" and xml[nics[0].mac].source_mode == "vepa"
    assert xml[nics[1].mac].virtualport_type == "openvswitch"
    assert xml[nics[2].mac].model == "e1000e"


def test_spec_files_must_come_from_the_allowed_directories(
    case: DriverCase, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "vmlinuz"  # not the driver's state dir
    outside.write_bytes(b"not really a kernel")
    for field, value in (("kernel", "/etc/passwd"), ("initrd", "/etc/shadow"), ("kernel", str(outside))):
        fields = {**case.spec_fields, "vcpus": 1, field: value}
        with pytest.raises(ValidationError) as err:
            case.driver.create_instance(
                case.alice,
                InstanceCreate(template_id="t", hwp_id="opaque", spec=InstanceSpec.model_validate(fields)),
            )
        assert "outside the allowed directories" in err.value.message
    assert case.driver.list_instances(case.alice) == []


def test_a_disk_another_domain_on_the_host_writes_is_refused_naming_it(case: DriverCase) -> None:
    """As virt-install does: here a template's cdrom names a file a foreign domain has as its disk."""
    roots = case.driver.context.config.file_roots
    disk = roots[-1] / f"foreign-{secrets.token_hex(3)}.qcow2"  # an allowed directory: only use matters
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "8M"], check=True)
    name = f"foreign-{secrets.token_hex(3)}"
    foreign = Domain(type="test", name=name, memory_kib=65536, vcpus=1)
    foreign.os.type = "hvm"
    foreign.devices.disks.append(Disk(type="file", device="disk", source_file=str(disk), target_dev="vda"))
    conn = libvirt.open("test:///default")
    dom = conn.defineXML(foreign.to_xml())
    try:
        spec = InstanceSpec.model_validate({**case.spec_fields, "vcpus": 1, "cdrom": str(disk)})
        with pytest.raises(Conflict) as err:
            case.driver.create_instance(
                case.alice, InstanceCreate(template_id="t", hwp_id="opaque", spec=spec)
            )
        assert name in str(err.value) and str(disk) in str(err.value)
        assert [i.name for i in case.driver.list_instances(case.alice)] == []
    finally:
        dom.undefine()
        conn.close()
        disk.unlink(missing_ok=True)


def test_an_admin_imports_a_direct_boot_image_every_user_launches(case: DriverCase) -> None:
    """``POST /v1/images`` (``hearth image add``): the operator's way to add an image to a running
    server, here the busybox guest's kernel and initrd, booted from where they are."""
    spec = case.spec_fields
    request = ImageImport(
        name="imported",
        os="debian11",
        kernel=str(spec["kernel"]),
        initrd=str(spec["initrd"]),
        cmdline=str(spec["cmdline"]),
        description="added by an admin",
    )
    image = case.driver.import_image(case.admin, request)
    assert (image.name, image.os, image.description) == ("imported", "debian11", "added by an admin")
    assert image.id in {i.id for i in case.driver.list_images(case.alice)}  # shared with every user
    assert image.id in {i.id for i in case.driver.list_images(case.bob)}
    inst = case.driver.create_instance(case.alice, InstanceCreate(image_id=image.id, hwp_id=case.hwp_id))
    assert _domain(inst.id).os.kernel == str(Path(str(spec["kernel"])).resolve())


def test_only_an_admin_imports_and_only_files_that_exist(case: DriverCase, tmp_path: Path) -> None:
    kernel = str(case.spec_fields["kernel"])
    with pytest.raises(Forbidden):
        case.driver.import_image(case.alice, ImageImport(name="mine", os="debian11", kernel=kernel))
    missing = str(tmp_path / "no-such-kernel")
    with pytest.raises(ValidationError) as err:
        case.driver.import_image(case.admin, ImageImport(name="gone", os="debian11", kernel=missing))
    assert "is not a regular file on the server" in err.value.message
    assert {i.name for i in case.driver.list_images(case.admin)} == {"test-guest"}


def test_an_instance_undefined_while_it_is_read_is_gone_not_a_backend_error(
    case: DriverCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A terminate elsewhere can undefine a domain between the listing and the read of its state
    (EC2's instance_terminated waiter met it as a 400): the listing leaves it out, a read of it
    is the instance's NotFound."""
    kept, going = boot(case, name="kept"), boot(case, name="going")
    ctx = case.driver.context  # type: ignore[attr-defined]
    real = ctx.state

    def undefined_first(found: Any) -> Any:
        if found.id == going.id:
            conn = libvirt.open("test:///default")
            try:
                dom = conn.lookupByUUIDString(going.id)
                dom.destroy()
                dom.undefine()
            finally:
                conn.close()
        return real(found)

    monkeypatch.setattr(ctx, "state", undefined_first)
    assert [i.id for i in case.driver.list_instances(case.alice) if i.id in (kept.id, going.id)] == [kept.id]
    boot(case, name="going")  # the name is free again; a fresh domain to lose while it is read
    going = next(i for i in case.driver.list_instances(case.alice) if i.name == "going")
    with pytest.raises(NotFound) as err:
        case.driver.get_instance(case.alice, going.id)
    assert err.value.details == {"kind": "instance", "id": going.id}
