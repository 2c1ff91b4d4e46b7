"""boto3 against /ec2 for tags: CreateTags, DeleteTags, DescribeTags, TagSpecifications, filters.

Tags are kept by the server (the shared store), so they are what every later request sees; the
``Name`` tag is the resource's Hearth name.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from hearth.drivers import Caller
from hearth.service.tags import TagKind

from ..conftest import Running
from .clients import Credentials, ec2_resource

FAST_WAIT = {"Delay": 0.1, "MaxAttempts": 100}


def _code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def _image(ec2: Any) -> str:
    images = ec2.describe_images(Filters=[{"Name": "name", "Values": ["debian-12"]}])["Images"]
    return str(images[0]["ImageId"])


def _spec(kind: str, **tags: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]


def _tags(item: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in item.get("Tags", [])}


def _run(ec2: Any, **extra: Any) -> str:
    made = ec2.run_instances(ImageId=_image(ec2), InstanceType="small", MinCount=1, MaxCount=1, **extra)
    return str(made["Instances"][0]["InstanceId"])


def test_tag_specifications_beyond_name_are_kept_on_every_kind_a_create_makes(ec2: Any) -> None:
    launched = ec2.run_instances(
        ImageId=_image(ec2),
        InstanceType="small",
        MinCount=2,
        MaxCount=2,
        TagSpecifications=_spec("instance", Name="tagged", env="prod", team="web"),
    )
    ids = [i["InstanceId"] for i in launched["Instances"]]
    assert [_tags(i) for i in launched["Instances"]] == [
        {"Name": "tagged-1", "env": "prod", "team": "web"},
        {"Name": "tagged-2", "env": "prod", "team": "web"},
    ]
    described = ec2.describe_instances(InstanceIds=ids)["Reservations"]
    assert {_tags(i)["env"] for r in described for i in r["Instances"]} == {"prod"}
    volume = ec2.create_volume(
        Size=1, AvailabilityZone="local", TagSpecifications=_spec("volume", Name="v", tier="gold")
    )
    assert _tags(volume) == {"Name": "v", "tier": "gold"}
    (seen,) = ec2.describe_volumes(VolumeIds=[volume["VolumeId"]])["Volumes"]
    assert _tags(seen) == {"Name": "v", "tier": "gold"}
    ec2.get_waiter("volume_available").wait(VolumeIds=[volume["VolumeId"]], WaiterConfig=FAST_WAIT)
    snapshot = ec2.create_snapshot(
        VolumeId=volume["VolumeId"], TagSpecifications=_spec("snapshot", keep="30d")
    )
    assert _tags(snapshot)["keep"] == "30d"
    (snap,) = ec2.describe_snapshots(SnapshotIds=[snapshot["SnapshotId"]])["Snapshots"]
    assert _tags(snap)["keep"] == "30d"
    vpc = ec2.create_vpc(CidrBlock="10.61.0.0/16", TagSpecifications=_spec("vpc", Name="tagvpc", env="lab"))[
        "Vpc"
    ]
    assert _tags(vpc) == {"Name": "tagvpc", "env": "lab"}
    subnet = ec2.create_subnet(
        VpcId=vpc["VpcId"], CidrBlock="10.61.1.0/24", TagSpecifications=_spec("subnet", zone="a")
    )["Subnet"]
    assert _tags(subnet)["zone"] == "a" and _tags(subnet)["Name"].startswith("subnet-")
    (listed,) = ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"]
    assert _tags(listed) == _tags(subnet)
    ec2.get_waiter("instance_running").wait(InstanceIds=ids[:1], WaiterConfig=FAST_WAIT)
    ec2.stop_instances(InstanceIds=ids[:1])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=ids[:1], WaiterConfig=FAST_WAIT)
    image = ec2.create_image(InstanceId=ids[0], Name="golden", TagSpecifications=_spec("image", os="debian"))
    (captured,) = ec2.describe_images(ImageIds=[image["ImageId"]])["Images"]
    assert _tags(captured) == {"Name": "golden", "os": "debian"}
    ec2.terminate_instances(InstanceIds=ids)
    ec2.deregister_image(ImageId=image["ImageId"])
    ec2.delete_snapshot(SnapshotId=snapshot["SnapshotId"])
    ec2.delete_volume(VolumeId=volume["VolumeId"])
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    ec2.delete_vpc(VpcId=vpc["VpcId"])


def test_create_tags_spans_resource_types_and_filters_find_them(ec2: Any) -> None:
    instance = _run(ec2)
    volume = ec2.create_volume(Size=1, AvailabilityZone="local")["VolumeId"]
    vpc = ec2.create_vpc(CidrBlock="10.62.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[instance, volume, vpc], Tags=[{"Key": "project", "Value": "apollo"}])
    found = ec2.describe_instances(Filters=[{"Name": "tag:project", "Values": ["apollo"]}])["Reservations"]
    assert [i["InstanceId"] for r in found for i in r["Instances"]] == [instance]
    keyed = ec2.describe_volumes(Filters=[{"Name": "tag-key", "Values": ["project"]}])["Volumes"]
    assert [v["VolumeId"] for v in keyed] == [volume]
    assert [
        v["VpcId"] for v in ec2.describe_vpcs(Filters=[{"Name": "tag:project", "Values": ["apol*"]}])["Vpcs"]
    ] == [vpc]
    none = ec2.describe_instances(Filters=[{"Name": "tag:project", "Values": ["gemini"]}])["Reservations"]
    assert none == []
    described = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["project"]}])["Tags"]
    assert sorted((t["ResourceType"], t["ResourceId"], t["Value"]) for t in described) == sorted(
        [("instance", instance, "apollo"), ("volume", volume, "apollo"), ("vpc", vpc, "apollo")]
    )
    only_vpcs = ec2.describe_tags(
        Filters=[{"Name": "resource-type", "Values": ["vpc"]}, {"Name": "resource-id", "Values": [vpc]}]
    )["Tags"]
    assert {t["Key"] for t in only_vpcs} == {"project", "Name"}  # its name is a tag too
    assert {(t["ResourceType"], t["ResourceId"]) for t in only_vpcs} == {("vpc", vpc)}
    ec2.create_tags(Resources=[instance], Tags=[{"Key": "project", "Value": "gemini"}, {"Key": "empty"}])
    (again,) = [
        i for r in ec2.describe_instances(InstanceIds=[instance])["Reservations"] for i in r["Instances"]
    ]
    assert _tags(again)["project"] == "gemini" and _tags(again)["empty"] == ""
    ec2.terminate_instances(InstanceIds=[instance])
    ec2.delete_volume(VolumeId=volume)
    ec2.delete_vpc(VpcId=vpc)


def test_delete_tags_by_key_by_value_or_every_tag_and_name_stays(ec2: Any) -> None:
    volume = ec2.create_volume(
        Size=1,
        AvailabilityZone="local",
        TagSpecifications=_spec("volume", Name="keepname", a="1", b="2", c="3"),
    )["VolumeId"]
    ec2.delete_tags(Resources=[volume], Tags=[{"Key": "a"}, {"Key": "b", "Value": "not-2"}])
    (seen,) = ec2.describe_volumes(VolumeIds=[volume])["Volumes"]
    assert _tags(seen) == {"Name": "keepname", "b": "2", "c": "3"}
    ec2.delete_tags(Resources=[volume])
    (seen,) = ec2.describe_volumes(VolumeIds=[volume])["Volumes"]
    assert _tags(seen) == {"Name": "keepname"}
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_tags(Resources=[volume], Tags=[{"Key": "Name"}])
    assert _code(excinfo) == "Unsupported"
    ec2.delete_volume(VolumeId=volume)


def test_renaming_through_the_name_tag_works_where_hearth_can_rename(ec2: Any) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.63.0.0/16", TagSpecifications=_spec("vpc", Name="before"))["Vpc"][
        "VpcId"
    ]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "after"}])
    assert [
        v["VpcId"] for v in ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["after"]}])["Vpcs"]
    ] == [vpc]
    instance = _run(ec2, TagSpecifications=_spec("instance", Name="fixed"))
    with pytest.raises(ClientError) as excinfo:
        ec2.create_tags(Resources=[instance], Tags=[{"Key": "Name", "Value": "renamed"}])
    assert _code(excinfo) == "Unsupported"
    ec2.create_tags(Resources=[instance], Tags=[{"Key": "Name", "Value": "fixed"}])  # unchanged: fine
    ec2.terminate_instances(InstanceIds=[instance])
    ec2.delete_vpc(VpcId=vpc)


def test_tags_follow_ownership_and_ec2s_limits(ec2: Any, ec2_other: Any) -> None:
    volume = ec2.create_volume(Size=1, AvailabilityZone="local")["VolumeId"]
    ec2.create_tags(Resources=[volume], Tags=[{"Key": "secret", "Value": "mine"}])
    with pytest.raises(ClientError) as excinfo:
        ec2_other.create_tags(Resources=[volume], Tags=[{"Key": "x", "Value": "y"}])
    assert _code(excinfo) == "InvalidVolume.NotFound"
    assert all(t["ResourceId"] != volume for t in ec2_other.describe_tags()["Tags"])
    with pytest.raises(ClientError) as excinfo:
        ec2.create_tags(Resources=[_image(ec2)], Tags=[{"Key": "x", "Value": "y"}])
    assert _code(excinfo) == "UnauthorizedOperation"  # the shared catalogue is the admins'
    with pytest.raises(ClientError) as excinfo:
        ec2.create_tags(Resources=[volume], Tags=[{"Key": "aws:thing", "Value": "y"}])
    assert _code(excinfo) == "InvalidParameterValue"
    ec2.create_tags(Resources=[volume], Tags=[{"Key": f"k{n}", "Value": ""} for n in range(48)])  # 49 stored
    with pytest.raises(ClientError) as excinfo:
        ec2.create_tags(Resources=[volume], Tags=[{"Key": "k50", "Value": ""}, {"Key": "k51", "Value": ""}])
    assert _code(excinfo) == "TagLimitExceeded"
    with pytest.raises(ClientError) as excinfo:
        ec2.create_tags(Resources=["vol-0123456789abcdef0"], Tags=[{"Key": "x", "Value": "y"}])
    assert _code(excinfo) == "InvalidVolume.NotFound"
    with pytest.raises(ClientError) as excinfo:
        ec2.create_tags(Resources=["eni-0123456789abcdef0"], Tags=[{"Key": "x", "Value": "y"}])
    assert _code(excinfo) == "InvalidID"
    with pytest.raises(ClientError) as excinfo:
        ec2.create_tags(Resources=[volume], Tags=[])
    assert _code(excinfo) == "MissingParameter"
    ec2.delete_volume(VolumeId=volume)


def test_a_deleted_resource_takes_its_tags_and_a_terminated_instance_shows_them_its_hour(
    ec2: Any, server: Running
) -> None:
    volume = ec2.create_volume(
        Size=1, AvailabilityZone="local", TagSpecifications=_spec("volume", gone="soon")
    )
    instance = _run(ec2, TagSpecifications=_spec("instance", Name="ending", gone="soon"))
    ec2.get_waiter("instance_running").wait(InstanceIds=[instance], WaiterConfig=FAST_WAIT)
    ec2.delete_volume(VolumeId=volume["VolumeId"])
    ec2.terminate_instances(InstanceIds=[instance])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[instance], WaiterConfig=FAST_WAIT)
    (ended,) = [
        i for r in ec2.describe_instances(InstanceIds=[instance])["Reservations"] for i in r["Instances"]
    ]
    assert ended["State"]["Name"] == "terminated" and _tags(ended) == {"Name": "ending", "gone": "soon"}
    admin = Caller("admin-check", is_admin=True)
    stored = server.service.tags
    assert all(t.get("gone") != "soon" for t in stored.of(admin, TagKind.volume).values())
    assert all(t.get("gone") != "soon" for t in stored.of(admin, TagKind.instance).values())


def test_describe_tags_pages_and_the_resource_api_reads_tags(
    ec2: Any, server: Running, demo_key: Credentials
) -> None:
    vpc = ec2.create_vpc(
        CidrBlock="10.64.0.0/16", TagSpecifications=_spec("vpc", **{f"p{n}": str(n) for n in range(12)})
    )["Vpc"]["VpcId"]
    pages = ec2.get_paginator("describe_tags").paginate(
        Filters=[{"Name": "resource-id", "Values": [vpc]}], PaginationConfig={"PageSize": 5}
    )
    counts = [len(p["Tags"]) for p in pages]
    assert counts == [5, 5, 3]  # twelve tags and its Name
    resource = ec2_resource(server, demo_key)
    instance = resource.Instance(_run(ec2))
    instance.create_tags(Tags=[{"Key": "role", "Value": "db"}])
    instance.reload()
    assert {"Key": "role", "Value": "db"} in instance.tags
    instance.terminate()
    ec2.delete_vpc(VpcId=vpc)
