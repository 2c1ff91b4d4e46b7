"""Ground truth for the OS database tests: the installed osinfo-db XML read with lxml,
independently of libosinfo, and a tiny osinfo tree written by the tests for the inheritance
cases the installed data cannot pin down alone."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from lxml import etree

# libosinfo's default locations, lowest first: system (the osinfo-db package), local (what
# scripts/import-osinfo-db.sh imports), user. A file in a later one replaces the file of the
# same relative path in an earlier one.
OSINFO_ROOTS = (
    Path(os.environ.get("OSINFO_SYSTEM_DIR", "/usr/share/osinfo")),
    Path(os.environ.get("OSINFO_LOCAL_DIR", "/etc/osinfo")),
    Path(os.environ.get("OSINFO_USER_DIR", Path.home() / ".config" / "osinfo")),
)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


@cache
def os_files() -> dict[str, Path]:
    """The OS files libosinfo reads, by path relative to the ``os`` directory of their root."""
    files: dict[str, Path] = {}
    for root in OSINFO_ROOTS:
        for path in (root / "os").rglob("*.xml"):
            files[str(path.relative_to(root / "os"))] = path
    return files


@cache
def _os_elements() -> dict[str, etree._Element]:
    """Every <os> element of the installed database by each of its short-ids.

    Files in ``<name>.d/`` directories only add to an OS (driver lists): the main file is the
    one that describes it.
    """
    found: dict[str, etree._Element] = {}
    for _, path in sorted(os_files().items()):
        if path.parent.name.endswith(".d"):
            continue
        for node in etree.parse(str(path), _PARSER).getroot().iter("os"):
            for short in node.findall("short-id"):
                found.setdefault(short.text or "", node)
    return found


def all_os_elements() -> list[etree._Element]:
    unique = {id(n): n for n in _os_elements().values()}
    return list(unique.values())


def os_xml(short_id: str) -> etree._Element:
    return _os_elements()[short_id]


def xml_text(node: etree._Element, path: str) -> str | None:
    """Text of the first match without an xml:lang (the untranslated value)."""
    for child in node.findall(path):
        if "{http://www.w3.org/XML/1998/namespace}lang" not in child.attrib:
            return (child.text or "").strip()
    return None


def xml_resource(short_id: str, arch: str, kind: str, field: str) -> int | None:
    """One number straight from <resources arch=...><kind><field> of the OS's XML file."""
    node = os_xml(short_id).find(f"resources[@arch='{arch}']/{kind}/{field}")
    return int(node.text) if node is not None and node.text else None


# A small database, laid out the way libosinfo insists (os/<host>/<path>.xml), that pins down
# inheritance: parent -> child (no resources, drops a device, forbids BIOS) -> grandchild
# (own minimum only, forbids EFI).
_DEVICE = """<?xml version="1.0"?>
<libosinfo version="0.0.1">
  <device id="http://hearth.test/dev/{name}">
    <name>test{name}</name>
    <class>{cls}</class>
    <bus-type>pci</bus-type>
    <vendor-id>abcd</vendor-id>
    <product-id>{product}</product-id>
  </device>
</libosinfo>
"""

_OSES = {
    "parent": """
    <short-id>hparent</short-id>
    <name>Hearth Parent</name>
    <family>linux</family>
    <resources arch="all">
      <minimum><n-cpus>1</n-cpus><ram>536870912</ram><storage>4294967296</storage></minimum>
      <recommended><n-cpus>2</n-cpus><ram>2147483648</ram><storage>10737418240</storage></recommended>
    </resources>
    <resources arch="x86_64">
      <minimum><ram>1073741824</ram></minimum>
    </resources>
    <devices>
      <device id="http://hearth.test/dev/net1"/>
      <device id="http://hearth.test/dev/gpu1"/>
    </devices>
    <firmware arch="x86_64" type="efi"/>
    <media arch="x86_64">
      <iso><volume-id>HEARTH-TEST-[0-9]+-X64</volume-id></iso>
    </media>
    <media arch="aarch64">
      <iso><volume-id>HEARTH-TEST-[0-9]+-A64</volume-id></iso>
    </media>""",
    "child": """
    <short-id>hchild</short-id>
    <short-id>hchild-alias</short-id>
    <name>Hearth Child</name>
    <family>linux</family>
    <derives-from id="http://hearth.test/os/parent"/>
    <devices>
      <device id="http://hearth.test/dev/gpu1" supported="false"/>
    </devices>
    <firmware arch="x86_64" type="bios" supported="false"/>""",
    "grandchild": """
    <short-id>hgrandchild</short-id>
    <name>Hearth Grandchild</name>
    <family>linux</family>
    <derives-from id="http://hearth.test/os/child"/>
    <resources arch="all">
      <minimum><ram>4294967296</ram></minimum>
    </resources>
    <firmware arch="x86_64" type="efi" supported="false"/>""",
    "clone": """
    <short-id>hclone</short-id>
    <name>Hearth Clone</name>
    <family>linux</family>
    <clones id="http://hearth.test/os/child"/>""",
}


def write_test_tree(root: Path) -> Path:
    for name, cls, product in (("net1", "net", "0001"), ("gpu1", "video", "0002")):
        path = root / "device" / "hearth.test" / f"dev-{name}.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_DEVICE.format(name=name, cls=cls, product=product))
    for name, body in _OSES.items():
        path = root / "os" / "hearth.test" / f"os-{name}.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            '<?xml version="1.0"?>\n<libosinfo version="0.0.1">\n'
            f'  <os id="http://hearth.test/os/{name}">{body}\n  </os>\n</libosinfo>\n'
        )
    return root


def xml_attr(node: etree._Element, path: str, attr: str) -> str | None:
    """An attribute of the first element at ``path`` (None when there is no such element)."""
    found = node.find(path)
    return None if found is None else found.get(attr)
