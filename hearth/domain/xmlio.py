"""Safe parsing and serialisation of XML that may come from outside.

Every document we read (from users, from libvirt, from files) goes through ``parse_element``:
no DTD, no entities, no network, no file access, bounded size. libvirt never emits a DOCTYPE,
so one is refused outright; a resolver that denies everything guarantees libxml2 never opens
a file a DOCTYPE names, even while it is still reading the prolog.
"""

from __future__ import annotations

import copy
import re
import threading
from typing import Any

from lxml import etree

from hearth.errors import ValidationError

MAX_XML_BYTES = 8 * 1024 * 1024

_XML_DECL = re.compile(r"^\s*<\?xml\s[^>]*\?>")


class XMLParseError(ValidationError):
    """A document that is not well-formed, too large, or uses forbidden constructs."""


class _DenyAll(etree.Resolver):
    """Resolves every external reference (DTD, entity, XInclude) to nothing."""

    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:  # type: ignore[override]
        return self.resolve_string("", context, base_url=None)


_local = threading.local()


def _parser() -> etree.XMLParser:
    """One parser per thread: lxml parsers must not be used by two threads at once."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            dtd_validation=False,
            remove_comments=False,
            remove_pis=False,
            collect_ids=False,
        )
        parser.resolvers.add(_DenyAll())
        _local.parser = parser
    return parser


def _doctype_line(data: bytes) -> int:
    pos = data.lower().find(b"<!doctype")
    return data[:pos].count(b"\n") + 1 if pos >= 0 else 1


def parse_element(text: str | bytes, *, what: str = "XML document") -> etree._Element:
    """Parse untrusted XML into an element tree, or raise one XMLParseError naming line and problem."""
    # Text is already decoded: an encoding declaration would make libxml2 decode it twice.
    data = _XML_DECL.sub("", text, count=1).encode("utf-8") if isinstance(text, str) else text
    if len(data) > MAX_XML_BYTES:
        raise XMLParseError(
            f"{what} is {len(data)} bytes, over the limit of {MAX_XML_BYTES} bytes", size=len(data)
        )
    try:
        root = etree.fromstring(data, _parser())
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
        line = _doctype_line(data)
        raise XMLParseError(f"{what} line {line}: DOCTYPE and ENTITY declarations are not allowed", line=line)
    return root


def to_string(node: etree._Element, *, pretty: bool = True) -> str:
    """Serialise without touching the live tree.

    A document's root keeps the comments and processing instructions around it, one per
    line; ``pretty`` re-indents a copy (whitespace only, never content).
    """
    target = node
    if pretty:
        target = copy.deepcopy(node)
        etree.indent(target, space="  ")
    body = etree.tostring(target, encoding="unicode", with_tail=False)
    if node.getparent() is not None:
        return body
    before = [
        etree.tostring(s, encoding="unicode", with_tail=False) for s in node.itersiblings(preceding=True)
    ]
    after = [etree.tostring(s, encoding="unicode", with_tail=False) for s in node.itersiblings()]
    return "\n".join([*reversed(before), body, *after])
