"""One answer as a tree of ``Node`` s, rendered as XML, JSON or HTML from the same facts.

Deltacloud's XML and JSON differ in shape (JSON flattens properties, wraps collections in a list
under the plural), so each converter builds the XML tree and says its JSON form alongside.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from .formats import Format


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
    """An answer: its XML tree, its JSON value and a title for the HTML page."""

    xml: Node
    json: Any
    title: str


def xml_bytes(node: Node) -> bytes:
    body = ET.tostring(node.element(), encoding="unicode")
    return ("<?xml version='1.0' encoding='utf-8' ?>\n" + body).encode()


def _html_node(node: Node) -> str:
    attrs = "".join(f" {html.escape(k)}='{html.escape(v)}'" for k, v in node.attrs.items())
    href = node.attrs.get("href")
    head = f"<a href='{html.escape(href)}'>{html.escape(node.tag)}</a>" if href else html.escape(node.tag)
    text = f" {html.escape(node.text)}" if node.text else ""
    kids = "".join(_html_node(c) for c in node.children)
    return f"<li>{head}<code>{attrs}</code>{text}" + (f"<ul>{kids}</ul>" if kids else "") + "</li>"


def html_bytes(doc: Document) -> bytes:
    """A plain page with every element and its links: enough to browse the API by hand."""
    title = html.escape(doc.title)
    page = (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Deltacloud API - "
        f"{title}</title></head><body><h1>{title}</h1><ul>{_html_node(doc.xml)}</ul></body></html>\n"
    )
    return page.encode()


def render(doc: Document, fmt: Format) -> bytes:
    if fmt is Format.json:
        return json.dumps(doc.json, separators=(",", ":")).encode()
    if fmt is Format.html:
        return html_bytes(doc)
    return xml_bytes(doc.xml)
