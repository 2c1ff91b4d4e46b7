"""Shared helpers for the hearth.domain tests: the corpus, canonical comparison, libvirt's validator.

The corpus lives in ``corpus/<schema>/``; the directory name is the schema name that
``virt-xml-validate`` takes, and picks the hearth class that parses the document.
"""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
from pathlib import Path

from lxml import etree

from hearth.domain import (
    Domain,
    DomainCapabilities,
    HostCapabilities,
    Network,
    StoragePool,
    StorageVolume,
)
from hearth.domain.xmlbuilder import XMLObject

CORPUS = Path(__file__).parent / "corpus"

KINDS: dict[str, type[XMLObject]] = {
    "domain": Domain,
    "network": Network,
    "storagepool": StoragePool,
    "storagevol": StorageVolume,
    "capability": HostCapabilities,
    "domaincaps": DomainCapabilities,
}


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*/*.xml") if p.parent.name in KINDS)


def corpus_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def corpus_path(rel: str) -> Path:
    return CORPUS / rel


def kind_of(path: Path) -> type[XMLObject]:
    return KINDS[path.parent.name]


def canonical(xml: str | bytes | Path) -> str:
    """C14N 2.0 with comments, surrounding whitespace of text stripped: equal means same document."""
    if isinstance(xml, Path):
        return str(etree.canonicalize(from_file=str(xml), strip_text=True, with_comments=True))
    if isinstance(xml, bytes):
        xml = etree.tostring(etree.fromstring(xml), encoding="unicode")
    return str(etree.canonicalize(xml, strip_text=True, with_comments=True))


def _lines(c14n: str) -> list[str]:
    # C14N with stripped text has no whitespace between tags: one tag per line reads well in a diff.
    return re.sub(r">\s*<", ">\n<", c14n).splitlines()


def c14n_diff(expected: str, actual: str, *, label: str = "document") -> str:
    diff = difflib.unified_diff(
        _lines(expected), _lines(actual), f"{label} (original)", f"{label} (written back)", lineterm="", n=2
    )
    return "\n".join(diff)


def assert_same_document(expected: str, actual: str, *, label: str = "document") -> None:
    if expected != actual:
        raise AssertionError(f"{label} changed:\n{c14n_diff(expected, actual, label=label)}")


VIRT_XML_VALIDATE = shutil.which("virt-xml-validate")


def virt_xml_validate(path: Path, schema: str) -> subprocess.CompletedProcess[str]:
    """Run libvirt's own validator (libvirt-clients) on ``path`` against ``schema``."""
    assert VIRT_XML_VALIDATE is not None, (
        "virt-xml-validate is missing: install libvirt-clients (listed in scripts/system-packages.txt)"
    )
    return subprocess.run(
        [VIRT_XML_VALIDATE, str(path), schema], capture_output=True, text=True, timeout=60, check=False
    )


def assert_valid(xml: str, schema: str, tmp_path: Path, name: str = "built.xml") -> None:
    path = tmp_path / name
    path.write_text(xml, encoding="utf-8")
    res = virt_xml_validate(path, schema)
    assert res.returncode == 0, f"libvirt rejects the {schema} document:\n{res.stderr}{res.stdout}\n{xml}"


def libvirt_test_connection(tmp_path: Path) -> object:
    """A fresh in-memory libvirt test driver (an empty node) to let libvirt's own parser judge XML."""
    import libvirt

    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    node = tmp_path / "empty-node.xml"
    node.write_text("<node/>")
    return libvirt.open(f"test://{node}")
