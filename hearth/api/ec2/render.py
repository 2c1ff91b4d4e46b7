"""EC2's XML: a response document per action, and the error document every failure shares.

A response body is given as plain data whose keys are EC2's element names (``instancesSet``,
``instanceState``) in the order EC2 writes them: a mapping becomes child elements, a list becomes
``<item>`` children (the member name of every list in EC2's responses), ``None`` is left out.
Booleans are ``true``/``false`` and times ISO 8601 in UTC, as botocore's parser reads them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Final, TypeAlias

from lxml import etree

NAMESPACE: Final = "http://ec2.amazonaws.com/doc/2016-11-15/"
XML_TYPE: Final = "text/xml;charset=UTF-8"
LIST_MEMBER: Final = "item"

Value: TypeAlias = "str | int | bool | datetime | Mapping[str, Value] | Sequence[Value] | None"
Body = Mapping[str, Value]

# Characters XML 1.0 cannot carry (controls other than tab and newlines, lone surrogates, …).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` with the characters XML cannot hold replaced, so any message can be rendered."""
    return _NOT_XML.sub("\ufffd", text)


def timestamp(when: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as EC2 writes times (naive means UTC)."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{aware.microsecond // 1000:03d}Z"


def _scalar(value: str | int | bool | datetime) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, int):
        return str(value)
    return escape(xml_text(value), quote=False)


def _fill(out: list[str], value: Value) -> None:
    """Append the elements of ``value`` to ``out``: joined strings, not a tree, because a
    DescribeInstances of a thousand instances is tens of thousands of elements (a tree of them
    took several times longer to build and serialise)."""
    if isinstance(value, Mapping):
        for name, member in value.items():
            if member is not None:
                out.append(f"<{name}>")
                _fill(out, member)
                out.append(f"</{name}>")
    elif isinstance(value, str | int | bool | datetime):
        out.append(_scalar(value))
    elif value is not None:  # a sequence
        for member in value:
            if member is not None:
                out.append(f"<{LIST_MEMBER}>")
                _fill(out, member)
                out.append(f"</{LIST_MEMBER}>")


def response_document(action: str, request_id: str, body: Body) -> bytes:
    """``<{action}Response xmlns=…><requestId/>…</{action}Response>``; element names come from
    the actions (EC2's names), never from a client."""
    root = f"{action}Response"
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NAMESPACE}">']
    out.append(f"<requestId>{escape(request_id, quote=False)}</requestId>")
    _fill(out, body)
    out.append(f"</{root}>")
    return "".join(out).encode("utf-8")


def error_document(code: str, message: str, request_id: str) -> bytes:
    """``<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>``
    (no namespace, ``RequestID`` spelt so: that is EC2's error document)."""
    root = etree.Element("Response")
    error = etree.SubElement(etree.SubElement(root, "Errors"), "Error")
    etree.SubElement(error, "Code").text = xml_text(code)
    etree.SubElement(error, "Message").text = xml_text(message)
    etree.SubElement(root, "RequestID").text = request_id
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
