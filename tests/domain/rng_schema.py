"""Closed value sets read from libvirt's RELAX NG schemas, the reference for the model's choices.

A grammar is its top file plus everything it includes; ``values(path, attr)`` follows
``<ref>``s from every ``<element>`` at that element path and collects the ``<value>``s an
attribute (or the element's text) may take. ``None`` means the schema leaves it open
(``<data>``, ``<text>``), so there is no closed set to compare with.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

SCHEMAS = Path("/usr/share/libvirt/schemas")
_RNG = "{http://relaxng.org/ns/structure/1.0}"


_ALTERNATIVES = re.compile(r"^\(?[\w.-]+\)?(\|\(?[\w.-]+\)?)*$")


def _pattern_values(data: etree._Element) -> set[str] | None:
    """``<data><param name='pattern'>(ipv4)|(ipv6)</param>`` is a closed set in disguise."""
    params = [p for p in data if isinstance(p.tag, str) and p.get("name") == "pattern"]
    if len(params) != 1 or not _ALTERNATIVES.match((params[0].text or "").strip()):
        return None
    return {v.strip("()") for v in (params[0].text or "").strip().split("|")}


class Grammar:
    def __init__(self, top: str, folder: Path = SCHEMAS) -> None:
        self.defines: dict[str, list[etree._Element]] = {}
        self.roots: list[etree._Element] = []
        self._load(folder / top, folder, set())

    def _load(self, path: Path, folder: Path, seen: set[Path]) -> None:
        if path in seen:
            return
        seen.add(path)
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        self.roots.append(root)
        for el in root.iter(f"{_RNG}define"):
            self.defines.setdefault(str(el.get("name")), []).append(el)
        for inc in root.iter(f"{_RNG}include"):
            self._load(folder / str(inc.get("href")), folder, seen)

    def _children(self, node: etree._Element, seen: frozenset[str]) -> list[etree._Element]:
        """Direct pattern children of ``node`` with refs expanded (elements are not entered)."""
        out: list[etree._Element] = []
        for child in node:
            if not isinstance(child.tag, str):
                continue
            if child.tag == f"{_RNG}ref":
                name = str(child.get("name"))
                if name in seen:
                    continue
                for define in self.defines.get(name, []):
                    out.extend(self._children(define, seen | {name}))
            elif child.tag in (f"{_RNG}element", f"{_RNG}attribute"):
                out.append(child)
            else:
                out.append(child)
                out.extend(self._children(child, seen))
        return out

    def elements(self, name: str) -> list[etree._Element]:
        return [el for root in self.roots for el in root.iter(f"{_RNG}element") if el.get("name") == name]

    def _child_elements(self, node: etree._Element, name: str) -> list[etree._Element]:
        return [
            c
            for c in self._children(node, frozenset())
            if c.tag == f"{_RNG}element" and c.get("name") == name
        ]

    def values(self, path: list[str], attr: str | None) -> set[str] | None:
        """The closed set at ``path`` (element names, outermost first), or None when open."""
        nodes = self.elements(path[0])
        for step in path[1:]:
            nodes = [c for n in nodes for c in self._child_elements(n, step)]
        if not nodes:
            raise LookupError(f"no element {'/'.join(path)} in the schema")
        holders: list[etree._Element] = []
        for node in nodes:
            if attr is None:
                holders.append(node)
                continue
            holders += [
                c
                for c in self._children(node, frozenset())
                if c.tag == f"{_RNG}attribute" and c.get("name") == attr
            ]
        if not holders:
            raise LookupError(f"no attribute {attr} on {'/'.join(path)} in the schema")
        return self._closed(holders, text_only=attr is None)

    def define_values(self, name: str) -> set[str] | None:
        """The closed set a ``<define>`` (such as ``bridgeMode``) stands for, or None when open."""
        if name not in self.defines:
            raise LookupError(f"no define {name} in the schema")
        return self._closed(self.defines[name], text_only=True)

    def _closed(self, holders: list[etree._Element], *, text_only: bool) -> set[str] | None:
        """The values the content of ``holders`` allows; None as soon as one of them is open."""
        found: set[str] = set()
        for holder in holders:
            content = [c for c in self._children(holder, frozenset()) if c.tag != f"{_RNG}element"]
            if text_only:
                content = [c for c in content if c.tag != f"{_RNG}attribute"]
            for data in [c for c in content if c.tag == f"{_RNG}data"]:
                closed = _pattern_values(data)
                if closed is None:
                    return None
                found |= closed
            if any(c.tag == f"{_RNG}text" for c in content) or not content:
                return None
            found |= {(c.text or "").strip() for c in content if c.tag == f"{_RNG}value"}
        return found
