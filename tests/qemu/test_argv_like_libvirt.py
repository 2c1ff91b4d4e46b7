"""Memory and ``-boot`` reach QEMU as libvirt passes them, checked against the installed libvirt.

libvirt's own translation (``virConnectDomainXMLToNative``, ``virsh domxml-to-native
qemu-argv``) of the same document is the reference: it defines nothing on the host and starts
no QEMU, so every odd size and unit can be compared. libvirt rounds a size up to whole KiB
when it parses it, then up to whole MiB for QEMU (219100 KiB runs as ``-m 214``), and passes
``strict=on`` in every ``-boot``, with or without a boot order or a ``bootindex``.
"""

from __future__ import annotations

from collections.abc import Iterator

import libvirt
import pytest

from hearth.domain import parse
from hearth.qemu import render_argv
from hearth.qemu.from_domain import machine_from_domain
from tests.libvirt_host import SYSTEM_URI

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


def _options(args: list[str], *names: str) -> dict[str, list[str]]:
    return {name: [args[i + 1] for i, a in enumerate(args) if a == name] for name in names}


@pytest.fixture(scope="module")
def conn() -> Iterator[libvirt.virConnect]:
    c = libvirt.open(SYSTEM_URI)
    yield c
    c.close()


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_memory_and_boot_options_are_the_ones_libvirt_passes(
    conn: libvirt.virConnect, case: dict[str, str]
) -> None:
    text = _document(case)
    theirs = conn.domainXMLToNative("qemu-argv", text, 0).split()
    ours = render_argv(machine_from_domain(parse(text)).machine, accel="tcg").args
    wanted = ("-m", "-boot")
    assert _options(ours, *wanted) == _options(theirs, *wanted)
    assert _options(ours, "-boot")["-boot"][0].endswith("strict=on")


@pytest.mark.parametrize(
    ("name", "mib"),
    [("bytes-one-above-a-MiB", "129"), ("KiB-not-whole-MiB", "214"), ("numa-cells-override-memory", "256")],
)
def test_a_size_above_a_whole_mib_runs_with_the_next_mib(name: str, mib: str) -> None:
    """What libvirt answered above, pinned, so the comparison cannot pass by both sides changing."""
    text = _document(CASES[name])
    assert _options(render_argv(machine_from_domain(parse(text)).machine, accel="tcg").args, "-m") == {
        "-m": [mib]
    }
