"""Address arithmetic for networks and subnets, shared by drivers that hand out IPs themselves."""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Iterable

from hearth.errors import Conflict, ValidationError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Host addresses skipped at the start of a block: the first is the gateway by convention.
RESERVED_HOSTS = 1


def network(block: str) -> IPNetwork:
    return ipaddress.ip_network(block, strict=True)


def check_subnet_fits(address_block: str, network_blocks: Iterable[str], network_id: str) -> None:
    """A subnet must lie inside one of its network's blocks."""
    sub = network(address_block)
    blocks = list(network_blocks)
    for b in blocks:
        outer = network(b)
        if outer.version == sub.version and sub.subnet_of(outer):  # type: ignore[arg-type]
            return
    raise ValidationError(
        f"subnet block {address_block} is outside network {network_id}'s blocks ({', '.join(blocks)})",
        address_block=address_block,
        network_blocks=blocks,
    )


def check_no_overlap(address_block: str, siblings: Iterable[tuple[str, str]]) -> None:
    """Refuse a block overlapping another subnet of the same network (given as (id, block))."""
    sub = network(address_block)
    for other_id, other_block in siblings:
        other = network(other_block)
        if other.version == sub.version and sub.overlaps(other):
            raise Conflict(
                f"subnet block {address_block} overlaps subnet {other_id} ({other_block})",
                subnet=other_id,
            )


def check_in_block(ip: str, block: str) -> None:
    if ipaddress.ip_address(ip) not in network(block):
        raise ValidationError(f"address {ip} is not inside {block}", ip_address=ip, address_block=block)


def first_free(block: str, used: Collection[str]) -> str | None:
    """The lowest host address after the reserved ones that is not in ``used``; None if full."""
    taken = {ipaddress.ip_address(u) for u in used}
    for i, host in enumerate(network(block).hosts()):
        if i < RESERVED_HOSTS:
            continue
        if host not in taken:
            return str(host)
    return None


def pick_address(block: str, used: Collection[str], wanted: str | None, where: str) -> str | None:
    """The address a new binding gets in ``block``: ``wanted`` if it is inside and free
    (ValidationError / Conflict naming ``where`` else), or the first free one; None if full."""
    if wanted is None:
        return first_free(block, used)
    check_in_block(wanted, block)
    if wanted in used:
        raise Conflict(f"address {wanted} is already in use on {where}", ip_address=wanted)
    return wanted


def no_free_address(network_id: str) -> Conflict:
    return Conflict(f"network {network_id} has no free address left", network=network_id)
