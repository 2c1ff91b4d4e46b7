"""One answer as a tree of ``Node`` s, rendered as XML, JSON or HTML from the same facts.

Deltacloud's XML and JSON differ in shape (JSON flattens properties, wraps collections in a list
under the plural), so each converter builds the XML tree and says its JSON form alongside.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from .form import Page
from .formats import Format
from .page import render_page


@dataclass
class Node:
    """An XML element: tag, attributes, text and children, in document order."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    children: list[Node] = field(default_factory=list)

    def add(self, tag: str, text: object = None, **attrs: object) -> Node:
        """Append a child (attributes whose value is None are left out) and return it."""
        child = Node(tag, {k: str(v) for k, v in attrs.items() if v is not None})
        if text is not None:
            child.text = str(text)
        self.children.append(child)
        return child

    def element(self) -> ET.Element:
        el = ET.Element(self.tag, self.attrs)
        el.text = self.text
        el.extend(c.element() for c in self.children)
        return el


@dataclass
class Document:
    """An answer: its XML tree, its JSON value and a title for the HTML page; ``page`` holds
    what only the HTML page shows (forms, the way home), set for a browser's request."""

    xml: Node
    json: Any
    title: str
    page: Page | None = None


def xml_bytes(node: Node) -> bytes:
    body = ET.tostring(node.element(), encoding="unicode")
    return ("<?xml version='1.0' encoding='utf-8' ?>\n" + body).encode()


def render(doc: Document, fmt: Format) -> bytes:
    if fmt is Format.json:
        return json.dumps(doc.json, separators=(",", ":")).encode()
    if fmt is Format.html:
        return render_page(doc)
    return xml_bytes(doc.xml)
