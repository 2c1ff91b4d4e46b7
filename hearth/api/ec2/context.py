"""What an action has to hand: the caller, the Service's operations, the id map, the request.

Resolving an EC2 id back to Hearth's is here, once for every action: the id map answers ids this
server rendered; an id it has not seen makes the action list the collection once (a restarted
server, another server's answer) before it is reported as EC2 reports a missing resource.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol, TypeVar

from hearth.drivers import Caller

from .calls import ServiceCalls, run
from .faults import Ec2Error
from .ids import IdMap, Kind, check_id

T = TypeVar("T")
H = TypeVar("H", bound="HasId")
REGION: Final = "hearth"  # the one region a Hearth server is; its realms are the zones

# How EC2 words a missing resource, per kind of id.
_MISSING: Final = {
    Kind.instance: ("InvalidInstanceID.NotFound", "The instance ID '{}' does not exist"),
    Kind.image: ("InvalidAMIID.NotFound", "The image id '[{}]' does not exist"),
    Kind.volume: ("InvalidVolume.NotFound", "The volume '{}' does not exist."),
    Kind.snapshot: ("InvalidSnapshot.NotFound", "The snapshot '{}' does not exist."),
    Kind.vpc: ("InvalidVpcID.NotFound", "The vpc ID '{}' does not exist"),
    Kind.subnet: ("InvalidSubnetID.NotFound", "The subnet ID '{}' does not exist"),
    Kind.address: ("InvalidAllocationID.NotFound", "The allocation ID '{}' does not exist"),
    Kind.association: ("InvalidAssociationID.NotFound", "The association ID '{}' does not exist"),
    Kind.key: ("InvalidKeyPair.NotFound", "The key pair '{}' does not exist"),
}


class HasId(Protocol):
    @property
    def id(self) -> str: ...


def not_found(kind: Kind, ec2: str) -> Ec2Error:
    code, words = _MISSING[kind]
    return Ec2Error(code, words.format(ec2))


@dataclass(frozen=True)
class Frontend:
    """What lives as long as the server: the Service's operations and the id map."""

    calls: ServiceCalls
    ids: IdMap
    region: str = REGION


@dataclass(frozen=True)
class Context:
    caller: Caller
    frontend: Frontend
    request_id: str
    endpoint: str  # the URL clients reached this frontend at

    @property
    def calls(self) -> ServiceCalls:
        return self.frontend.calls

    @property
    def ids(self) -> IdMap:
        return self.frontend.ids

    @property
    def owner(self) -> str:
        """EC2's ``ownerId``: the account, which in Hearth is the user."""
        return self.caller.user_id

    async def run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await run(func, *args, **kwargs)

    def ec2(self, kind: Kind, hearth_id: str) -> str:
        return self.ids.ec2(kind, hearth_id)

    async def resolve(
        self, kind: Kind, ec2_ids: Sequence[str], listing: Callable[[], Iterable[HasId]]
    ) -> list[str]:
        """The Hearth ids of ``ec2_ids`` (Malformed or NotFound as EC2 words them); ``listing``
        (blocking) lists the collection when an id is not in the map yet."""
        for ec2 in ec2_ids:
            check_id(kind, ec2)
        found = {e: self.ids.hearth(kind, e) for e in ec2_ids}
        if any(h is None for h in found.values()):
            for item in await self.run(lambda: list(listing())):
                self.ids.ec2(kind, item.id)
            found = {e: self.ids.hearth(kind, e) for e in ec2_ids}
        resolved: list[str] = []
        for ec2 in ec2_ids:
            hearth = found[ec2]
            if hearth is None:
                raise not_found(kind, ec2)
            resolved.append(hearth)
        return resolved

    def select(self, kind: Kind, ec2_ids: Sequence[str], items: Sequence[H]) -> list[H]:
        """The items a Describe* names by id, from a listing just made: an id that is not in it
        (never was, or since deleted) is reported missing, as EC2 does."""
        for ec2 in ec2_ids:
            check_id(kind, ec2)
        by_ec2 = {self.ids.ec2(kind, item.id): item for item in items}
        for ec2 in ec2_ids:
            if ec2 not in by_ec2:
                raise not_found(kind, ec2)
        wanted = set(ec2_ids)
        return [item for ec2, item in by_ec2.items() if ec2 in wanted]

    async def resolve_one(self, kind: Kind, ec2: str, listing: Callable[[], Iterable[HasId]]) -> str:
        return (await self.resolve(kind, [ec2], listing))[0]
