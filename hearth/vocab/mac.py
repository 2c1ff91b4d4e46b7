"""MAC addresses of NICs: the one check every layer applies, and new ones drawn with ``secrets``.

A NIC's MAC is six colon-separated hex pairs, unicast (libvirt refuses a multicast one) and not
all zeros. Listings and URLs use the lower-case form. New MACs are in QEMU's 52:54:00 range,
whose first octet has the locally administered bit set and the multicast bit clear, so they
never collide with a vendor's address.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from enum import StrEnum

from hearth.errors import ValidationError

MAC_PATTERN = r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$"
QEMU_PREFIX = "52:54:00"
_MAC = re.compile(MAC_PATTERN)


def _unicast_mac() -> str:
    """The whole rule as one regular expression (for OpenAPI): the multicast bit clear, not all
    zeros, without look-arounds so every regex engine (and Hypothesis) reads it."""
    any_digit, even, nonzero, nonzero_even = "[0-9A-Fa-f]", "[02468aceACE]", "[1-9A-Fa-f]", "[2468aceACE]"
    forms = []
    for first in range(12):  # the first digit that is not 0
        digits = []
        for i in range(12):
            allowed = even if i == 1 else any_digit
            if i < first:
                allowed = "0"
            elif i == first:
                allowed = nonzero_even if i == 1 else nonzero
            digits.append(allowed)
        pairs = [digits[i] + digits[i + 1] for i in range(0, 12, 2)]
        forms.append(":".join(pairs))
    return "^(" + "|".join(forms) + ")$"


UNICAST_MAC_PATTERN = _unicast_mac()


class MacProblem(StrEnum):
    """What is wrong with a text given as a NIC's MAC, said after "MAC address '…'"."""

    shape = "is not of the form 52:54:00:xx:xx:xx"
    multicast = "is a multicast address; a NIC needs a unicast one"
    zero = "is all zeros, which no NIC can use"


def mac_problem(text: str) -> MacProblem | None:
    """Why ``text`` cannot be a NIC's MAC, or None; any letter case is accepted."""
    if not _MAC.match(text):
        return MacProblem.shape
    if int(text[:2], 16) & 1:
        return MacProblem.multicast
    if text == "00:00:00:00:00:00":
        return MacProblem.zero
    return None


def check_mac(text: str) -> str:
    """``text`` lower-cased, or a ValidationError saying what is wrong with it."""
    problem = mac_problem(text)
    if problem is not None:
        raise ValidationError(f"MAC address {text[:40]!r} {problem.value}", mac=text[:40])
    return text.lower()


def random_mac(taken: Collection[str] = frozenset()) -> str:
    """A MAC in QEMU's locally administered 52:54:00 range, from ``secrets``, not among ``taken``."""
    while True:
        mac = QEMU_PREFIX + ":" + ":".join(f"{b:02x}" for b in secrets.token_bytes(3))
        if mac not in taken:
            return mac
