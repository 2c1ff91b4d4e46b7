"""VPCs (Hearth networks), subnets, and Elastic IPs (Hearth addresses)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping

from hearth.drivers.resources import (
    Address,
    AddressCreate,
    Network,
    NetworkCreate,
    Subnet,
    SubnetCreate,
    parse_request,
)
from hearth.service.tags import TagKind, with_name

from ..context import Context
from ..elements.networks import address_body, association_id, subnet_body, vpc_body
from ..faults import Ec2Error, missing
from ..filters import FilterSet, read_filters
from ..ids import Kind
from ..paging import page, read_paging
from ..params import Params
from ..registry import action
from ..render import Body
from ..tags import read_tag_specifications, tags_for
from .tags import TagView

IN_USE = "DependencyViolation"


def _tags(name: str) -> dict[str, str]:
    return {"Name": name}


def _named(params: Params, kind: str) -> tuple[str, dict[str, str]]:
    """The Name tag, or a generated name (Hearth networks and subnets must have one), and the
    other tags."""
    name, tags = tags_for(params, kind)
    return name or f"{kind}-{secrets.token_hex(4)}", tags


async def _zone(ctx: Context) -> str | None:
    """Hearth's subnets span its realms; EC2 wants one zone: the first."""
    realms = await ctx.run(ctx.calls.realms.list, ctx.caller)
    return realms[0].id if realms else None


# --- VPCs ------------------------------------------------------------------------------------------


def vpcs_filter(ctx: Context, tags: Callable[[Network], Mapping[str, str]]) -> FilterSet[Network]:
    return FilterSet[Network](
        {
            "vpc-id": lambda n: [ctx.ec2(Kind.vpc, n.id)],
            "cidr": lambda n: n.address_blocks[:1],
            "cidr-block-association.cidr-block": lambda n: n.address_blocks,
            "state": lambda n: ["available"],
            "owner-id": lambda n: [n.owner_id],
            "is-default": lambda n: ["true" if vpc_body(n, ctx.ids, {})["isDefault"] else "false"],
        },
        tags=tags,
    )


@action("CreateVpc", ("CidrBlock", "InstanceTenancy", "TagSpecification", "AmazonProvidedIpv6CidrBlock"))
async def create_vpc(ctx: Context, params: Params) -> Body:
    block = params.required("CidrBlock")
    params.choice("InstanceTenancy", ("default",))
    if params.boolean("AmazonProvidedIpv6CidrBlock"):
        raise Ec2Error("Unsupported", "Hearth does not hand out IPv6 blocks")
    name, tags = _named(params, "vpc")
    request = parse_request(NetworkCreate, {"name": name, "address_blocks": [block]})
    network = await ctx.run(ctx.calls.networks.create, ctx.caller, request)
    if tags:
        await ctx.run(ctx.calls.tags.set, ctx.caller, {TagKind.network: [network.id]}, tags)
    return {"vpc": vpc_body(network, ctx.ids, with_name(network.name, tags))}


@action("DescribeVpcs", ("VpcId", "Filter", "MaxResults", "NextToken"))
async def describe_vpcs(ctx: Context, params: Params) -> Body:
    wanted = params.strings("VpcId")
    tags = TagView(TagKind.network)
    keep = vpcs_filter(ctx, tags).matcher(read_filters(params))
    paging = read_paging(params, 5, 1000)
    networks = await tags.list(ctx, lambda: ctx.calls.networks.list(ctx.caller))
    if wanted:
        networks = ctx.select(Kind.vpc, wanted, networks)
    chosen, token = page([n for n in networks if keep(n)], paging)
    return {"vpcSet": [vpc_body(n, ctx.ids, tags(n)) for n in chosen], "nextToken": token}


@action("DeleteVpc", ("VpcId",), conflict=IN_USE)
async def delete_vpc(ctx: Context, params: Params) -> Body:
    network_id = await ctx.resolve_one(
        Kind.vpc, params.required("VpcId"), lambda: ctx.calls.networks.list(ctx.caller)
    )
    await ctx.run(ctx.calls.networks.delete, ctx.caller, network_id)
    return {"return": True}


# --- subnets ---------------------------------------------------------------------------------------


