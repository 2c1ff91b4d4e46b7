"""Lossless round-trip of the hand-written libvirt corpus through the typed model.

Every corpus document is one libvirt itself accepts (checked with libvirt's own
``virt-xml-validate``); parsing it and writing it back, compact or pretty, must give the same
canonical XML, comments and unknown elements included, and touching typed properties
without changing their values must not change a single byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

import hearth.domain
from hearth.domain import Domain, Network, StoragePool, StorageVolume
from hearth.domain.xmlbuilder import Flag, Scaled, Section, XMLChild, XMLChildren, XMLObject, XMLProperty

from ._support import (
    assert_same_document,
    c14n_diff,
    canonical,
    corpus_files,
    corpus_id,
    corpus_path,
    kind_of,
    libvirt_test_connection,
    virt_xml_validate,
)

FILES = corpus_files()
IDS = [corpus_id(p) for p in FILES]


def load(path: Path) -> XMLObject:
    """Parse with the public entry point for the document's kind."""
    if path.parent.name == "domain":
        return hearth.domain.parse(path.read_bytes())
    return kind_of(path).from_xml(path.read_bytes())


def test_corpus_is_big_and_covers_every_kind() -> None:
    kinds = [p.parent.name for p in FILES]
    assert len(FILES) >= 36, f"only {len(FILES)} corpus documents"
    assert kinds.count("domain") >= 25
    assert kinds.count("network") >= 6
    assert kinds.count("storagepool") >= 6
    assert kinds.count("storagevol") >= 2


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_libvirt_accepts_corpus_document(path: Path) -> None:
    """The corpus is libvirt's format, not ours: libvirt's RelaxNG schemas must accept each file."""
    res = virt_xml_validate(path, path.parent.name)
    assert res.returncode == 0, f"virt-xml-validate rejects {corpus_id(path)}:\n{res.stderr}{res.stdout}"


LIBVIRT_DEFINABLE = [p for p in FILES if p.parent.name in ("domain", "network", "storagepool", "storagevol")]


@pytest.mark.parametrize("path", LIBVIRT_DEFINABLE, ids=[corpus_id(p) for p in LIBVIRT_DEFINABLE])
def test_libvirt_parser_accepts_corpus_document(path: Path, tmp_path: Path) -> None:
    """Beyond the schema, libvirt's own parser (test driver, no daemon) must accept the document."""
    import libvirt

    conn: Any = libvirt_test_connection(tmp_path)
    xml = path.read_text(encoding="utf-8")
    try:
        kind = path.parent.name
        if kind == "domain":
            conn.defineXML(xml).undefine()
        elif kind == "network":
            conn.networkDefineXML(xml).undefine()
        elif kind == "storagepool":
            conn.storagePoolDefineXML(xml).undefine()
        else:
            pool = conn.storagePoolDefineXML(
                "<pool type='dir'><name>p</name><target><path>/var/lib/libvirt/images</path></target></pool>"
            )
            pool.create()
            conn.storagePoolLookupByName("p").createXML(xml).delete()
    except libvirt.libvirtError as exc:
        pytest.fail(f"libvirt refuses {corpus_id(path)}: {exc}")
    finally:
        conn.close()


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_parse_gives_the_typed_class(path: Path) -> None:
    obj = load(path)
    assert type(obj) is kind_of(path)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_roundtrip_compact(path: Path) -> None:
    out = load(path).to_xml(pretty=False)
    assert_same_document(canonical(path), canonical(out), label=corpus_id(path))


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_roundtrip_pretty(path: Path) -> None:
    out = load(path).to_xml(pretty=True)
    assert_same_document(canonical(path), canonical(out), label=corpus_id(path))


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_written_document_reparses_to_itself(path: Path) -> None:
    """Writing is a fixed point: what we write, we read back and write again byte for byte."""
    cls = kind_of(path)
    once = load(path).to_xml(pretty=True)
    twice = cls.from_xml(once).to_xml(pretty=True)
    assert once == twice


