"""Checks for the formatted values libvirt parses strictly: MAC addresses, UUIDs, device addresses.

They run when a value is written, so a bad one is refused with a message naming the field
instead of surfacing later as libvirt's "XML error" on define. Reading never checks: a
document libvirt accepted reads back as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hearth.errors import ValidationError
from hearth.vocab.mac import MacProblem, mac_problem

Check = Callable[[Any, str], None]

# libvirt takes 32 hex digits, with the dashes in the usual places or none at all.
_UUID = re.compile(r"^[0-9a-fA-F]{8}(-?)[0-9a-fA-F]{4}\1[0-9a-fA-F]{4}\1[0-9a-fA-F]{4}\1[0-9a-fA-F]{12}$")
_WWN = re.compile(r"^(0x)?[0-9a-fA-F]{16}$")

# (field, highest value) of each address type's numeric attributes, as libvirt bounds them.
ADDRESS_LIMITS: dict[str, dict[str, int]] = {
    "pci": {"domain": 0xFFFF, "bus": 0xFF, "slot": 0x1F, "function": 0x7},
    "drive": {"controller": 2**32 - 1, "bus": 2**32 - 1, "target": 2**32 - 1, "unit": 2**32 - 1},
    "ccw": {"cssid": 0xFE, "ssid": 0x3, "devno": 0xFFFF},
}


def _refuse(obj: Any, field: str, text: str, what: str) -> None:
    raise ValidationError(f"{obj.TAG} {field} must be {what}, not {text!r}", field=field, value=text)


# What a MAC must be instead, in this module's "<field> must be …" wording.
_MAC_WANTED = {
    MacProblem.shape: "a MAC address of the form 52:54:00:xx:xx:xx",
    MacProblem.multicast: "a unicast MAC address (this one is multicast)",
    MacProblem.zero: "a MAC address other than 00:00:00:00:00:00",
}


def check_mac(field: str) -> Check:
    """The vocabulary's NIC MAC rule (libvirt refuses a multicast one); written as given."""

    def check(obj: Any, text: str) -> None:
        problem = mac_problem(text)
        if problem is not None:
            _refuse(obj, field, text, _MAC_WANTED[problem])

    return check


def check_uuid(field: str) -> Check:
    def check(obj: Any, text: str) -> None:
        if not _UUID.match(text):
            _refuse(obj, field, text, "a UUID (32 hex digits, e.g. 4dea22b3-1d52-d8f3-2516-782e98ab3fa0)")

    return check


def check_wwn(field: str) -> Check:
    def check(obj: Any, text: str) -> None:
        if not _WWN.match(text):
            _refuse(obj, field, text, "a WWN of 16 hex digits")

    return check


def _number(text: str) -> int | None:
    """libvirt reads address numbers in C's bases: 0x… hex, a leading 0 octal, else decimal."""
    try:
        return int(text, 0) if not re.fullmatch(r"0[0-7]+", text) else int(text, 8)
    except ValueError:
        return None


def check_address(field: str) -> Check:
    """A numeric address attribute, bounded by the address's type (pci, drive, ccw)."""

    def check(obj: Any, text: str) -> None:
        limit = ADDRESS_LIMITS.get(obj.type or "", {}).get(field)
        if limit is None:
            return
        value = _number(text)
        if value is None or not 0 <= value <= limit:
            _refuse(obj, field, text, f"a number from 0 to {limit:#x} for a {obj.type} address")

    return check
