"""Hearth's networks as VPCs, their subnets, and addresses as Elastic IPs."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from hearth.drivers import SYSTEM_OWNER
from hearth.drivers.resources import Address, Network, Subnet

from ..ids import IdMap, Kind
from ..render import Value
from ..tags import tag_set


def vpc_body(network: Network, ids: IdMap, tags: Mapping[str, str]) -> dict[str, Value]:
    blocks = network.address_blocks
    vpc_id = ids.ec2(Kind.vpc, network.id)
    return {
        "vpcId": vpc_id,
        "ownerId": network.owner_id,
        "state": "available",
        "cidrBlock": blocks[0] if blocks else None,
        "cidrBlockAssociationSet": [
            {"associationId": f"{vpc_id}-cidr-{n}", "cidrBlock": b, "cidrBlockState": {"state": "associated"}}
            for n, b in enumerate(blocks)
        ],
        "dhcpOptionsId": "default",
        "instanceTenancy": "default",
        "isDefault": network.owner_id == SYSTEM_OWNER,
        "tagSet": tag_set(tags),
    }


def _free(block: str) -> int:
    """Usable addresses in a block, as EC2 counts them (it keeps five of each subnet)."""
    net = ipaddress.ip_network(block, strict=False)
    return max(net.num_addresses - 5, 0) if net.version == 4 else 0


def subnet_body(subnet: Subnet, ids: IdMap, tags: Mapping[str, str], zone: str | None) -> dict[str, Value]:
    return {
        "subnetId": ids.ec2(Kind.subnet, subnet.id),
        "vpcId": ids.ec2(Kind.vpc, subnet.network),
        "ownerId": subnet.owner_id,
        "state": "available",
        "cidrBlock": subnet.address_block,
        "availableIpAddressCount": _free(subnet.address_block),
        "availabilityZone": zone,
        "defaultForAz": subnet.owner_id == SYSTEM_OWNER,
        "mapPublicIpOnLaunch": False,
        "tagSet": tag_set(tags),
    }


def association_id(address: Address, ids: IdMap) -> str | None:
    """An association names the address and its instance: a new one each time it is associated."""
    if address.instance is None:
        return None
    return ids.ec2(Kind.association, f"{address.id}\0{address.instance}")


def address_body(address: Address, ids: IdMap, tags: Mapping[str, str]) -> dict[str, Value]:
    return {
        "publicIp": address.ip_address,
        "allocationId": ids.ec2(Kind.address, address.id),
        "domain": "vpc",
        "instanceId": ids.ec2(Kind.instance, address.instance) if address.instance else None,
        "associationId": association_id(address, ids),
        "tagSet": tag_set(tags),
    }