# ---- touching typed properties -------------------------------------------------------------


def _descriptors(obj: XMLObject) -> Iterator[tuple[str, object]]:
    seen: set[str] = set()
    for klass in type(obj).__mro__:
        for name, desc in vars(klass).items():
            if name not in seen:
                seen.add(name)
                yield name, desc


def touch_everything(top: XMLObject, obj: XMLObject, path: str, problems: list[str]) -> None:
    """Read every typed property below ``obj`` and assign the value read; record any change."""
    for name, desc in _descriptors(obj):
        where = f"{type(obj).__name__}{path}.{name}"
        if isinstance(desc, XMLProperty | Scaled | Flag):
            before = top.to_xml(pretty=False)
            try:
                setattr(obj, name, getattr(obj, name))
            except Exception as exc:  # a valid libvirt value must survive being set back
                problems.append(f"{where}: {type(exc).__name__}: {exc}")
                continue
            after = top.to_xml(pretty=False)
            if after != before:
                problems.append(f"{where}:\n{c14n_diff(canonical(before), canonical(after), label=where)}")
        elif isinstance(desc, Section):
            touch_everything(top, getattr(obj, name), f"{path}.{name}", problems)
        elif isinstance(desc, XMLChild):
            child = getattr(obj, name)
            if child is not None:
                touch_everything(top, child, f"{path}.{name}", problems)
                before = top.to_xml(pretty=False)
                setattr(obj, name, child)
                if top.to_xml(pretty=False) != before:
                    problems.append(f"{where}: assigning the same child changed the document")
        elif isinstance(desc, XMLChildren):
            for i, child in enumerate(getattr(obj, name)):
                touch_everything(top, child, f"{path}.{name}[{i}]", problems)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_setting_every_property_to_its_own_value_changes_nothing(path: Path) -> None:
    obj = load(path)
    original = obj.to_xml(pretty=False)
    problems: list[str] = []
    touch_everything(obj, obj, "", problems)
    assert not problems, f"{corpus_id(path)}: " + "\n".join(problems)
    assert obj.to_xml(pretty=False) == original


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_reading_every_property_creates_nothing(path: Path) -> None:
    """Sections are views: asking ``domain.cpu.mode`` on a document without <cpu> adds no <cpu>."""
    obj = load(path)
    original = obj.to_xml(pretty=False)

    def read(o: XMLObject) -> None:
        for name, desc in _descriptors(o):
            if isinstance(desc, XMLProperty | Scaled | Flag):
                getattr(o, name)
            elif isinstance(desc, Section):
                read(getattr(o, name))
            elif isinstance(desc, XMLChild):
                child = getattr(o, name)
                if child is not None:
                    read(child)
            elif isinstance(desc, XMLChildren):
                for child in getattr(o, name):
                    read(child)

    read(obj)
    assert obj.to_xml(pretty=False) == original


# ---- edits keep everything else in place ----------------------------------------------------


def _changed_lines(before: str, after: str) -> list[str]:
    diff = c14n_diff(canonical(before), canonical(after)).splitlines()
    return [ln for ln in diff[2:] if ln[:1] in "+-"]


def test_edit_changes_only_the_edited_attribute_and_keeps_unknown_elements_in_place() -> None:
    path = corpus_path("domain/metadata-seclabel-resource.xml")
    dom = hearth.domain.parse(path.read_bytes())
    before = dom.to_xml(pretty=False)
    disk = dom.devices.disks[0]
    disk.source_file = "/var/lib/hearth/instances/app01/disk0-moved.qcow2"
    after = dom.to_xml(pretty=False)
    changed = _changed_lines(before, after)
    assert len(changed) == 2, changed
    assert "disk0.qcow2" in changed[0] and "disk0-moved.qcow2" in changed[1]
    # The <seclabel> child that the model does not know stays inside <source>, after it.
    src = dom.node.find("devices/disk/source")
    assert src is not None and [c.tag for c in src] == ["seclabel"]
    # Unknown top-level sections keep their position relative to their neighbours.
    tags = [c.tag for c in dom.node if isinstance(c.tag, str)]
    assert tags.index("perf") == tags.index("on_crash") + 1
    assert tags[-3:] == ["seclabel", "keywrap", "{http://libvirt.org/schemas/domain/qemu/1.0}commandline"]


