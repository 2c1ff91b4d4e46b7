"""VPCs and their subnets as EC2 describes them, behind the ownership check: what the networks
and subnets parts serve and where an instance launch lands.

The account's default VPC and its subnets are the shared network every user's instances land on
when they ask for none (like libvirt's "default" network); other VPCs are their Hearth owner's,
and one made outside Hearth is invisible. EC2's limits on blocks are refused up front with a
clear message rather than EC2's: IPv6 blocks (a VPC gets IPv6 only from Amazon's pool or a BYOIP
pool, never a block the caller picks), and blocks outside /16../28.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hearth.errors import ValidationError

from ..caller import SYSTEM_OWNER, Caller, ensure_modifiable, ensure_visible
from .context import Ec2Context, Kind
from .tables import Ec2Object

MIN_PREFIX, MAX_PREFIX = 16, 28  # what EC2 takes for a VPC or subnet block


@dataclass(frozen=True)
class _Describe:
    """How EC2 describes one kind of object: its ids' prefix, the action, the response key, the
    id filter."""

    prefix: str
    operation: str
    key: str
    id_filter: str


_VPCS = _Describe("vpc-", "describe_vpcs", "Vpcs", "vpc-id")
_SUBNETS = _Describe("subnet-", "describe_subnets", "Subnets", "subnet-id")


def ipv4_block(block: str, what: str) -> ipaddress.IPv4Network:
    """``block`` as a network EC2 takes for a VPC or subnet, else a ValidationError naming ``what``."""
    net = ipaddress.ip_network(block)
    if not isinstance(net, ipaddress.IPv4Network):
        raise ValidationError(
            f"{what} {block} is IPv6: EC2 gives a VPC IPv6 blocks only from Amazon's or a BYOIP pool, "
            "never one chosen by the caller; give IPv4 blocks",
            block=block,
        )
    if not MIN_PREFIX <= net.prefixlen <= MAX_PREFIX:
        raise ValidationError(
            f"{what} {block} must be between /{MIN_PREFIX} and /{MAX_PREFIX} on EC2", block=block
        )
    return net


def blocks(vpc: dict[str, Any]) -> list[str]:
    """A VPC's IPv4 blocks in use, the primary first."""
    found = [
        str(a["CidrBlock"])
        for a in vpc.get("CidrBlockAssociationSet") or []
        if (a.get("CidrBlockState") or {}).get("State") in ("associated", "associating")
    ]
    return found or [str(vpc["CidrBlock"])]


def vpc(
    context: Ec2Context, caller: Caller, network_id: str, *, modify: bool = False
) -> tuple[dict[str, Any], Ec2Object | None]:
    """The VPC and its ownership row (None: the default VPC), after the ownership check."""
    return _checked(
        context,
        caller,
        Kind.network,
        network_id,
        modify,
        _VPCS,
        lambda item: bool(item.get("IsDefault")),
    )


def default_vpcs(context: Ec2Context) -> list[dict[str, Any]]:
    return list(
        context.cloud.pages(
            "listing networks",
            "describe_vpcs",
            "Vpcs",
            Filters=[{"Name": "is-default", "Values": ["true"]}],
        )
    )


def subnet(
    context: Ec2Context, caller: Caller, subnet_id: str, *, modify: bool = False
) -> tuple[dict[str, Any], Ec2Object | None]:
    """The subnet and its ownership row (None: one of the default VPC), after the ownership check."""
    return _checked(
        context,
        caller,
        Kind.subnet,
        subnet_id,
        modify,
        _SUBNETS,
        lambda item: _is_default_vpc(context, str(item["VpcId"])),
    )


def subnet_items(context: Ec2Context, *vpc_ids: str) -> list[dict[str, Any]]:
    """Every subnet of the VPCs, whoever owns it (callers check ownership)."""
    return list(
        context.cloud.pages(
            "listing subnets",
            "describe_subnets",
            "Subnets",
            Filters=[{"Name": "vpc-id", "Values": list(vpc_ids)}],
        )
    )


def _is_default_vpc(context: Ec2Context, vpc_id: str) -> bool:
    return any(v["VpcId"] == vpc_id for v in default_vpcs(context))


def _checked(
    context: Ec2Context,
    caller: Caller,
    kind: Kind,
    obj_id: str,
    modify: bool,
    describe: _Describe,
    shared: Callable[[dict[str, Any]], bool],
) -> tuple[dict[str, Any], Ec2Object | None]:
    """The object as EC2 describes it and its row, if the caller may see (or ``modify``) it:
    a Hearth user's by its row, or ``shared`` by everyone; else it is missing."""
    row = context.row(kind, obj_id)
    item = None
    if row is not None or obj_id.startswith(describe.prefix):
        found = list(
            context.cloud.pages(
                f"reading {kind.value} {obj_id}",
                describe.operation,
                describe.key,
                Filters=[{"Name": describe.id_filter, "Values": [obj_id]}],
            )
        )
        item = found[0] if found else None
    if item is not None and row is None and not shared(item):
        item = None  # made outside Hearth: not a Hearth user's, not shared
    owner = None if item is None else row.owner_id if row is not None else SYSTEM_OWNER
    (ensure_modifiable if modify else ensure_visible)(caller, kind.value, obj_id, owner)
    assert item is not None
    return item, row
