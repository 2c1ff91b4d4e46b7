"""Memory and ``-boot`` reach QEMU as libvirt passes them, checked against the installed libvirt.

libvirt's own translation (``virConnectDomainXMLToNative``, ``virsh domxml-to-native
qemu-argv``) of the same document is the reference: it defines nothing on the host and starts
no QEMU, so every odd size and unit can be compared. libvirt rounds a size up to whole KiB
when it parses it, then up to whole MiB for QEMU (219100 KiB runs as ``-m 214``), and passes
``strict=on`` in every ``-boot``, with or without a boot order or a ``bootindex``.
"""

from __future__ import annotations

import libvirt
import pytest

from tests.qemu import native

pytestmark = pytest.mark.libvirtd

DOMAIN = (
    "<domain type='qemu'><name>argv-like-libvirt</name>{memory}<vcpu>1</vcpu>"
    "<os><type arch='x86_64' machine='pc'>hvm</type>{os}</os>{cpu}"
    "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>{devices}</devices></domain>"
)
DISK = (
    "<disk type='file' device='{device}'><source file='/var/lib/libvirt/images/argv.img'/>"
    "<target dev='{dev}' bus='{bus}'/>{boot}</disk>"
)
NUMA = (
    "<cpu><numa><cell id='0' cpus='0' memory='{0}' unit='b'/>"
    "<cell id='1' cpus='1' memory='{1}' unit='KiB'/></numa></cpu>"
)

CASES: dict[str, dict[str, str]] = {
    "KiB-not-whole-MiB": {"memory": "<memory unit='KiB'>219100</memory>"},
    "KiB-one-above-a-MiB": {"memory": "<memory unit='KiB'>131073</memory>"},
    "bytes-one-above-a-MiB": {"memory": "<memory unit='b'>134217729</memory>"},
    "bytes-not-whole-KiB": {"memory": "<memory unit='bytes'>219100001</memory>"},
    "decimal-MB": {"memory": "<memory unit='MB'>200</memory>"},
    "decimal-KB": {"memory": "<memory unit='KB'>219100</memory>"},
    "GiB": {"memory": "<memory unit='G'>1</memory>"},
    "no-unit-is-KiB": {"memory": "<memory>262100</memory>"},
    "current-below-memory": {
        "memory": "<memory unit='KiB'>219100</memory><currentMemory unit='KiB'>100000</currentMemory>"
    },
    "numa-cells-in-bytes-and-KiB": {
        "memory": "<memory unit='KiB'>262146</memory>",
        "cpu": NUMA.format(134217729, 131073),
        "vcpu": "2",
    },
    "numa-cells-override-memory": {
        "memory": "<memory unit='GiB'>1</memory>",
        "cpu": NUMA.format(134217728, 131072),
        "vcpu": "2",
    },
    "no-boot-element": {},
    "boot-devs": {"os": "<boot dev='cdrom'/><boot dev='hd'/>"},
    "boot-menu-on": {"os": "<bootmenu enable='yes'/>"},
    "boot-menu-with-timeout": {"os": "<bootmenu enable='yes' timeout='3000'/>"},
    "boot-menu-off": {"os": "<bootmenu enable='no'/>"},
    "disk-bootindex": {
        "devices": DISK.format(device="disk", dev="vda", bus="virtio", boot="<boot order='1'/>")
    },
    "two-bootindexes": {
        "devices": DISK.format(device="disk", dev="vda", bus="virtio", boot="<boot order='2'/>")
        + DISK.format(device="cdrom", dev="hda", bus="ide", boot="<boot order='1'/>")
    },
}


def _document(case: dict[str, str]) -> str:
    text = DOMAIN.format(
        memory=case.get("memory", "<memory unit='KiB'>131072</memory>"),
        os=case.get("os", ""),
        cpu=case.get("cpu", ""),
        devices=case.get("devices", ""),
    )
    return text.replace("<vcpu>1</vcpu>", f"<vcpu>{case.get('vcpu', '1')}</vcpu>")


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_memory_and_boot_options_are_the_ones_libvirt_passes(
    conn: libvirt.virConnect, case: dict[str, str]
) -> None:
    text = _document(case)
    theirs = native.libvirt_argv(conn, text)
    ours = native.hearth_argv(text)
    wanted = ("-m", "-boot")
    assert native.options(ours, *wanted) == native.options(theirs, *wanted)
    assert native.options(ours, "-boot")["-boot"][0].endswith("strict=on")


@pytest.mark.parametrize(
    ("name", "mib"),
    [("bytes-one-above-a-MiB", "129"), ("KiB-not-whole-MiB", "214"), ("numa-cells-override-memory", "256")],
)
def test_a_size_above_a_whole_mib_runs_with_the_next_mib(name: str, mib: str) -> None:
    """What libvirt answered above, pinned, so the comparison cannot pass by both sides changing."""
    text = _document(CASES[name])
    assert native.options(native.hearth_argv(text), "-m") == {"-m": [mib]}