def test_new_typed_values_land_between_unknown_siblings() -> None:
    """Adding an element the document lacks must not disturb the unknown ones around it."""
    path = corpus_path("domain/kvm-i440fx-bios-legacy.xml")
    dom = hearth.domain.parse(path.read_bytes())
    before = dom.to_xml(pretty=False)
    dom.pm_suspend_to_mem = False
    after = dom.to_xml(pretty=False)
    changed = _changed_lines(before, after)
    assert changed == ["+<pm>", '+<suspend-to-mem enabled="no">', "+</suspend-to-mem>", "+</pm>"], changed
    tags = [c.tag for c in dom.node if isinstance(c.tag, str)]
    assert tags.index("pm") == tags.index("on_crash") + 1
    assert tags.index("sysinfo") == tags.index("os") + 1


def test_network_edit_keeps_dnsmasq_namespace_block() -> None:
    path = corpus_path("network/ipv6-dualstack-dns.xml")
    net = Network.from_xml(path.read_bytes())
    before = net.to_xml(pretty=False)
    net.bridge_name = "virbr21"
    changed = _changed_lines(before, net.to_xml(pretty=False))
    assert len(changed) == 2 and "virbr20" in changed[0] and "virbr21" in changed[1], changed
    assert canonical(net.to_xml()).count("dnsmasq:option ") == 2


def test_storage_edit_keeps_namespaced_mount_options() -> None:
    path = corpus_path("storagepool/netfs-nfs.xml")
    pool = StoragePool.from_xml(path.read_bytes())
    pool.target_path = "/var/lib/libvirt/nfs2"
    out = canonical(pool.to_xml())
    assert 'fs:option name="lazytime"' in out and "<path>/var/lib/libvirt/nfs2</path>" in out
    vol = StorageVolume.from_xml(corpus_path("storagevol/qcow2-backing.xml").read_bytes())
    vol.backing_path = "/var/lib/libvirt/images/debian-12-base-v2.qcow2"
    assert "<lazy_refcounts></lazy_refcounts>" in canonical(vol.to_xml())


# ---- serialising is a read ------------------------------------------------------------------


def test_pretty_output_does_not_reformat_the_model() -> None:
    """``to_xml(pretty=True)`` is a way of printing; it must not re-indent the tree it prints."""
    dom = hearth.domain.parse(corpus_path("domain/formatting-oddities.xml").read_bytes())
    compact = dom.to_xml(pretty=False)
    dom.to_xml(pretty=True)
    assert dom.to_xml(pretty=False) == compact


def test_top_level_comments_and_processing_instructions_survive() -> None:
    """libvirt's own files under /etc/libvirt start with a WARNING comment outside the root."""
    xml = "<!-- WARNING: generated -->\n<?app keep='me'?>\n<domain><name>x</name></domain>\n<!--tail-->"
    out = hearth.domain.parse(xml).to_xml(pretty=False)
    assert_same_document(canonical(xml), canonical(out))


def test_compact_output_of_an_untouched_document_keeps_its_text() -> None:
    """Without pretty printing the element text and whitespace come back exactly as read."""
    path = corpus_path("domain/kvm-direct-kernel-boot.xml")
    dom = Domain.from_xml(path.read_bytes())
    out = dom.to_xml(pretty=False)
    expected = etree.tostring(etree.parse(str(path)).getroot(), encoding="unicode")
    assert out == expected
