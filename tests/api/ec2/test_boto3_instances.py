"""boto3, unchanged, against /ec2 on a real server (mock driver): the catalogue and instances.

Client and resource APIs, waiters and paginators: what scripts built on boto3 do.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError

from hearth.api.ec2.context import REGION

from ..conftest import Running
from .clients import Credentials, ec2_resource

FAST_WAIT = {"Delay": 0.1, "MaxAttempts": 100}


def _code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def _status(excinfo: pytest.ExceptionInfo[ClientError]) -> int:
    return int(excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"])


def _image(ec2: Any, name: str = "debian-12") -> str:
    images = ec2.describe_images(Filters=[{"Name": "name", "Values": [name]}])["Images"]
    assert len(images) == 1
    return str(images[0]["ImageId"])


def _run(ec2: Any, count: int = 1, **extra: Any) -> list[str]:
    answer = ec2.run_instances(
        ImageId=_image(ec2), InstanceType="small", MinCount=count, MaxCount=count, **extra
    )
    return [i["InstanceId"] for i in answer["Instances"]]


def test_the_region_and_its_zones_are_the_servers_realms(ec2: Any, server: Running) -> None:
    (region,) = ec2.describe_regions()["Regions"]
    assert region["RegionName"] == REGION and region["Endpoint"] == f"{server.url}/ec2"
    zones = {z["ZoneName"]: z["State"] for z in ec2.describe_availability_zones()["AvailabilityZones"]}
    assert zones == {"local": "available", "remote": "unavailable"}
    only = ec2.describe_availability_zones(Filters=[{"Name": "state", "Values": ["available"]}])
    assert [z["ZoneName"] for z in only["AvailabilityZones"]] == ["local"]
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_availability_zones(ZoneNames=["mars-1a"])
    assert _code(excinfo) == "InvalidParameterValue"


def test_instance_types_are_the_hardware_profiles_with_their_sizes(ec2: Any) -> None:
    types = {t["InstanceType"]: t for t in ec2.describe_instance_types()["InstanceTypes"]}
    assert {"small", "medium", "flexible"} <= set(types)
    assert types["medium"]["VCpuInfo"]["DefaultVCpus"] == 2
    assert types["medium"]["MemoryInfo"]["SizeInMiB"] == 4096
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_instance_types(InstanceTypes=["t2.nano"])
    assert _code(excinfo) == "InvalidInstanceType"


def test_images_are_listed_with_ec2_ids_and_an_unknown_one_is_not_found(ec2: Any) -> None:
    images = ec2.describe_images(Owners=["amazon"])["Images"]
    assert {i["Name"] for i in images} >= {"debian-12", "fedora-40", "alpine-3.19"}
    assert all(i["ImageId"].startswith("ami-") and i["State"] == "available" for i in images)
    one = ec2.describe_images(ImageIds=[images[0]["ImageId"]])["Images"]
    assert [i["ImageId"] for i in one] == [images[0]["ImageId"]]
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_images(ImageIds=["ami-0123456789abcdef0"])
    assert _code(excinfo) == "InvalidAMIID.NotFound" and _status(excinfo) == 400
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_images(ImageIds=["debian-12"])
    assert _code(excinfo) == "InvalidAMIID.Malformed"


def test_run_instances_waits_running_and_describes_with_filters(ec2: Any) -> None:
    user_data = "#cloud-config\nhostname: web\n"
    answer = ec2.run_instances(
        ImageId=_image(ec2),
        InstanceType="small",
        MinCount=2,
        MaxCount=2,
        UserData=user_data,  # boto3 base64-encodes it; the frontend decodes it for cloud-init
        Placement={"AvailabilityZone": "local"},
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}],
    )
    ids = [i["InstanceId"] for i in answer["Instances"]]
    assert len(ids) == 2 and all(i.startswith("i-") and len(i) == 19 for i in ids)
    assert {i["State"]["Name"] for i in answer["Instances"]} <= {"pending", "running"}
    assert [i["AmiLaunchIndex"] for i in answer["Instances"]] == [0, 1]
    ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig=FAST_WAIT)
    described = ec2.describe_instances(InstanceIds=ids)["Reservations"]
    instances = [i for r in described for i in r["Instances"]]
    assert {i["InstanceId"] for i in instances} == set(ids)
    assert {i["State"]["Code"] for i in instances} == {16}
    assert sorted(t["Value"] for i in instances for t in i["Tags"] if t["Key"] == "Name") == [
        "web-1",
        "web-2",
    ]
    assert {i["Placement"]["AvailabilityZone"] for i in instances} == {"local"}
    by_tag = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["web-*"]}])["Reservations"]
    assert {i["InstanceId"] for r in by_tag for i in r["Instances"]} >= set(ids)
    both = ec2.describe_instances(
        Filters=[
            {"Name": "instance-id", "Values": ids[:1]},
            {"Name": "instance-state-name", "Values": ["running"]},
            {"Name": "instance-type", "Values": ["small"]},
            {"Name": "availability-zone", "Values": ["local"]},
            {"Name": "image-id", "Values": [_image(ec2)]},
        ]
    )["Reservations"]
    assert [i["InstanceId"] for r in both for i in r["Instances"]] == ids[:1]
    none = ec2.describe_instances(
        Filters=[
            {"Name": "instance-state-name", "Values": ["stopped"]},
            {"Name": "instance-id", "Values": ids},
        ]
    )
    assert none["Reservations"] == []
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_instances(Filters=[{"Name": "colour", "Values": ["red"]}])
    assert _code(excinfo) == "InvalidParameterValue"


def test_stop_start_reboot_and_terminate_answer_state_changes_and_waiters_see_them(ec2: Any) -> None:
    (instance,) = _run(ec2)
    ec2.get_waiter("instance_running").wait(InstanceIds=[instance], WaiterConfig=FAST_WAIT)
    stopping = ec2.stop_instances(InstanceIds=[instance])["StoppingInstances"]
    assert stopping == [
        {
            "InstanceId": instance,
            "PreviousState": {"Code": 16, "Name": "running"},
            "CurrentState": {"Code": 64, "Name": "stopping"},
        }
    ]
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[instance], WaiterConfig=FAST_WAIT)
    with pytest.raises(ClientError) as excinfo:
        ec2.reboot_instances(InstanceIds=[instance])
    assert _code(excinfo) == "IncorrectInstanceState" and _status(excinfo) == 400
    starting = ec2.start_instances(InstanceIds=[instance])["StartingInstances"][0]
    assert starting["PreviousState"]["Name"] == "stopped"
    assert starting["CurrentState"]["Name"] in ("pending", "running")
    ec2.get_waiter("instance_running").wait(InstanceIds=[instance], WaiterConfig=FAST_WAIT)
    ec2.reboot_instances(InstanceIds=[instance])
    status = ec2.describe_instance_status(InstanceIds=[instance])["InstanceStatuses"]
    assert [s["InstanceState"]["Name"] for s in status] == ["running"]
    assert status[0]["InstanceStatus"]["Status"] == "ok"
    terminating = ec2.terminate_instances(InstanceIds=[instance])["TerminatingInstances"][0]
    assert terminating["PreviousState"] == {"Code": 16, "Name": "running"}
    assert terminating["CurrentState"] == {"Code": 32, "Name": "shutting-down"}
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[instance], WaiterConfig=FAST_WAIT)
    (gone,) = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"]
    assert gone["State"] == {"Code": 48, "Name": "terminated"}
    assert ec2.describe_instance_status(InstanceIds=[instance])["InstanceStatuses"] == []
    everything = ec2.describe_instance_status(InstanceIds=[instance], IncludeAllInstances=True)
    assert [s["InstanceState"]["Name"] for s in everything["InstanceStatuses"]] == ["terminated"]
    again = ec2.terminate_instances(InstanceIds=[instance])["TerminatingInstances"][0]
    assert again["CurrentState"]["Name"] == "terminated"
    with pytest.raises(ClientError) as excinfo:
        ec2.start_instances(InstanceIds=[instance])
    assert _code(excinfo) == "IncorrectInstanceState"


def test_a_waiter_on_an_instance_that_never_gets_there_fails_as_a_waiter_does(ec2: Any) -> None:
    (instance,) = _run(ec2)
    with pytest.raises(WaiterError):
        ec2.get_waiter("instance_stopped").wait(
            InstanceIds=[instance], WaiterConfig={"Delay": 0.05, "MaxAttempts": 3}
        )
    ec2.terminate_instances(InstanceIds=[instance])


def test_a_client_token_makes_run_instances_happen_once(ec2: Any) -> None:
    first = ec2.run_instances(
        ImageId=_image(ec2), InstanceType="small", MinCount=1, MaxCount=1, ClientToken="once-1"
    )
    second = ec2.run_instances(
        ImageId=_image(ec2), InstanceType="small", MinCount=1, MaxCount=1, ClientToken="once-1"
    )
    assert [i["InstanceId"] for i in first["Instances"]] == [i["InstanceId"] for i in second["Instances"]]
    with pytest.raises(ClientError) as excinfo:
        ec2.run_instances(
            ImageId=_image(ec2), InstanceType="medium", MinCount=1, MaxCount=1, ClientToken="once-1"
        )
    assert _code(excinfo) == "IdempotentParameterMismatch"
    ec2.terminate_instances(InstanceIds=[i["InstanceId"] for i in first["Instances"]])


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"InstanceType": "t2.nano"}, "InvalidParameterValue"),
        ({"ImageId": "ami-0123456789abcdef0"}, "InvalidAMIID.NotFound"),
        ({"MinCount": 3, "MaxCount": 2}, "InvalidParameterValue"),
        ({"Placement": {"AvailabilityZone": "remote"}}, "InvalidParameterValue"),  # an unavailable zone
        ({"SecurityGroupIds": ["sg-12345678"]}, "Unsupported"),
        ({"KeyName": "no-such-key"}, "InvalidKeyPair.NotFound"),
    ],
)
def test_a_launch_hearth_cannot_do_is_refused_with_ec2s_code(
    ec2: Any, extra: dict[str, Any], code: str
) -> None:
    request = {"ImageId": _image(ec2), "InstanceType": "small", "MinCount": 1, "MaxCount": 1, **extra}
    with pytest.raises(ClientError) as excinfo:
        ec2.run_instances(**request)
    assert _code(excinfo) == code, excinfo.value.response["Error"]


def test_pages_of_described_instances_cover_each_once(ec2: Any) -> None:
    ids = set(_run(ec2, count=7))
    paginator = ec2.get_paginator("describe_instances")
    seen: list[str] = []
    pages = 0
    for page in paginator.paginate(
        Filters=[{"Name": "instance-id", "Values": sorted(ids)}], PaginationConfig={"PageSize": 5}
    ):
        pages += 1
        seen += [i["InstanceId"] for r in page["Reservations"] for i in r["Instances"]]
    assert sorted(seen) == sorted(ids) and pages == 2
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_instances(InstanceIds=sorted(ids), MaxResults=5)
    assert _code(excinfo) == "InvalidParameterCombination"
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_instances(MaxResults=5, NextToken="bogus")
    assert _code(excinfo) == "InvalidPaginationToken"
    ec2.terminate_instances(InstanceIds=sorted(ids))


def test_another_users_instances_are_not_there_for_them(ec2: Any, ec2_other: Any) -> None:
    (mine,) = _run(ec2)
    theirs = ec2_other.describe_instances()["Reservations"]
    assert mine not in {i["InstanceId"] for r in theirs for i in r["Instances"]}
    with pytest.raises(ClientError) as excinfo:
        ec2_other.stop_instances(InstanceIds=[mine])
    assert _code(excinfo) == "InvalidInstanceID.NotFound"
    ec2.terminate_instances(InstanceIds=[mine])


def test_the_resource_api_runs_waits_and_terminates(server: Running, demo_key: Credentials, ec2: Any) -> None:
    resource = ec2_resource(server, demo_key)
    (instance,) = resource.create_instances(ImageId=_image(ec2), InstanceType="small", MinCount=1, MaxCount=1)
    instance.wait_until_running(WaiterConfig=FAST_WAIT)
    instance.reload()
    assert instance.state["Name"] == "running" and instance.instance_type == "small"
    assert instance.id in [
        i.id
        for i in resource.instances.filter(Filters=[{"Name": "instance-state-name", "Values": ["running"]}])
    ]
    instance.stop()
    instance.wait_until_stopped(WaiterConfig=FAST_WAIT)
    instance.terminate()
    instance.wait_until_terminated(WaiterConfig=FAST_WAIT)
    assert instance.state["Name"] == "terminated"
