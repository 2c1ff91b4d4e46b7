"""Reservations and terminated instances are kept by the server's store, not its memory.

DescribeInstances groups instances by the RunInstances call that made them, as EC2 does, and a
terminated instance stays visible for its hour; both hold across a restart of the server (a new
Service over the same store and state directory: nothing in memory carries over).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..conftest import DEMO
from .clients import access_key, ec2_client, serve_ec2

FAST_WAIT = {"Delay": 0.1, "MaxAttempts": 100}


def _image(ec2: Any) -> str:
    return str(
        ec2.describe_images(Filters=[{"Name": "name", "Values": ["debian-12"]}])["Images"][0]["ImageId"]
    )


def _reservations(ec2: Any, **query: Any) -> dict[str, list[tuple[str, int]]]:
    """ReservationId → [(InstanceId, AmiLaunchIndex)] of a DescribeInstances."""
    found = ec2.describe_instances(**query)["Reservations"]
    return {
        r["ReservationId"]: [(i["InstanceId"], i["AmiLaunchIndex"]) for i in r["Instances"]] for r in found
    }


def test_describe_instances_groups_instances_by_the_launch_that_made_them(ec2: Any) -> None:
    three = ec2.run_instances(
        ImageId=_image(ec2), InstanceType="small", MinCount=3, MaxCount=3, ClientToken="trio"
    )
    one = ec2.run_instances(ImageId=_image(ec2), InstanceType="small", MinCount=1, MaxCount=1)
    trio = [i["InstanceId"] for i in three["Instances"]]
    solo = one["Instances"][0]["InstanceId"]
    assert three["ReservationId"] != one["ReservationId"]
    grouped = _reservations(ec2, InstanceIds=[*trio, solo])
    assert grouped == {
        three["ReservationId"]: [(trio[0], 0), (trio[1], 1), (trio[2], 2)],
        one["ReservationId"]: [(solo, 0)],
    }
    by_id = _reservations(ec2, Filters=[{"Name": "reservation-id", "Values": [three["ReservationId"]]}])
    assert list(by_id) == [three["ReservationId"]] and len(by_id[three["ReservationId"]]) == 3
    tokens = {
        i["InstanceId"]: i["ClientToken"]
        for r in ec2.describe_instances(InstanceIds=[*trio, solo])["Reservations"]
        for i in r["Instances"]
    }
    assert [tokens[i] for i in trio] == ["trio"] * 3
    assert tokens[solo] not in ("", "trio")  # boto3 sends a token of its own when none is given
    pages = ec2.get_paginator("describe_instances").paginate(
        InstanceIds=[],
        Filters=[{"Name": "reservation-id", "Values": [three["ReservationId"]]}],
        PaginationConfig={"PageSize": 5},
    )
    assert sorted(
        i["InstanceId"] for p in pages for r in p["Reservations"] for i in r["Instances"]
    ) == sorted(trio)
    ec2.terminate_instances(InstanceIds=[*trio, solo])


def test_a_restarted_server_still_groups_launches_and_shows_terminated_instances(tmp_path: Path) -> None:
    with serve_ec2(tmp_path) as first:
        key = access_key(first, DEMO[0])
        ec2 = ec2_client(first, key)
        launched = ec2.run_instances(
            ImageId=_image(ec2),
            InstanceType="small",
            MinCount=2,
            MaxCount=2,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "app", "Value": "kept"}]}],
        )
        kept, ended = [i["InstanceId"] for i in launched["Instances"]]
        ec2.get_waiter("instance_running").wait(InstanceIds=[kept, ended], WaiterConfig=FAST_WAIT)
        ec2.terminate_instances(InstanceIds=[ended])
        ec2.get_waiter("instance_terminated").wait(InstanceIds=[ended], WaiterConfig=FAST_WAIT)
    with serve_ec2(tmp_path, again=True) as second:
        ec2 = ec2_client(second, key)
        ec2.get_waiter("instance_terminated").wait(InstanceIds=[ended], WaiterConfig=FAST_WAIT)
        (reservation,) = ec2.describe_instances(InstanceIds=[kept, ended])["Reservations"]
        assert reservation["ReservationId"] == launched["ReservationId"]
        states = {
            i["InstanceId"]: (i["State"]["Name"], i["AmiLaunchIndex"]) for i in reservation["Instances"]
        }
        assert states == {kept: ("running", 0), ended: ("terminated", 1)}
        tags = {i["InstanceId"]: {t["Key"]: t["Value"] for t in i["Tags"]} for i in reservation["Instances"]}
        assert tags[ended]["app"] == "kept" and tags[kept]["app"] == "kept"
        terminated = ec2.describe_instances(
            Filters=[{"Name": "instance-state-name", "Values": ["terminated"]}]
        )
        assert [i["InstanceId"] for r in terminated["Reservations"] for i in r["Instances"]] == [ended]
        ec2.terminate_instances(InstanceIds=[kept])
        ec2.get_waiter("instance_terminated").wait(InstanceIds=[kept], WaiterConfig=FAST_WAIT)
