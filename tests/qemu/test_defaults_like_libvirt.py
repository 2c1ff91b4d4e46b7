"""Where the XML is silent, hearth.qemu passes what libvirt passes, checked against the installed
libvirt's own translation of the same document (``virsh domxml-to-native qemu-argv``).

Each case leaves one thing unsaid (no ``<cpu>``, no topology, no USB controller, a SCSI
controller without a model...) and compares the options that carry it, read by
tests/qemu/native.py with QEMU's aliases resolved. The running guests are compared too, by
tests/qemu/test_libvirt_parity.py over the corpus; this is the cheap check of every default.
"""

from __future__ import annotations

import libvirt
import pytest

from hearth.errors import ValidationError
from tests.qemu import native

pytestmark = pytest.mark.libvirtd

DOMAIN = (
    "<domain type='qemu'><name>defaults-like-libvirt</name><memory unit='MiB'>128</memory>{vcpu}"
    "<os><type arch='x86_64'{machine}>hvm</type>{os}</os>{features}{cpu}"
    "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>{devices}</devices></domain>"
)
Q35 = " machine='q35'"
ACPI = "<features><acpi/></features>"
CODE = "/usr/share/OVMF/OVMF_CODE.fd"
ROM = "/usr/share/seabios/bios-256k.bin"
SCSI = "<controller type='scsi' index='0'/>"
ICH9 = "".join(f"<controller type='usb' model='ich9-{m}'/>" for m in ("ehci1", "uhci1", "uhci2"))
DISK = (
    "<disk type='file' device='disk'><source file='/var/lib/libvirt/images/defaults.img'/>"
    "<target dev='{dev}' bus='{bus}'/>{boot}</disk>"
)

# name: (document parts, the aspects compared)
CASES: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "no-cpu-is-qemu64": ({}, ("-cpu",)),
    "no-cpu-is-qemu64-on-q35": ({"machine": Q35}, ("-cpu",)),
    "match-exact-model-without-mode-is-custom": (
        {"cpu": "<cpu match='exact'><model>Westmere</model></cpu>"},
        ("-cpu",),
    ),
    "custom-model-loses-what-libvirt-removed": (
        {"cpu": "<cpu match='exact'><model>EPYC</model></cpu>"},
        ("-cpu",),
    ),
    "host-model-is-libvirt-s-decoding-of-tcg-max": ({"cpu": "<cpu mode='host-model'/>"}, ("-cpu",)),
    "host-model-with-features-on-q35": (
        {
            "machine": Q35,
            "cpu": "<cpu mode='host-model'><feature policy='disable' name='erms'/>"
            "<feature policy='optional' name='topoext'/><feature policy='optional' name='pdpe1gb'/>"
            "<feature policy='force' name='avx512f'/><feature policy='forbid' name='avx512bw'/></cpu>",
        },
        ("-cpu",),
    ),
    "vcpus-are-sockets-of-one-core": ({"vcpu": "<vcpu>6</vcpu>"}, ("smp",)),
    "current-vcpus-below-the-maximum": ({"vcpu": "<vcpu current='2'>4</vcpu>"}, ("smp",)),
    "no-machine-is-pc": ({}, ("machine",)),
    "q35-alias": ({"machine": Q35}, ("machine",)),
    "implicit-usb-and-balloon-on-pc": ({}, ("devices",)),
    "implicit-usb-and-balloon-on-q35": ({"machine": Q35}, ("devices",)),
    "none-means-none": (
        {"devices": "<controller type='usb' model='none'/><memballoon model='none'/>"},
        ("devices",),
    ),
    "model-less-usb-controller": ({"devices": "<controller type='usb' index='0'/>"}, ("devices",)),
    "model-less-usb-controller-on-q35": (
        {"machine": Q35, "devices": "<controller type='usb' index='0'/>"},
        ("devices",),
    ),
    "ich9-usb-sets-without-indexes": ({"devices": ICH9 + ICH9.replace("uhci2", "uhci3")}, ("devices",)),
    "ich9-usb-set-after-xhci": (
        {"devices": "<controller type='usb' model='qemu-xhci'/>" + ICH9},
        ("devices",),
    ),
    "ich9-companion-before-its-ehci": (
        {"devices": "<controller type='usb' model='ich9-uhci1'/><controller type='usb' model='ich9-ehci1'/>"},
        ("devices",),
    ),
    "hpet-off": (
        {"features": ACPI + "<clock offset='utc'><timer name='hpet' present='no'/></clock>"},
        ("machine",),
    ),
    "scsi-controller-without-model-is-lsi": (
        {"devices": "<controller type='scsi' index='0'/>"},
        ("devices",),
    ),
    "scsi-disk-without-controller-gets-lsi": (
        {"devices": DISK.format(dev="sda", bus="scsi", boot="")},
        ("devices",),
    ),
    "scsi-controller-without-model-on-q35": (
        {"machine": Q35, "devices": SCSI},
        ("devices",),
    ),
    "disk-write-cache-left-to-qemu": (
        {"devices": DISK.format(dev="vda", bus="virtio", boot="")},
        ("devices",),
    ),
    "shareable-disk-write-cache": (
        {"devices": DISK.format(dev="sda", bus="scsi", boot="<shareable/>")},
        ("devices",),
    ),
    "loader-without-type-is-a-rom": (
        {"os": f"<loader>{ROM}</loader>"},
        ("-bios", "machine"),
    ),
    "pflash-code-writable-unless-readonly": (
        {"machine": Q35, "features": ACPI, "os": f"<loader type='pflash'>{CODE}</loader>"},
        ("machine",),
    ),
    "pflash-code-readonly-no": (
        {"machine": Q35, "features": ACPI, "os": f"<loader type='pflash' readonly='no'>{CODE}</loader>"},
        ("machine",),
    ),
    "pflash-code-readonly-yes": (
        {"machine": Q35, "features": ACPI, "os": f"<loader type='pflash' readonly='yes'>{CODE}</loader>"},
        ("machine",),
    ),
    "a-bootindex-boots-strictly": (
        {"devices": DISK.format(dev="vda", bus="virtio", boot="<boot order='1'/>")},
        ("-boot", "devices"),
    ),
    "boot-dev-becomes-bootindex-strictly": (
        {"os": "<boot dev='hd'/>", "devices": DISK.format(dev="vda", bus="virtio", boot="")},
        ("-boot", "devices"),
    ),
    "secondary-video-is-no-second-vga-on-pc": (
        {"devices": "<video><model type='qxl' primary='yes'/></video><video><model type='qxl'/></video>"},
        ("devices",),
    ),
    "secondary-video-is-no-second-vga-on-q35": (
        {
            "machine": Q35,
            "devices": "<video><model type='virtio' primary='yes'/></video>"
            "<video><model type='virtio'/></video>",
        },
        ("devices",),
    ),
    "video-sizes-and-heads-when-silent": (
        {"devices": "<video><model type='vga'/></video><video><model type='qxl' heads='2'/></video>"},
        ("devices",),
    ),
    "bochs-video-memory-when-silent": ({"devices": "<video><model type='bochs'/></video>"}, ("devices",)),
    "a-display-without-video-gets-cirrus": ({"devices": "<graphics type='vnc'/>"}, ("devices",)),
}


