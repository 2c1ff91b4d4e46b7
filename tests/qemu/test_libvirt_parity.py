"""The same domain is the same guest under hearth.qemu and under libvirt (same QEMU, TCG).

Each document of tests/qemu/corpus (all pass virt-xml-validate) is started paused both ways
and the hardware both QEMUs report is compared (tests/qemu/hardware.py): CPU model and CPUID
words, topology, memory and NUMA, device types with their timer and power-state properties,
firmware images and boot order. bench/fidelity.py prints the same run as figures.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.qemu import hardware, parity
from tests.qemu._support import short_dir

pytestmark = [pytest.mark.libvirtd, pytest.mark.guest]


@pytest.fixture(scope="module")
def outcomes() -> list[parity.Outcome]:
    return parity.compare(parity.corpus())


def test_every_corpus_document_is_valid_libvirt_xml() -> None:
    for path in parity.corpus():
        done = subprocess.run(["virt-xml-validate", str(path), "domain"], capture_output=True, text=True)
        assert done.returncode == 0, f"{path.name}: {done.stderr}"


def test_every_corpus_document_is_translated(outcomes: list[parity.Outcome]) -> None:
    assert [o.name for o in outcomes if not o.translated] == []


def test_at_least_95_percent_of_translated_documents_are_identical_hardware(
    outcomes: list[parity.Outcome],
) -> None:
    unexplained = {o.name: o.detail for o in outcomes if o.translated and parity.verdict(o) == "different"}
    assert parity.identical_pct(outcomes) >= 95, unexplained


# Documents that say as little as possible: libvirt's defaults are all they get.
DEFAULTS = (
    "defaults-pc",
    "video-defaults",
    "bochs-no-usb-balloon",
    "usb-ports",
    "usb-ich9-unindexed",
    "loader-rom",
)


def test_what_the_xml_leaves_unsaid_is_the_same_hardware(outcomes: list[parity.Outcome]) -> None:
    found = {o.name: o for o in outcomes}
    assert {n: parity.verdict(found[n]) for n in DEFAULTS} == dict.fromkeys(DEFAULTS, "identical")


def test_a_document_neither_side_can_start_is_refused_by_both_for_the_same_cause(
    outcomes: list[parity.Outcome],
) -> None:
    for o in outcomes:
        if parity.verdict(o) == "both refused":
            assert o.name in parity.HOST_LIMITS, f"{o.name}: {o.detail}"


def test_every_pci_device_sits_where_libvirt_puts_it(outcomes: list[parity.Outcome]) -> None:
    """Slots, root ports and bridges alike (guests name NICs and remember devices by slot)."""
    started = [o for o in outcomes if o.translated and parity.verdict(o) != "both refused"]
    assert [o.name for o in started if not o.pci_layout_same] == []


def test_the_comparison_sees_a_different_guest() -> None:
    """The facts are not blind: the same domain with another CPU model differs in the CPU only."""
    text = (parity.CORPUS / "cpu-feature-policies.xml").read_text()
    work = short_dir("hpar-")
    try:
        one = parity.hearth_facts(text, work / "a")
        other = parity.hearth_facts(text.replace(">Haswell<", ">Westmere<"), work / "b")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert hardware.differences(one, other) == ["cpu"]