def subnets_filter(
    ctx: Context, zone: str | None, tags: Callable[[Subnet], Mapping[str, str]]
) -> FilterSet[Subnet]:
    return FilterSet[Subnet](
        {
            "subnet-id": lambda s: [ctx.ec2(Kind.subnet, s.id)],
            "vpc-id": lambda s: [ctx.ec2(Kind.vpc, s.network)],
            "cidr-block": lambda s: [s.address_block],
            "availability-zone": lambda s: [zone] if zone else [],
            "state": lambda s: ["available"],
            "owner-id": lambda s: [s.owner_id],
        },
        tags=tags,
    )


@action(
    "CreateSubnet",
    ("VpcId", "CidrBlock", "AvailabilityZone", "TagSpecification"),
    conflict="InvalidSubnet.Conflict",
)
async def create_subnet(ctx: Context, params: Params) -> Body:
    network_id = await ctx.resolve_one(
        Kind.vpc, params.required("VpcId"), lambda: ctx.calls.networks.list(ctx.caller)
    )
    block = params.text("CidrBlock")
    if not block:
        raise missing("CidrBlock")
    params.text("AvailabilityZone")
    name, tags = _named(params, "subnet")
    request = parse_request(SubnetCreate, {"network_id": network_id, "name": name, "address_block": block})
    subnet = await ctx.run(ctx.calls.subnets.create, ctx.caller, request)
    if tags:
        await ctx.run(ctx.calls.tags.set, ctx.caller, {TagKind.subnet: [subnet.id]}, tags)
    return {"subnet": subnet_body(subnet, ctx.ids, with_name(subnet.name, tags), await _zone(ctx))}


@action("DescribeSubnets", ("SubnetId", "Filter", "MaxResults", "NextToken"))
async def describe_subnets(ctx: Context, params: Params) -> Body:
    wanted = params.strings("SubnetId")
    zone = await _zone(ctx)
    tags = TagView(TagKind.subnet)
    keep = subnets_filter(ctx, zone, tags).matcher(read_filters(params))
    paging = read_paging(params, 5, 1000)
    subnets = await tags.list(ctx, lambda: ctx.calls.subnets.list(ctx.caller))
    if wanted:
        subnets = ctx.select(Kind.subnet, wanted, subnets)
    chosen, token = page([s for s in subnets if keep(s)], paging)
    return {"subnetSet": [subnet_body(s, ctx.ids, tags(s), zone) for s in chosen], "nextToken": token}


@action("DeleteSubnet", ("SubnetId",), conflict=IN_USE)
async def delete_subnet(ctx: Context, params: Params) -> Body:
    subnet_id = await ctx.resolve_one(
        Kind.subnet, params.required("SubnetId"), lambda: ctx.calls.subnets.list(ctx.caller)
    )
    await ctx.run(ctx.calls.subnets.delete, ctx.caller, subnet_id)
    return {"return": True}


# --- addresses -------------------------------------------------------------------------------------


def addresses_filter(ctx: Context) -> FilterSet[Address]:
    return FilterSet[Address](
        {
            "allocation-id": lambda a: [ctx.ec2(Kind.address, a.id)],
            "public-ip": lambda a: [a.ip_address],
            "instance-id": lambda a: [ctx.ec2(Kind.instance, a.instance)] if a.instance else [],
            "association-id": lambda a: [x] if (x := association_id(a, ctx.ids)) else [],
            "domain": lambda a: ["vpc"],
        },
        tags=lambda a: _tags(a.name),
    )


async def _address(ctx: Context, params: Params) -> Address:
    """The address ``AllocationId`` or ``PublicIp`` names."""
    allocation = params.text("AllocationId")
    public_ip = params.text("PublicIp")
    addresses = await ctx.run(ctx.calls.addresses.list, ctx.caller)
    if allocation:
        address_id = await ctx.resolve_one(Kind.address, allocation, lambda: addresses)
        return next(a for a in addresses if a.id == address_id)
    if public_ip:
        found = next((a for a in addresses if a.ip_address == public_ip), None)
        if found is None:
            raise Ec2Error("InvalidAddress.NotFound", f"Address '{public_ip}' not found.")
        return found
    raise Ec2Error("MissingParameter", "The request must contain the parameter AllocationId or PublicIp")


