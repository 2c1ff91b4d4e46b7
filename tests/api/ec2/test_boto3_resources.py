"""boto3 against /ec2 for key pairs, volumes, snapshots, VPCs, subnets and Elastic IPs."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

FAST_WAIT = {"Delay": 0.1, "MaxAttempts": 100}
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@hearth"


def _code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def _instance(ec2: Any) -> str:
    image = ec2.describe_images(Filters=[{"Name": "name", "Values": ["debian-12"]}])["Images"][0]["ImageId"]
    made = ec2.run_instances(ImageId=image, InstanceType="small", MinCount=1, MaxCount=1)
    instance = str(made["Instances"][0]["InstanceId"])
    ec2.get_waiter("instance_running").wait(InstanceIds=[instance], WaiterConfig=FAST_WAIT)
    return instance


def test_key_pairs_are_made_imported_listed_and_deleted(ec2: Any) -> None:
    made = ec2.create_key_pair(KeyName="made", KeyType="ed25519")
    assert made["KeyName"] == "made" and made["KeyPairId"].startswith("key-")
    assert "PRIVATE KEY" in made["KeyMaterial"]
    with pytest.raises(ClientError) as excinfo:
        ec2.create_key_pair(KeyName="made")
    assert _code(excinfo) == "InvalidKeyPair.Duplicate"
    imported = ec2.import_key_pair(KeyName="mine", PublicKeyMaterial=PUBLIC_KEY.encode())
    assert imported["KeyName"] == "mine" and imported["KeyFingerprint"]
    listed = {k["KeyName"]: k for k in ec2.describe_key_pairs(IncludePublicKey=True)["KeyPairs"]}
    assert {"made", "mine"} <= set(listed)
    assert listed["mine"]["PublicKey"].startswith("ssh-ed25519 ") and listed["made"]["KeyType"] == "ed25519"
    by_id = ec2.describe_key_pairs(KeyPairIds=[made["KeyPairId"]])["KeyPairs"]
    assert [k["KeyName"] for k in by_id] == ["made"]
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_key_pairs(KeyNames=["nobody"])
    assert _code(excinfo) == "InvalidKeyPair.NotFound"
    ec2.delete_key_pair(KeyName="made")
    ec2.delete_key_pair(KeyPairId=imported["KeyPairId"])
    ec2.delete_key_pair(KeyName="made")  # gone already: EC2 answers success
    assert not {"made", "mine"} & {k["KeyName"] for k in ec2.describe_key_pairs()["KeyPairs"]}


def test_a_key_pair_goes_to_the_instance_it_launches(ec2: Any) -> None:
    ec2.import_key_pair(KeyName="launch-key", PublicKeyMaterial=PUBLIC_KEY.encode())
    image = ec2.describe_images(Filters=[{"Name": "name", "Values": ["debian-12"]}])["Images"][0]["ImageId"]
    made = ec2.run_instances(
        ImageId=image, InstanceType="small", MinCount=1, MaxCount=1, KeyName="launch-key"
    )
    instance = made["Instances"][0]
    assert instance["KeyName"] == "launch-key"
    found = ec2.describe_instances(Filters=[{"Name": "key-name", "Values": ["launch-key"]}])["Reservations"]
    assert [i["InstanceId"] for r in found for i in r["Instances"]] == [instance["InstanceId"]]
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    ec2.delete_key_pair(KeyName="launch-key")


def test_volumes_attach_detach_and_snapshot(ec2: Any) -> None:
    instance = _instance(ec2)
    volume = ec2.create_volume(
        Size=2,
        AvailabilityZone="local",
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "data"}]}],
    )
    assert volume["VolumeId"].startswith("vol-") and volume["Size"] == 2 and volume["State"] == "available"
    assert volume["Tags"] == [{"Key": "Name", "Value": "data"}]
    ec2.get_waiter("volume_available").wait(VolumeIds=[volume["VolumeId"]], WaiterConfig=FAST_WAIT)
    attached = ec2.attach_volume(VolumeId=volume["VolumeId"], InstanceId=instance, Device="/dev/vdb")
    assert attached["InstanceId"] == instance and attached["Device"] == "/dev/vdb"
    ec2.get_waiter("volume_in_use").wait(VolumeIds=[volume["VolumeId"]], WaiterConfig=FAST_WAIT)
    (seen,) = ec2.describe_volumes(VolumeIds=[volume["VolumeId"]])["Volumes"]
    assert seen["State"] == "in-use" and seen["Attachments"][0]["InstanceId"] == instance
    by_instance = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [instance]}])
    assert [v["VolumeId"] for v in by_instance["Volumes"]] == [volume["VolumeId"]]
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_volume(VolumeId=volume["VolumeId"])
    assert _code(excinfo) == "VolumeInUse"
    snapshot = ec2.create_snapshot(VolumeId=volume["VolumeId"], Description="before")
    assert snapshot["SnapshotId"].startswith("snap-") and snapshot["VolumeId"] == volume["VolumeId"]
    ec2.get_waiter("snapshot_completed").wait(SnapshotIds=[snapshot["SnapshotId"]], WaiterConfig=FAST_WAIT)
    mine = ec2.describe_snapshots(
        OwnerIds=["self"], Filters=[{"Name": "volume-id", "Values": [volume["VolumeId"]]}]
    )
    assert [s["SnapshotId"] for s in mine["Snapshots"]] == [snapshot["SnapshotId"]]
    detached = ec2.detach_volume(VolumeId=volume["VolumeId"])
    assert detached["State"] == "detaching"
    ec2.get_waiter("volume_available").wait(VolumeIds=[volume["VolumeId"]], WaiterConfig=FAST_WAIT)
    with pytest.raises(ClientError) as excinfo:
        ec2.detach_volume(VolumeId=volume["VolumeId"])
    assert _code(excinfo) == "IncorrectState"
    ec2.delete_snapshot(SnapshotId=snapshot["SnapshotId"])
    ec2.delete_volume(VolumeId=volume["VolumeId"])
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_volumes(VolumeIds=[volume["VolumeId"]])
    assert _code(excinfo) == "InvalidVolume.NotFound"
    ec2.terminate_instances(InstanceIds=[instance])


def test_vpcs_and_subnets_are_hearth_networks_and_an_instance_launches_into_one(ec2: Any) -> None:
    vpc = ec2.create_vpc(
        CidrBlock="10.77.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "lab"}]}],
    )["Vpc"]
    assert vpc["VpcId"].startswith("vpc-") and vpc["CidrBlock"] == "10.77.0.0/16"
    ec2.get_waiter("vpc_available").wait(VpcIds=[vpc["VpcId"]], WaiterConfig=FAST_WAIT)
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.77.1.0/24")["Subnet"]
    assert subnet["SubnetId"].startswith("subnet-") and subnet["VpcId"] == vpc["VpcId"]
    assert subnet["AvailableIpAddressCount"] == 251
    in_vpc = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    assert [s["SubnetId"] for s in in_vpc] == [subnet["SubnetId"]]
    named = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["lab"]}])["Vpcs"]
    assert [v["VpcId"] for v in named] == [vpc["VpcId"]]
    image = ec2.describe_images(Filters=[{"Name": "name", "Values": ["debian-12"]}])["Images"][0]["ImageId"]
    made = ec2.run_instances(
        ImageId=image, InstanceType="small", MinCount=1, MaxCount=1, SubnetId=subnet["SubnetId"]
    )
    instance = made["Instances"][0]
    assert instance["SubnetId"] == subnet["SubnetId"] and instance["VpcId"] == vpc["VpcId"]
    assert instance["PrivateIpAddress"].startswith("10.77.1.")
    by_subnet = ec2.describe_instances(Filters=[{"Name": "subnet-id", "Values": [subnet["SubnetId"]]}])
    assert [i["InstanceId"] for r in by_subnet["Reservations"] for i in r["Instances"]] == [
        instance["InstanceId"]
    ]
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    assert _code(excinfo) == "DependencyViolation"
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[instance["InstanceId"]], WaiterConfig=FAST_WAIT)
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    ec2.delete_vpc(VpcId=vpc["VpcId"])
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])
    assert _code(excinfo) == "InvalidVpcID.NotFound"


def test_elastic_ips_are_allocated_associated_and_released(ec2: Any) -> None:
    instance = _instance(ec2)
    allocated = ec2.allocate_address(Domain="vpc")
    assert allocated["AllocationId"].startswith("eipalloc-") and allocated["PublicIp"]
    association = ec2.associate_address(AllocationId=allocated["AllocationId"], InstanceId=instance)
    assert association["AssociationId"].startswith("eipassoc-")
    (shown,) = ec2.describe_addresses(AllocationIds=[allocated["AllocationId"]])["Addresses"]
    assert shown["InstanceId"] == instance and shown["AssociationId"] == association["AssociationId"]
    with pytest.raises(ClientError) as excinfo:
        ec2.release_address(AllocationId=allocated["AllocationId"])
    assert _code(excinfo) == "InvalidIPAddress.InUse"
    ec2.disassociate_address(AssociationId=association["AssociationId"])
    (free,) = ec2.describe_addresses(PublicIps=[allocated["PublicIp"]])["Addresses"]
    assert "InstanceId" not in free
    ec2.release_address(AllocationId=allocated["AllocationId"])
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_addresses(AllocationIds=[allocated["AllocationId"]])
    assert _code(excinfo) == "InvalidAllocationID.NotFound"
    ec2.terminate_instances(InstanceIds=[instance])


def test_an_image_is_captured_from_a_stopped_instance_and_deregistered(ec2: Any) -> None:
    instance = _instance(ec2)
    with pytest.raises(ClientError) as excinfo:
        ec2.create_image(InstanceId=instance, Name="snap-of-web")
    assert _code(excinfo) == "IncorrectInstanceState"
    ec2.stop_instances(InstanceIds=[instance])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[instance], WaiterConfig=FAST_WAIT)
    image = ec2.create_image(InstanceId=instance, Name="snap-of-web")["ImageId"]
    ec2.get_waiter("image_available").wait(ImageIds=[image], WaiterConfig=FAST_WAIT)
    (shown,) = ec2.describe_images(ImageIds=[image])["Images"]
    assert shown["Name"] == "snap-of-web" and shown["SourceInstanceId"] == instance
    assert image in [i["ImageId"] for i in ec2.describe_images(Owners=["self"])["Images"]]
    ec2.deregister_image(ImageId=image)
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_images(ImageIds=[image])
    assert _code(excinfo) == "InvalidAMIID.NotFound"
    ec2.terminate_instances(InstanceIds=[instance])


def test_a_launch_network_interface_chooses_the_subnet_and_refuses_what_hearth_cannot_honour(
    ec2: Any,
) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.78.0.0/16")["Vpc"]
    ec2.get_waiter("vpc_available").wait(VpcIds=[vpc["VpcId"]], WaiterConfig=FAST_WAIT)
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.78.1.0/24")["Subnet"]["SubnetId"]
    image = ec2.describe_images(Filters=[{"Name": "name", "Values": ["debian-12"]}])["Images"][0]["ImageId"]
    launch = {"ImageId": image, "InstanceType": "small", "MinCount": 1, "MaxCount": 1}
    nic = {"DeviceIndex": 0, "SubnetId": subnet, "AssociatePublicIpAddress": False}
    refused = [
        ({"NetworkInterfaces": [{**nic, "AssociatePublicIpAddress": True}]}, "Unsupported"),
        ({"NetworkInterfaces": [nic], "SubnetId": subnet}, "InvalidParameterCombination"),
        ({"NetworkInterfaces": [{**nic, "DeviceIndex": 1}]}, "InvalidParameterValue"),
        ({"NetworkInterfaces": [nic, nic]}, "InvalidParameterValue"),
        ({"NetworkInterfaces": [{"SubnetId": subnet}]}, "MissingParameter"),
    ]
    for extra, code in refused:
        with pytest.raises(ClientError) as excinfo:
            ec2.run_instances(**launch, **extra)
        assert _code(excinfo) == code, (extra, excinfo.value.response)
    assert ec2.describe_instances(Filters=[{"Name": "subnet-id", "Values": [subnet]}])["Reservations"] == []

    instance = ec2.run_instances(**launch, NetworkInterfaces=[nic])["Instances"][0]
    assert instance["SubnetId"] == subnet and instance["PrivateIpAddress"].startswith("10.78.1.")
    assert "PublicIpAddress" not in instance
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[instance["InstanceId"]], WaiterConfig=FAST_WAIT)
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc["VpcId"])
