"""Networks (VPCs), subnets and public addresses (Elastic IPs).

Overlaps, subnet placement and addresses in use are checked here before EC2 is asked, so the
refusals read as on every backend; which VPCs and subnets a caller sees is ``vpcs``.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from hearth.errors import Conflict, HearthError, NotFound, ValidationError

from ..caller import EPOCH, SYSTEM_OWNER, Caller, can_see
from ..parts import AddressesPart, NetworksPart, SubnetsPart
from ..resources import (
    Address,
    AddressCreate,
    Network,
    NetworkCreate,
    NetworkUpdate,
    Subnet,
    SubnetCreate,
    SubnetUpdate,
)
from .context import EVERYONE, Ec2Context, Kind
from .tables import Ec2Object
from .tags import name_tags, tag
from .vpcs import blocks, default_vpcs, ipv4_block, subnet, subnet_items, vpc


class Networks(NetworksPart):
    context: Ec2Context

    def list_networks(self, caller: Caller) -> list[Network]:
        ctx = self.context
        owned = ctx.described(Kind.network, caller, "describe_vpcs", "Vpcs", "vpc-id", "VpcId")
        return [_network_view(v, None) for v in default_vpcs(ctx)] + [
            _network_view(item, row) for item, row in owned
        ]

    def get_network(self, caller: Caller, network_id: str) -> Network:
        return _network_view(*vpc(self.context, caller, network_id))

    def create_network(self, caller: Caller, request: NetworkCreate) -> Network:
        ctx = self.context
        nets = [ipv4_block(b, "address block") for b in request.address_blocks]
        made = ctx.cloud.call(
            "creating a network",
            "create_vpc",
            CidrBlock=str(nets[0]),
            TagSpecifications=name_tags("vpc", request.name),
        )["Vpc"]
        vpc_id = str(made["VpcId"])
        try:
            for net in nets[1:]:
                ctx.cloud.call(
                    f"adding {net} to network {vpc_id}",
                    "associate_vpc_cidr_block",
                    VpcId=vpc_id,
                    CidrBlock=str(net),
                )
        except HearthError:
            ctx.cloud.call(f"removing network {vpc_id}", "delete_vpc", VpcId=vpc_id)
            raise
        row = ctx.record(caller, Kind.network, vpc_id, request.name)
        return self.get_network(caller, row.id)

    def update_network(self, caller: Caller, network_id: str, request: NetworkUpdate) -> Network:
        """Rename, and add or remove secondary blocks. The first (primary) block of a VPC is fixed
        for its life on EC2, so a change that drops or alters it is refused; so is dropping a
        block a subnet lies in."""
        ctx = self.context
        item, row = vpc(ctx, caller, network_id, modify=True)
        if row is None:
            raise ValidationError(f"network {network_id} is the account's default VPC; Hearth leaves it be")
        if request.address_blocks is not None:
            nets = [ipv4_block(b, "address block") for b in request.address_blocks]
            current = blocks(item)
            if str(nets[0]) != current[0]:
                raise ValidationError(
                    f"the first block of network {network_id} must stay {current[0]}: EC2 cannot change "
                    "a VPC's primary block (add or remove the others)",
                    block=str(nets[0]),
                )
            wanted = {str(n) for n in nets}
            dropped = [b for b in current if b not in wanted]
            for sub in subnet_items(ctx, network_id):
                inside = ipaddress.IPv4Network(sub["CidrBlock"])
                if not any(inside.subnet_of(n) for n in nets):
                    raise ValidationError(
                        f"subnet {sub['SubnetId']} ({sub['CidrBlock']}) would lie outside the new blocks",
                        subnet=sub["SubnetId"],
                    )
            by_block = {
                str(a["CidrBlock"]): str(a["AssociationId"])
                for a in item.get("CidrBlockAssociationSet") or []
            }
            for gone in dropped:
                ctx.cloud.call(
                    f"removing {gone} from network {network_id}",
                    "disassociate_vpc_cidr_block",
                    AssociationId=by_block[gone],
                )
            for net in nets:
                if str(net) not in current:
                    ctx.cloud.call(
                        f"adding {net} to network {network_id}",
                        "associate_vpc_cidr_block",
                        VpcId=network_id,
                        CidrBlock=str(net),
                    )
        if request.name is not None:
            ctx.rename(network_id, request.name)
        return self.get_network(caller, network_id)

    def delete_network(self, caller: Caller, network_id: str) -> None:
        ctx = self.context
        vpc(ctx, caller, network_id, modify=True)
        subnets = subnet_items(ctx, network_id)
        if subnets:
            raise Conflict(
                f"network {network_id} has {len(subnets)} subnet(s); delete them first", network=network_id
            )
        ctx.cloud.call(f"deleting network {network_id}", "delete_vpc", VpcId=network_id)
        ctx.forget(network_id)


class Subnets(SubnetsPart):
    context: Ec2Context

    def list_subnets(self, caller: Caller, network_id: str | None = None) -> list[Subnet]:
        ctx = self.context
        if network_id is not None:
            vpc(ctx, caller, network_id)  # NotFound unless the caller may see it
            items = subnet_items(ctx, network_id)
        else:
            vpcs = [v["VpcId"] for v in default_vpcs(ctx)]
            vpcs += list(ctx.rows_by_id(Kind.network, caller))
            items = subnet_items(ctx, *vpcs) if vpcs else []
        rows = ctx.rows_by_id(Kind.subnet, EVERYONE)
        views = [_subnet_view(i, rows.get(i["SubnetId"])) for i in items]
        return [v for v in views if can_see(caller, v.owner_id)]

    def get_subnet(self, caller: Caller, subnet_id: str) -> Subnet:
        return _subnet_view(*subnet(self.context, caller, subnet_id))

    def create_subnet(self, caller: Caller, request: SubnetCreate) -> Subnet:
        ctx = self.context
        item, _ = vpc(ctx, caller, request.network_id, modify=True)
        net = ipv4_block(request.address_block, "subnet block")
        if not any(net.subnet_of(ipaddress.IPv4Network(b)) for b in blocks(item)):
            raise ValidationError(
                f"subnet block {net} is outside the blocks of network {request.network_id} "
                f"({', '.join(blocks(item))})",
                block=str(net),
            )
        for sibling in subnet_items(ctx, request.network_id):
            if ipaddress.ip_network(sibling["CidrBlock"]).overlaps(net):
                raise Conflict(
                    f"subnet block {net} overlaps subnet {sibling['SubnetId']} ({sibling['CidrBlock']})",
                    block=str(net),
                )
        made = ctx.cloud.call(
            f"creating a subnet of network {request.network_id}",
            "create_subnet",
            VpcId=request.network_id,
            CidrBlock=str(net),
            TagSpecifications=name_tags("subnet", request.name),
        )["Subnet"]
        row = ctx.record(caller, Kind.subnet, made["SubnetId"], request.name)
        return _subnet_view(made, row)

    def update_subnet(self, caller: Caller, subnet_id: str, request: SubnetUpdate) -> Subnet:
        item, row = subnet(self.context, caller, subnet_id, modify=True)
        if row is None:  # an admin may modify shared objects, but the default VPC is EC2's
            raise ValidationError(
                f"subnet {subnet_id} is of the account's default VPC; Hearth leaves it be", subnet=subnet_id
            )
        self.context.rename(subnet_id, request.name)
        row.name = request.name
        return _subnet_view(item, row)

    def delete_subnet(self, caller: Caller, subnet_id: str) -> None:
        ctx = self.context
        subnet(ctx, caller, subnet_id, modify=True)
        used = ctx.cloud.call(
            f"reading the interfaces of subnet {subnet_id}",
            "describe_network_interfaces",
            Filters=[{"Name": "subnet-id", "Values": [subnet_id]}],
        ).get("NetworkInterfaces")
        used = self._live_interfaces(used or [])
        if used:
            raise Conflict(
                f"subnet {subnet_id} is in use by {len(used)} interface(s) of instances", subnet=subnet_id
            )
        ctx.cloud.call(f"deleting subnet {subnet_id}", "delete_subnet", SubnetId=subnet_id)
        ctx.forget(subnet_id)

    def _live_interfaces(self, interfaces: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Interfaces that still hold their subnet: a terminated instance's primary interface
        goes with it, though EC2 (and moto) may list it a while after the termination."""
        attached = {
            i["Attachment"]["InstanceId"] for i in interfaces if i.get("Attachment", {}).get("InstanceId")
        }
        if not attached:
            return interfaces
        reservations = self.context.cloud.call(
            "reading the instances on a subnet",
            "describe_instances",
            InstanceIds=sorted(attached),
        ).get("Reservations", [])
        gone = {
            inst["InstanceId"]
            for r in reservations
            for inst in r.get("Instances", [])
            if inst.get("State", {}).get("Name") in ("shutting-down", "terminated")
        }
        return [i for i in interfaces if i.get("Attachment", {}).get("InstanceId") not in gone]