@action("AllocateAddress", ("Domain", "TagSpecification", "NetworkBorderGroup"))
async def allocate_address(ctx: Context, params: Params) -> Body:
    params.choice("Domain", ("vpc", "standard"))
    params.text("NetworkBorderGroup")
    tags = read_tag_specifications(params, {"elastic-ip"}).get("elastic-ip", {})
    if any(k != "Name" for k in tags):
        raise Ec2Error("Unsupported", "Hearth keeps only the Name tag of an address")
    address = await ctx.run(ctx.calls.addresses.create, ctx.caller, AddressCreate(name=tags.get("Name")))
    return {
        "publicIp": address.ip_address,
        "allocationId": ctx.ec2(Kind.address, address.id),
        "domain": "vpc",
    }


@action("DescribeAddresses", ("PublicIp", "AllocationId", "Filter"))
async def describe_addresses(ctx: Context, params: Params) -> Body:
    ips = params.strings("PublicIp")
    allocations = params.strings("AllocationId")
    keep = addresses_filter(ctx).matcher(read_filters(params))
    addresses = await ctx.run(ctx.calls.addresses.list, ctx.caller)
    wanted = {a.id for a in ctx.select(Kind.address, allocations, addresses)} if allocations else None
    unknown = [ip for ip in ips if not any(a.ip_address == ip for a in addresses)]
    if unknown:
        raise Ec2Error("InvalidAddress.NotFound", f"Address '{unknown[0]}' not found.")
    shown = [
        a
        for a in addresses
        if (wanted is None or a.id in wanted) and (not ips or a.ip_address in ips) and keep(a)
    ]
    return {"addressesSet": [address_body(a, ctx.ids, _tags(a.name)) for a in shown]}


@action(
    "AssociateAddress",
    (
        "AllocationId",
        "PublicIp",
        "InstanceId",
        "AllowReassociation",
        "PrivateIpAddress",
        "NetworkInterfaceId",
    ),
    conflict="Resource.AlreadyAssociated",
)
async def associate_address(ctx: Context, params: Params) -> Body:
    if params.text("NetworkInterfaceId") or params.text("PrivateIpAddress"):
        raise Ec2Error("Unsupported", "Hearth associates an address with an instance, not an interface")
    address = await _address(ctx, params)
    instance_ec2 = params.text("InstanceId")
    if not instance_ec2:
        raise missing("InstanceId")
    instance_id = await ctx.resolve_one(
        Kind.instance, instance_ec2, lambda: ctx.calls.instances.list(ctx.caller)
    )
    if address.instance is not None and address.instance != instance_id:
        if not params.boolean("AllowReassociation"):
            raise Ec2Error(
                "Resource.AlreadyAssociated",
                f"resource {ctx.ec2(Kind.address, address.id)} is already associated",
            )
        await ctx.run(ctx.calls.addresses.disassociate, ctx.caller, address.id)
    if address.instance != instance_id:
        address = await ctx.run(ctx.calls.addresses.associate, ctx.caller, address.id, instance_id)
    return {"associationId": association_id(address, ctx.ids)}


@action("DisassociateAddress", ("AssociationId", "PublicIp"), conflict="InvalidAssociationID.NotFound")
async def disassociate_address(ctx: Context, params: Params) -> Body:
    association = params.text("AssociationId")
    public_ip = params.text("PublicIp")
    addresses = await ctx.run(ctx.calls.addresses.list, ctx.caller)
    if association:
        target = next((a for a in addresses if association_id(a, ctx.ids) == association), None)
        if target is None:
            raise Ec2Error(
                "InvalidAssociationID.NotFound", f"The association ID '{association}' does not exist"
            )
    elif public_ip:
        target = next((a for a in addresses if a.ip_address == public_ip), None)
        if target is None:
            raise Ec2Error("InvalidAddress.NotFound", f"Address '{public_ip}' not found.")
    else:
        raise Ec2Error("MissingParameter", "The request must contain the parameter AssociationId or PublicIp")
    if target.instance is not None:
        await ctx.run(ctx.calls.addresses.disassociate, ctx.caller, target.id)
    return {"return": True}


@action(
    "ReleaseAddress", ("AllocationId", "PublicIp", "NetworkBorderGroup"), conflict="InvalidIPAddress.InUse"
)
async def release_address(ctx: Context, params: Params) -> Body:
    params.text("NetworkBorderGroup")
    address = await _address(ctx, params)
    if address.instance is not None:
        raise Ec2Error("InvalidIPAddress.InUse", f"Address {address.ip_address} is in use.")
    await ctx.run(ctx.calls.addresses.delete, ctx.caller, address.id)
    return {"return": True}
