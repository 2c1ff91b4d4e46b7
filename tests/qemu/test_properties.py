"""Golden tests for the property-map rendering, including hostile values."""

from __future__ import annotations

import pytest

from hearth.errors import ValidationError
from hearth.qemu import Backend, Parts
from hearth.qemu import devices as dev
from hearth.qemu.properties import backend_args, device_args, render_options, render_scalar


def test_device_map_renders_driver_first_then_properties_in_order() -> None:
    device: dict[str, str | int] = {"driver": "virtio-blk-pci", "drive": "hd0", "bootindex": 1, "id": "disk0"}
    assert device_args(device) == ["-device", "virtio-blk-pci,drive=hd0,bootindex=1,id=disk0"]


def test_booleans_are_on_off_and_numbers_plain() -> None:
    assert render_options(
        "device", {"driver": "virtio-net-pci", "rombar": 0, "x-pcie-lnksta-dllla": False}
    ) == ("virtio-net-pci,rombar=0,x-pcie-lnksta-dllla=off")
    assert render_scalar(True) == "on"
    assert render_scalar(2.5) == "2.5"


def test_comma_in_value_is_doubled_so_it_cannot_start_a_new_key() -> None:
    rendered = render_options("device", {"driver": "virtio-blk-pci", "serial": "a,id=evil,drive=x"})
    assert rendered == "virtio-blk-pci,serial=a,,id=evil,,drive=x"
    # Splitting the way QEMU does (single commas only) leaves exactly two elements.
    assert rendered.replace(",,", "\0").split(",") == ["virtio-blk-pci", "serial=a\0id=evil\0drive=x"]


def test_equals_sign_in_value_stays_inside_the_value() -> None:
    assert render_options("chardev", {"backend": "file", "id": "c0", "path": "/tmp/a=b"}) == (
        "file,id=c0,path=/tmp/a=b"
    )


@pytest.mark.parametrize("bad", ["line\nbreak", "nul\0byte", "cr\rreturn", "tab\tx", "esc\x1b[31m"])
def test_control_characters_in_values_are_rejected(bad: str) -> None:
    with pytest.raises(ValidationError, match="control character"):
        render_options("device", {"driver": "virtio-blk-pci", "serial": bad})


@pytest.mark.parametrize("key", ["bad,key", "a=b", "", "-device", "x y", "new\nline"])
def test_hostile_keys_are_rejected(key: str) -> None:
    with pytest.raises(ValidationError, match="invalid property name"):
        render_options("device", {"driver": "virtio-blk-pci", key: "1"})


@pytest.mark.parametrize("driver", ["virtio-blk-pci,drive=x", "a=b", "", "-nographic", "x\ny"])
def test_hostile_driver_names_are_rejected(driver: str) -> None:
    with pytest.raises(ValidationError, match="invalid device driver"):
        render_options("device", {"driver": driver})


def test_device_needs_a_driver_and_flat_values() -> None:
    with pytest.raises(ValidationError, match="needs a 'driver'"):
        render_options("device", {"id": "x"})
    with pytest.raises(ValidationError, match="flat scalars"):
        render_options("device", {"driver": "virtio-blk-pci", "drive": {"nested": 1}})


def test_blockdev_nested_maps_become_dotted_keys_with_explicit_driver() -> None:
    backend = dev.block_node("drive-hd0", "/images/a,b.qcow2", fmt="qcow2", read_only=True)
    assert backend_args(backend) == [
        "-blockdev",
        "driver=qcow2,node-name=drive-hd0,read-only=on,file.driver=file,file.filename=/images/a,,b.qcow2",
    ]


def test_lists_go_as_json_for_objects_indexed_for_blockdev_and_repeated_for_qemuopts() -> None:
    # QEMU 7.2 refuses host-nodes.0=0 in the dotted -object syntax ("Invalid parameter"); JSON it takes.
    obj = Backend(
        "object", {"qom-type": "memory-backend-ram", "id": "m0", "size": 1024, "host-nodes": [0, 1]}
    )
    assert backend_args(obj) == [
        "-object",
        '{"qom-type":"memory-backend-ram","id":"m0","size":1024,"host-nodes":[0,1]}',
    ]
    with pytest.raises(ValidationError, match="control character"):
        backend_args(Backend("object", {"qom-type": "x", "id": "m0", "l": ["a\nb"]}))
    node = Backend("blockdev", {"driver": "quorum", "node-name": "q", "children": ["a", "b"]})
    assert backend_args(node) == ["-blockdev", "driver=quorum,node-name=q,children.0=a,children.1=b"]
    net = Backend("netdev", {"type": "user", "id": "n0", "hostfwd": ["tcp::2222-:22", "tcp::8080-:80"]})
    assert backend_args(net) == ["-netdev", "user,id=n0,hostfwd=tcp::2222-:22,hostfwd=tcp::8080-:80"]


def test_backend_kinds_render_with_their_own_type_key() -> None:
    chardev = Backend("chardev", {"backend": "socket", "id": "c0", "path": "/run/x.sock", "server": True})
    assert backend_args(chardev) == ["-chardev", "socket,id=c0,path=/run/x.sock,server=on"]
    fsdev = dev.share_9p("fs0", "/srv/share", "tag0").backends[0]
    assert backend_args(fsdev) == [
        "-fsdev",
        "local,id=fs-fs0,path=/srv/share,security_model=mapped-xattr,readonly=off",
    ]


def test_unsupported_value_types_are_rejected() -> None:
    with pytest.raises(ValidationError, match="unsupported type"):
        render_options("device", {"driver": "x", "y": None})  # type: ignore[dict-item]
    with pytest.raises(ValidationError, match="finite"):
        render_options("device", {"driver": "x", "y": float("nan")})


def test_helpers_build_plain_maps() -> None:
    disk = dev.disk("hd1", "/img/d.qcow2", bus="virtio", bootindex=1, controller_bus="hotplug0")
    assert disk.devices == [
        {"driver": "virtio-blk-pci", "id": "hd1", "drive": "drive-hd1", "bus": "hotplug0", "bootindex": 1}
    ]
    assert disk.backends[0].props["file"] == {"driver": "file", "filename": "/img/d.qcow2"}
    nic = dev.nic("net0", mac="52:54:00:00:00:01")
    assert nic.backends == [Backend("netdev", {"type": "user", "id": "net-net0"})]
    assert nic.devices == [
        {"driver": "virtio-net-pci", "id": "net0", "netdev": "net-net0", "mac": "52:54:00:00:00:01"}
    ]
    combined = dev.rng() + dev.balloon() + dev.vsock("vs0", 3)
    assert isinstance(combined, Parts)
    assert [d["driver"] for d in combined.devices] == [
        "virtio-rng-pci",
        "virtio-balloon-pci",
        "vhost-vsock-pci",
    ]
    assert dev.pcie_root_ports(2).devices == [
        {"driver": "pcie-root-port", "id": "hotplug0", "bus": "pcie.0", "chassis": 1},
        {"driver": "pcie-root-port", "id": "hotplug1", "bus": "pcie.0", "chassis": 2},
    ]


@pytest.mark.parametrize("bad_id", ["1abc", "has space", "a,b", "", "x=y"])
def test_helper_ids_are_checked(bad_id: str) -> None:
    with pytest.raises(ValidationError, match="invalid"):
        dev.disk(bad_id, "/img/x.qcow2")


def test_node_names_longer_than_qemu_allows_are_rejected() -> None:
    with pytest.raises(ValidationError, match="longer than 31"):
        dev.disk("d" * 40, "/img/x.qcow2")
