"""Instances as EC2 shows them: the ``Instance`` element, reservations, state changes.

EC2 names an instance by its ``Name`` tag, which is Hearth's instance name. Addresses come from
the first network binding (EC2's primary interface).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hearth.drivers.resources import Instance
from hearth.service.tags import with_name

from ..ids import IdMap, Kind
from ..render import Value
from ..states import Ec2State, ec2_state, state_element, state_reason
from ..tags import tag_set

ROOT_DEVICE = "/dev/vda"


def instance_item(
    instance: Instance,
    ids: IdMap,
    tags: Mapping[str, str],
    *,
    state: Ec2State | None = None,
    launch_index: int = 0,
    client_token: str | None = None,
) -> dict[str, Value]:
    """The ``Instance`` element; ``state`` overrides the one Hearth reports (terminating), and
    ``tags`` are shown with the instance's name as ``Name``."""
    shown = state or ec2_state(instance.state)
    binding = instance.network_bindings[0] if instance.network_bindings else None
    private_ip = binding.ip_address if binding else next(iter(instance.private_addresses), None)
    public_ip = next(iter(instance.public_addresses), None)
    body: dict[str, Value] = {
        "instanceId": ids.ec2(Kind.instance, instance.id),
        "imageId": ids.ec2(Kind.image, instance.image) if instance.image else None,
        "instanceState": state_element(shown),
        "privateDnsName": "",
        "dnsName": "",
        "reason": "",
        "keyName": instance.key_name,
        "amiLaunchIndex": launch_index,
        "productCodes": [],
        "instanceType": instance.hardware_profile,
        "launchTime": instance.created,
        "placement": {"availabilityZone": instance.realm, "groupName": "", "tenancy": "default"},
        "monitoring": {"state": "disabled"},
        "subnetId": ids.ec2(Kind.subnet, binding.subnet) if binding else None,
        "vpcId": ids.ec2(Kind.vpc, binding.network) if binding else None,
        "privateIpAddress": private_ip,
        "ipAddress": public_ip,
        "groupSet": [],
        "stateReason": state_reason(instance.state, instance.state_reason),
        "architecture": "x86_64",
        "rootDeviceType": "ebs",
        "rootDeviceName": ROOT_DEVICE,
        "blockDeviceMapping": [],
        "virtualizationType": "hvm",
        "clientToken": client_token or "",
        "tagSet": tag_set(with_name(instance.name, tags)),
        "ebsOptimized": False,
        "cpuOptions": {"coreCount": instance.vcpus, "threadsPerCore": 1} if instance.vcpus else None,
    }
    return body


def reservation(
    reservation_of: str, items: Sequence[Mapping[str, Value]], owner: str, ids: IdMap
) -> dict[str, Value]:
    """One ``Reservation``: the instances one launch made, under the id of ``reservation_of``
    (a stable Hearth id: its first instance)."""
    return {
        "reservationId": ids.ec2(Kind.reservation, reservation_of),
        "ownerId": owner,
        "groupSet": [],
        "instancesSet": list(items),
    }


def state_change(instance_id: str, previous: Ec2State, current: Ec2State) -> dict[str, Value]:
    """One ``InstanceStateChange`` of Start/Stop/TerminateInstances."""
    return {
        "instanceId": instance_id,
        "currentState": state_element(current),
        "previousState": state_element(previous),
    }