class Addresses(AddressesPart):
    context: Ec2Context

    def list_addresses(self, caller: Caller) -> list[Address]:
        found = self.context.described(
            Kind.address, caller, "describe_addresses", "Addresses", "allocation-id", "AllocationId"
        )
        return [_address_view(item, row) for item, row in found]

    def get_address(self, caller: Caller, address_id: str) -> Address:
        row = self.context.owned(Kind.address, caller, address_id)
        return _address_view(self._item(address_id), row)

    def create_address(self, caller: Caller, request: AddressCreate) -> Address:
        params: dict[str, Any] = {"Domain": "vpc"}
        if request.name is not None:
            params["TagSpecifications"] = name_tags("elastic-ip", request.name)
        made = self.context.cloud.call("allocating an address", "allocate_address", **params)
        row = self.context.record(
            caller, Kind.address, made["AllocationId"], request.name or made["PublicIp"]
        )
        return _address_view(made, row)

    def delete_address(self, caller: Caller, address_id: str) -> None:
        self.context.owned(Kind.address, caller, address_id, modify=True)
        item = self._item(address_id)
        if item.get("InstanceId") or item.get("AssociationId"):
            raise Conflict(
                f"address {address_id} is associated with instance {item.get('InstanceId')}; "
                "disassociate it first",
                address=address_id,
            )
        self.context.cloud.call(f"releasing address {address_id}", "release_address", AllocationId=address_id)
        self.context.forget(address_id)

    def associate_address(self, caller: Caller, address_id: str, instance_id: str) -> Address:
        row = self.context.owned(Kind.address, caller, address_id, modify=True)
        self.context.owned(Kind.instance, caller, instance_id)
        item = self._item(address_id)
        if item.get("AssociationId"):
            raise Conflict(
                f"address {address_id} is already associated with instance {item.get('InstanceId')}",
                address=address_id,
            )
        self.context.cloud.call(
            f"associating address {address_id} with instance {instance_id}",
            "associate_address",
            AllocationId=address_id,
            InstanceId=instance_id,
            AllowReassociation=False,
        )
        return _address_view(self._item(address_id), row)

    def disassociate_address(self, caller: Caller, address_id: str) -> Address:
        row = self.context.owned(Kind.address, caller, address_id, modify=True)
        item = self._item(address_id)
        if not item.get("AssociationId"):
            raise Conflict(f"address {address_id} is not associated", address=address_id)
        self.context.cloud.call(
            f"disassociating address {address_id}",
            "disassociate_address",
            AssociationId=item["AssociationId"],
        )
        return _address_view(self._item(address_id), row)

    def _item(self, address_id: str) -> dict[str, Any]:
        found = self.context.cloud.call(
            f"reading address {address_id}",
            "describe_addresses",
            Filters=[{"Name": "allocation-id", "Values": [address_id]}],
        ).get("Addresses")
        if not found:
            raise NotFound(f"address {address_id} not found", kind="address", id=address_id)
        return dict(found[0])


def _network_view(item: dict[str, Any], row: Ec2Object | None) -> Network:
    return Network(
        id=item["VpcId"],
        name=row.name if row else str(tag(item, "Name") or "default")[:64],
        owner_id=row.owner_id if row else SYSTEM_OWNER,
        created=row.created if row else EPOCH,
        address_blocks=blocks(item),
    )


def _subnet_view(item: dict[str, Any], row: Ec2Object | None) -> Subnet:
    return Subnet(
        id=item["SubnetId"],
        name=row.name if row else str(tag(item, "Name") or item["SubnetId"])[:64],
        owner_id=row.owner_id if row else SYSTEM_OWNER,
        created=row.created if row else EPOCH,
        network=str(item["VpcId"]),
        address_block=str(item["CidrBlock"]),
    )


def _address_view(item: dict[str, Any], row: Ec2Object) -> Address:
    return Address(
        id=item["AllocationId"],
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        ip_address=str(item["PublicIp"]),
        instance=item.get("InstanceId") or None,
    )
