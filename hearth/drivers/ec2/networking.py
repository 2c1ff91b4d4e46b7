"""Networks (VPCs), subnets and public addresses (Elastic IPs).

The account's default VPC and its subnets are the shared network every user's instances land on
when they ask for none (like libvirt's "default" network); other VPCs are their Hearth owner's.
EC2's limits are refused up front with a clear message rather than EC2's: IPv6 blocks (a VPC gets
IPv6 only from Amazon's pool or a BYOIP pool, never a block the caller picks), and blocks outside
/16../28. Overlaps, subnet placement and addresses in use are checked here too, so the refusals
read as on every backend.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from hearth.errors import Conflict, HearthError, NotFound, ValidationError

from ..caller import SYSTEM_OWNER, Caller, can_see, ensure_modifiable, ensure_visible
from ..resources import (
    Address,
    AddressCreate,
    Network,
    NetworkCreate,
    NetworkRequest,
    NetworkUpdate,
    Subnet,
    SubnetCreate,
    SubnetUpdate,
)
from .catalogue import CatalogueOps
from .core import EPOCH, EVERYONE, Kind, name_tags, tag

MIN_PREFIX, MAX_PREFIX = 16, 28  # what EC2 takes for a VPC or subnet block


def _ipv4_block(block: str, what: str) -> ipaddress.IPv4Network:
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


def _blocks(vpc: dict[str, Any]) -> list[str]:
    blocks = [
        str(a["CidrBlock"])
        for a in vpc.get("CidrBlockAssociationSet") or []
        if (a.get("CidrBlockState") or {}).get("State") in ("associated", "associating")
    ]
    return blocks or [str(vpc["CidrBlock"])]


class NetworkOps(CatalogueOps):
    # --- networks -----------------------------------------------------------------------------

    def list_networks(self, caller: Caller) -> list[Network]:
        rows = self._rows_by_id(Kind.network, caller)
        views = [self._network_view(v, None) for v in self._default_vpcs()]
        if rows:
            for vpc in self.cloud.by_ids("listing networks", "describe_vpcs", "Vpcs", "vpc-id", list(rows)):
                views.append(self._network_view(vpc, rows[vpc["VpcId"]]))
        return views

    def get_network(self, caller: Caller, network_id: str) -> Network:
        vpc, row = self._vpc(caller, network_id)
        return self._network_view(vpc, row)

    def create_network(self, caller: Caller, request: NetworkCreate) -> Network:
        nets = [_ipv4_block(b, "address block") for b in request.address_blocks]
        made = self.cloud.call(
            "creating a network",
            "create_vpc",
            CidrBlock=str(nets[0]),
            TagSpecifications=name_tags("vpc", request.name),
        )["Vpc"]
        vpc_id = str(made["VpcId"])
        try:
            for net in nets[1:]:
                self.cloud.call(
                    f"adding {net} to network {vpc_id}",
                    "associate_vpc_cidr_block",
                    VpcId=vpc_id,
                    CidrBlock=str(net),
                )
        except HearthError:
            self.cloud.call(f"removing network {vpc_id}", "delete_vpc", VpcId=vpc_id)
            raise
        row = self._record(caller, Kind.network, vpc_id, request.name)
        return self.get_network(caller, row.id)

    def update_network(self, caller: Caller, network_id: str, request: NetworkUpdate) -> Network:
        """Rename, and add or remove secondary blocks. The first (primary) block of a VPC is fixed
        for its life on EC2, so a change that drops or alters it is refused; so is dropping a
        block a subnet lies in."""
        vpc, row = self._vpc(caller, network_id, modify=True)
        if row is None:
            raise ValidationError(f"network {network_id} is the account's default VPC; Hearth leaves it be")
        if request.address_blocks is not None:
            nets = [_ipv4_block(b, "address block") for b in request.address_blocks]
            current = _blocks(vpc)
            if str(nets[0]) != current[0]:
                raise ValidationError(
                    f"the first block of network {network_id} must stay {current[0]}: EC2 cannot change "
                    "a VPC's primary block (add or remove the others)",
                    block=str(nets[0]),
                )
            wanted = {str(n) for n in nets}
            dropped = [b for b in current if b not in wanted]
            for sub in self._subnet_items(network_id):
                inside = ipaddress.IPv4Network(sub["CidrBlock"])
                if not any(inside.subnet_of(n) for n in nets):
                    raise ValidationError(
                        f"subnet {sub['SubnetId']} ({sub['CidrBlock']}) would lie outside the new blocks",
                        subnet=sub["SubnetId"],
                    )
            by_block = {
                str(a["CidrBlock"]): str(a["AssociationId"]) for a in vpc.get("CidrBlockAssociationSet") or []
            }
            for gone in dropped:
                self.cloud.call(
                    f"removing {gone} from network {network_id}",
                    "disassociate_vpc_cidr_block",
                    AssociationId=by_block[gone],
                )
            for net in nets:
                if str(net) not in current:
                    self.cloud.call(
                        f"adding {net} to network {network_id}",
                        "associate_vpc_cidr_block",
                        VpcId=network_id,
                        CidrBlock=str(net),
                    )
        if request.name is not None:
            self._rename(network_id, request.name)
        return self.get_network(caller, network_id)

    def delete_network(self, caller: Caller, network_id: str) -> None:
        self._vpc(caller, network_id, modify=True)
        subnets = self._subnet_items(network_id)
        if subnets:
            raise Conflict(
                f"network {network_id} has {len(subnets)} subnet(s); delete them first", network=network_id
            )
        self.cloud.call(f"deleting network {network_id}", "delete_vpc", VpcId=network_id)
        self._forget(network_id)

    def _vpc(self, caller: Caller, network_id: str, *, modify: bool = False) -> tuple[dict[str, Any], Any]:
        with self._read() as s:
            row = self._lookup(s, Kind.network, network_id)
            if row is not None:
                s.expunge(row)
        vpc = None
        if row is not None or network_id.startswith("vpc-"):
            found = list(
                self.cloud.pages(
                    f"reading network {network_id}",
                    "describe_vpcs",
                    "Vpcs",
                    Filters=[{"Name": "vpc-id", "Values": [network_id]}],
                )
            )
            vpc = found[0] if found else None
        if vpc is not None and row is None and not vpc.get("IsDefault"):
            vpc = None  # made outside Hearth: not a Hearth user's, not shared
        owner = None if vpc is None else row.owner_id if row is not None else SYSTEM_OWNER
        (ensure_modifiable if modify else ensure_visible)(caller, "network", network_id, owner)
        assert vpc is not None
        return vpc, row

    def _default_vpcs(self) -> list[dict[str, Any]]:
        return list(
            self.cloud.pages(
                "listing networks",
                "describe_vpcs",
                "Vpcs",
                Filters=[{"Name": "is-default", "Values": ["true"]}],
            )
        )

    def _network_view(self, vpc: dict[str, Any], row: Any) -> Network:
        return Network(
            id=vpc["VpcId"],
            name=row.name if row else str(tag(vpc, "Name") or "default")[:64],
            owner_id=row.owner_id if row else SYSTEM_OWNER,
            created=row.created if row else EPOCH,
            address_blocks=_blocks(vpc),
        )

    # --- subnets ------------------------------------------------------------------------------

    def list_subnets(self, caller: Caller, network_id: str | None = None) -> list[Subnet]:
        if network_id is not None:
            self._vpc(caller, network_id)  # NotFound unless the caller may see it
            items = self._subnet_items(network_id)
        else:
            vpcs = [v["VpcId"] for v in self._default_vpcs()]
            vpcs += list(self._rows_by_id(Kind.network, caller))
            items = self._subnet_items(*vpcs) if vpcs else []
        rows = self._rows_by_id(Kind.subnet, EVERYONE)
        views = [self._subnet_view(i, rows.get(i["SubnetId"])) for i in items]
        return [v for v in views if can_see(caller, v.owner_id)]

    def get_subnet(self, caller: Caller, subnet_id: str) -> Subnet:
        item, row = self._subnet(caller, subnet_id)
        return self._subnet_view(item, row)

    def create_subnet(self, caller: Caller, request: SubnetCreate) -> Subnet:
        vpc, _ = self._vpc(caller, request.network_id, modify=True)
        net = _ipv4_block(request.address_block, "subnet block")
        if not any(net.subnet_of(ipaddress.IPv4Network(b)) for b in _blocks(vpc)):
            raise ValidationError(
                f"subnet block {net} is outside the blocks of network {request.network_id} "
                f"({', '.join(_blocks(vpc))})",
                block=str(net),
            )
        for sibling in self._subnet_items(request.network_id):
            if ipaddress.ip_network(sibling["CidrBlock"]).overlaps(net):
                raise Conflict(
                    f"subnet block {net} overlaps subnet {sibling['SubnetId']} ({sibling['CidrBlock']})",
                    block=str(net),
                )
        made = self.cloud.call(
            f"creating a subnet of network {request.network_id}",
            "create_subnet",
            VpcId=request.network_id,
            CidrBlock=str(net),
            TagSpecifications=name_tags("subnet", request.name),
        )["Subnet"]
        row = self._record(caller, Kind.subnet, made["SubnetId"], request.name)
        return self._subnet_view(made, row)

    def update_subnet(self, caller: Caller, subnet_id: str, request: SubnetUpdate) -> Subnet:
        item, row = self._subnet(caller, subnet_id, modify=True)
        self._rename(subnet_id, request.name)
        row.name = request.name
        return self._subnet_view(item, row)

    def delete_subnet(self, caller: Caller, subnet_id: str) -> None:
        self._subnet(caller, subnet_id, modify=True)
        used = self.cloud.call(
            f"reading the interfaces of subnet {subnet_id}",
            "describe_network_interfaces",
            Filters=[{"Name": "subnet-id", "Values": [subnet_id]}],
        ).get("NetworkInterfaces")
        used = self._live_interfaces(used or [])
        if used:
            raise Conflict(
                f"subnet {subnet_id} is in use by {len(used)} interface(s) of instances", subnet=subnet_id
            )
        self.cloud.call(f"deleting subnet {subnet_id}", "delete_subnet", SubnetId=subnet_id)
        self._forget(subnet_id)

    def _live_interfaces(self, interfaces: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Interfaces that still hold their subnet: a terminated instance's primary interface
        goes with it, though EC2 (and moto) may list it a while after the termination."""
        attached = {
            i["Attachment"]["InstanceId"] for i in interfaces if i.get("Attachment", {}).get("InstanceId")
        }
        if not attached:
            return interfaces
        reservations = self.cloud.call(
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

    def _subnet(self, caller: Caller, subnet_id: str, *, modify: bool = False) -> tuple[dict[str, Any], Any]:
        with self._read() as s:
            row = self._lookup(s, Kind.subnet, subnet_id)
            if row is not None:
                s.expunge(row)
        item = None
        if row is not None or subnet_id.startswith("subnet-"):
            found = list(
                self.cloud.pages(
                    f"reading subnet {subnet_id}",
                    "describe_subnets",
                    "Subnets",
                    Filters=[{"Name": "subnet-id", "Values": [subnet_id]}],
                )
            )
            item = found[0] if found else None
        if item is not None and row is None and not self._is_default_vpc(str(item["VpcId"])):
            item = None
        owner = None if item is None else row.owner_id if row is not None else SYSTEM_OWNER
        (ensure_modifiable if modify else ensure_visible)(caller, "subnet", subnet_id, owner)
        assert item is not None
        return item, row

    def _is_default_vpc(self, vpc_id: str) -> bool:
        return any(v["VpcId"] == vpc_id for v in self._default_vpcs())

    def _subnet_items(self, *vpc_ids: str) -> list[dict[str, Any]]:
        return list(
            self.cloud.pages(
                "listing subnets",
                "describe_subnets",
                "Subnets",
                Filters=[{"Name": "vpc-id", "Values": list(vpc_ids)}],
            )
        )

    def _subnet_view(self, item: dict[str, Any], row: Any) -> Subnet:
        return Subnet(
            id=item["SubnetId"],
            name=row.name if row else str(tag(item, "Name") or item["SubnetId"])[:64],
            owner_id=row.owner_id if row else SYSTEM_OWNER,
            created=row.created if row else EPOCH,
            network=str(item["VpcId"]),
            address_block=str(item["CidrBlock"]),
        )

    def _launch_subnet(
        self, caller: Caller, networks: list[NetworkRequest], realm_id: str | None
    ) -> tuple[str, str | None]:
        """The subnet (and fixed address) a new instance's one network request puts it on."""
        if len(networks) > 1:
            raise ValidationError("an EC2 instance is launched on one network; give one entry in networks")
        want = networks[0]
        self._vpc(caller, want.network_id)
        if want.subnet_id is not None:
            item, _ = self._subnet(caller, want.subnet_id)
            if item["VpcId"] != want.network_id:
                raise ValidationError(
                    f"subnet {want.subnet_id} is not on network {want.network_id}", subnet=want.subnet_id
                )
            candidates = [item]
        else:
            candidates = self._subnet_items(want.network_id)
        if realm_id is not None:
            self.get_realm(caller, realm_id)
            candidates = [c for c in candidates if c.get("AvailabilityZone") == realm_id]
        if want.ip_address is not None:
            ip = ipaddress.ip_address(want.ip_address)
            candidates = [c for c in candidates if ip in ipaddress.ip_network(c["CidrBlock"])]
            if not candidates:
                raise ValidationError(
                    f"address {ip} is outside every subnet of network {want.network_id}"
                    + (f" in realm {realm_id}" if realm_id else ""),
                    ip_address=str(ip),
                )
        if not candidates:
            raise ValidationError(
                f"network {want.network_id} has no subnet" + (f" in realm {realm_id}" if realm_id else ""),
                network=want.network_id,
            )
        subnet = candidates[0]
        if want.ip_address is not None:
            taken = self.cloud.call(
                f"reading the addresses of subnet {subnet['SubnetId']}",
                "describe_network_interfaces",
                Filters=[
                    {"Name": "subnet-id", "Values": [subnet["SubnetId"]]},
                    {"Name": "addresses.private-ip-address", "Values": [want.ip_address]},
                ],
            ).get("NetworkInterfaces")
            if taken:
                raise Conflict(
                    f"address {want.ip_address} is already in use on subnet {subnet['SubnetId']}",
                    ip_address=want.ip_address,
                )
        return str(subnet["SubnetId"]), want.ip_address

    # --- addresses (Elastic IPs) --------------------------------------------------------------

    def list_addresses(self, caller: Caller) -> list[Address]:
        rows = self._rows_by_id(Kind.address, caller)
        if not rows:
            return []
        found = self.cloud.by_ids(
            "listing addresses", "describe_addresses", "Addresses", "allocation-id", list(rows)
        )
        items = {a["AllocationId"]: a for a in found}
        return [self._address_view(items[i], row) for i, row in rows.items() if i in items]

    def get_address(self, caller: Caller, address_id: str) -> Address:
        row = self._owned(Kind.address, caller, address_id)
        return self._address_view(self._address_item(address_id), row)

    def create_address(self, caller: Caller, request: AddressCreate) -> Address:
        params: dict[str, Any] = {"Domain": "vpc"}
        if request.name is not None:
            params["TagSpecifications"] = name_tags("elastic-ip", request.name)
        made = self.cloud.call("allocating an address", "allocate_address", **params)
        row = self._record(caller, Kind.address, made["AllocationId"], request.name or made["PublicIp"])
        return self._address_view(made, row)

    def delete_address(self, caller: Caller, address_id: str) -> None:
        self._owned(Kind.address, caller, address_id, modify=True)
        item = self._address_item(address_id)
        if item.get("InstanceId") or item.get("AssociationId"):
            raise Conflict(
                f"address {address_id} is associated with instance {item.get('InstanceId')}; "
                "disassociate it first",
                address=address_id,
            )
        self.cloud.call(f"releasing address {address_id}", "release_address", AllocationId=address_id)
        self._forget(address_id)

    def associate_address(self, caller: Caller, address_id: str, instance_id: str) -> Address:
        row = self._owned(Kind.address, caller, address_id, modify=True)
        self._owned(Kind.instance, caller, instance_id)
        item = self._address_item(address_id)
        if item.get("AssociationId"):
            raise Conflict(
                f"address {address_id} is already associated with instance {item.get('InstanceId')}",
                address=address_id,
            )
        self.cloud.call(
            f"associating address {address_id} with instance {instance_id}",
            "associate_address",
            AllocationId=address_id,
            InstanceId=instance_id,
            AllowReassociation=False,
        )
        return self._address_view(self._address_item(address_id), row)

    def disassociate_address(self, caller: Caller, address_id: str) -> Address:
        row = self._owned(Kind.address, caller, address_id, modify=True)
        item = self._address_item(address_id)
        if not item.get("AssociationId"):
            raise Conflict(f"address {address_id} is not associated", address=address_id)
        self.cloud.call(
            f"disassociating address {address_id}",
            "disassociate_address",
            AssociationId=item["AssociationId"],
        )
        return self._address_view(self._address_item(address_id), row)

    def _disassociate_all(self, instance_id: str) -> None:
        """Let go of the addresses of an instance about to be terminated (they outlive it)."""
        found = self.cloud.call(
            "listing addresses",
            "describe_addresses",
            Filters=[{"Name": "instance-id", "Values": [instance_id]}],
        )
        for item in found.get("Addresses", []):
            if item.get("AssociationId"):
                self.cloud.call(
                    f"disassociating address {item.get('AllocationId')}",
                    "disassociate_address",
                    AssociationId=item["AssociationId"],
                )

    def _address_item(self, address_id: str) -> dict[str, Any]:
        found = self.cloud.call(
            f"reading address {address_id}",
            "describe_addresses",
            Filters=[{"Name": "allocation-id", "Values": [address_id]}],
        ).get("Addresses")
        if not found:
            raise NotFound(f"address {address_id} not found", kind="address", id=address_id)
        return dict(found[0])

    def _address_view(self, item: dict[str, Any], row: Any) -> Address:
        return Address(
            id=item["AllocationId"],
            name=row.name,
            owner_id=row.owner_id,
            created=row.created,
            ip_address=str(item["PublicIp"]),
            instance=item.get("InstanceId") or None,
        )
