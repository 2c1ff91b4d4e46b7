"""Safe parsing and serialisation of XML that may come from outside.

Every document we read (from users, from libvirt, from files) goes through ``parse_element``:
no DTD, no entities, no network, bounded size. libvirt never emits a DOCTYPE, so rejecting
one outright costs nothing and closes the whole entity-expansion family of attacks.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from hearth.errors import ValidationError

MAX_XML_BYTES = 8 * 1024 * 1024


class XMLParseError(ValidationError):
    """A document that is not well-formed, too large, or uses forbidden constructs."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=False,
        remove_pis=False,
        collect_ids=False,
    )


_PARSER = _parser()


def parse_element(text: str | bytes, *, what: str = "XML document") -> etree._Element:
    """Parse untrusted XML into an element tree, or raise one XMLParseError naming line and problem."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if len(data) > MAX_XML_BYTES:
        raise XMLParseError(
            f"{what} is {len(data)} bytes, over the limit of {MAX_XML_BYTES} bytes", size=len(data)
        )
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 0
        msg = exc.msg or str(exc)
        # lxml appends "(line N, column M)"; we already say the line.
        msg = msg.split(", line ")[0].strip()
        raise XMLParseError(f"{what} line {line}: {msg}", line=line) from None
    if root is None:
        raise XMLParseError(f"{what} is empty")
    docinfo: Any = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise XMLParseError(f"{what} line 1: DOCTYPE and ENTITY declarations are not allowed", line=1)
    return root


def to_string(node: etree._Element, *, pretty: bool = True) -> str:
    """Serialise a tree; ``pretty`` re-indents (whitespace only, never content)."""
    if pretty:
        etree.indent(node, space="  ")
    return etree.tostring(node, encoding="unicode")