def _document(parts: dict[str, str]) -> str:
    fields = dict.fromkeys(("machine", "os", "features", "cpu", "devices"), "")
    return DOMAIN.format(**{**fields, "vcpu": "<vcpu>1</vcpu>", **parts})


def _aspects(args: list[str], aspects: tuple[str, ...]) -> dict[str, object]:
    readers = {"devices": native.devices, "machine": native.machine, "smp": native.smp}
    out: dict[str, object] = {}
    for aspect in aspects:
        out[aspect] = readers[aspect](args) if aspect in readers else native.options(args, aspect)[aspect]
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_what_the_domain_leaves_unsaid_is_what_libvirt_passes(conn: libvirt.virConnect, name: str) -> None:
    parts, aspects = CASES[name]
    text = _document(parts)
    theirs = _aspects(native.libvirt_argv(conn, text), aspects)
    ours = _aspects(native.hearth_argv(text), aspects)
    assert ours == theirs


@pytest.mark.parametrize(
    "feature", ["<feature policy='require' name='topoext'/>", "<feature policy='forbid' name='pdpe1gb'/>"]
)
def test_a_host_model_cpu_the_host_cannot_honour_is_refused_in_libvirt_s_words(
    conn: libvirt.virConnect, feature: str
) -> None:
    text = _document({"cpu": f"<cpu mode='host-model'>{feature}</cpu>"})
    with pytest.raises(libvirt.libvirtError) as theirs:
        native.libvirt_argv(conn, text)
    with pytest.raises(ValidationError) as ours:
        native.hearth_argv(text)
    assert ours.value.message == theirs.value.get_error_message()


def test_a_kvm_host_model_cpu_is_libvirt_s_decoding_of_kvm_s_host_cpu(conn: libvirt.virConnect) -> None:
    """KVM's host CPU (non-migratable invtsc included, as libvirt lists it) described the same way."""
    text = _document({"cpu": "<cpu mode='host-model'><feature policy='disable' name='vme'/></cpu>"})
    text = text.replace("type='qemu'", "type='kvm'")
    assert native.options(native.hearth_argv(text), "-cpu") == native.options(
        native.libvirt_argv(conn, text), "-cpu"
    )


def test_the_comparison_sees_a_different_default(conn: libvirt.virConnect) -> None:
    """Not blind: a SCSI controller that is virtio-scsi on one side only is a difference."""
    text = _document({"devices": SCSI})
    other = _document({"devices": "<controller type='scsi' index='0' model='virtio-scsi'/>"})
    assert _aspects(native.hearth_argv(other), ("devices",)) != _aspects(
        native.libvirt_argv(conn, text), ("devices",)
    )


@pytest.mark.parametrize(
    ("parts", "aspect", "pinned"),
    [
        ({}, "-cpu", ["qemu64"]),
        ({"vcpu": "<vcpu>6</vcpu>"}, "smp", {"cpus": "6", "sockets": "6", "cores": "1", "threads": "1"}),
        (
            {"os": f"<loader>{ROM}</loader>"},
            "-bios",
            ["/usr/share/seabios/bios-256k.bin"],
        ),
        ({"devices": DISK.format(dev="vda", bus="virtio", boot="<boot order='1'/>")}, "-boot", ["strict=on"]),
    ],
)
def test_the_defaults_are_pinned_too(parts: dict[str, str], aspect: str, pinned: object) -> None:
    """What libvirt answered above, pinned, so the comparison cannot pass by both sides changing."""
    got = _aspects(native.hearth_argv(_document(parts)), (aspect,))[aspect]
    if isinstance(pinned, dict):
        got = {k: v for k, v in dict(got).items() if k in pinned}  # type: ignore[call-overload]
    assert got == pinned
