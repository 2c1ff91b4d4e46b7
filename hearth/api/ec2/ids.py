"""EC2's resource ids (``i-`` + 17 hex, ``ami-``, ``vol-``, …) for Hearth's, stably both ways.

Hearth's ids are uuids or catalogue names; EC2 clients check the ``prefix-hex`` shape. An EC2 id
is a hash of the kind and the Hearth id, so every server answers the same id for the same
resource without storing anything. Going back needs the Hearth id: ``IdMap`` remembers every id
it rendered, and an action that meets one it does not know lists the collection once to learn
it. A Hearth id that already has the EC2 shape (a backend that is EC2 itself) is kept as it is.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from enum import Enum
from typing import Final

from .faults import Ec2Error

HEX_DIGITS: Final = 17


class Kind(Enum):
    """A kind of EC2 id: its prefix and the code EC2 gives for a malformed one."""

    instance = ("i", "InvalidInstanceID.Malformed")
    image = ("ami", "InvalidAMIID.Malformed")
    volume = ("vol", "InvalidVolumeID.Malformed")
    snapshot = ("snap", "InvalidSnapshotID.Malformed")
    vpc = ("vpc", "InvalidVpcID.Malformed")
    subnet = ("subnet", "InvalidSubnetID.Malformed")
    address = ("eipalloc", "InvalidAllocationID.Malformed")
    association = ("eipassoc", "InvalidAssociationID.Malformed")
    key = ("key", "InvalidKeyPair.Malformed")
    reservation = ("r", "InvalidParameterValue")

    @property
    def prefix(self) -> str:
        return self.value[0]

    @property
    def malformed(self) -> str:
        return self.value[1]


_SHAPES: Final = {k: re.compile(rf"{k.prefix}-(?:[0-9a-f]{{8}}|[0-9a-f]{{{HEX_DIGITS}}})") for k in Kind}


def is_ec2_id(kind: Kind, text: str) -> bool:
    return _SHAPES[kind].fullmatch(text) is not None


def ec2_id(kind: Kind, hearth_id: str) -> str:
    if is_ec2_id(kind, hearth_id):
        return hearth_id
    digest = hashlib.sha256(f"{kind.name}\0{hearth_id}".encode()).hexdigest()
    return f"{kind.prefix}-{digest[:HEX_DIGITS]}"


def check_id(kind: Kind, text: str) -> str:
    """``text`` when it has the shape of a ``kind`` id, else EC2's Malformed error for it."""
    if not is_ec2_id(kind, text):
        shown = text if len(text) <= 64 else text[:64] + "…"
        raise Ec2Error(kind.malformed, f'Invalid id: "{shown}" (expecting "{kind.prefix}-...")')
    return text


class IdMap:
    """EC2 id → Hearth id for the ids this server has rendered, the newest ``capacity`` kept."""

    def __init__(self, capacity: int = 200_000) -> None:
        self._capacity = capacity
        self._known: OrderedDict[tuple[Kind, str], str] = OrderedDict()
        self._lock = threading.Lock()

    def ec2(self, kind: Kind, hearth_id: str) -> str:
        """The EC2 id of a Hearth resource, remembered for the way back."""
        made = ec2_id(kind, hearth_id)
        key = (kind, made)
        with self._lock:
            if key in self._known:
                self._known.move_to_end(key)
            else:
                self._known[key] = hearth_id
                if len(self._known) > self._capacity:
                    self._known.popitem(last=False)
        return made

    def hearth(self, kind: Kind, ec2: str) -> str | None:
        """The Hearth id behind an EC2 id, None when this server has not rendered it yet."""
        with self._lock:
            return self._known.get((kind, ec2))
