"""EC2 XML as boto3 reads it: responses through botocore's own EC2 parser, errors the same way."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from hearth.api.ec2.elements.instances import instance_item, reservation, state_change
from hearth.api.ec2.ids import IdMap, Kind, ec2_id
from hearth.api.ec2.render import NAMESPACE, error_document, response_document
from hearth.api.ec2.states import Ec2State
from hearth.drivers.resources import Action, Instance, NetworkBinding
from hearth.vocab.instance_states import InstanceState

from .botocore_wire import parsed

CREATED = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def _instance(state: InstanceState = InstanceState.RUNNING, **extra: object) -> Instance:
    fields: dict[str, object] = {
        "id": "7d1c2a4e-0000-4000-8000-000000000001",
        "name": "web-1",
        "owner_id": "demo",
        "created": CREATED,
        "state": state,
        "actions": [Action.stop, Action.reboot],
        "image": "debian-12",
        "realm": "local",
        "hardware_profile": "small",
        "key_name": "mine",
        "network_bindings": [NetworkBinding(network="default", subnet="default", ip_address="10.0.0.5")],
        "public_addresses": ["192.0.2.7"],
        "vcpus": 2,
        **extra,
    }
    return Instance.model_validate(fields)


def test_describe_instances_reads_as_boto3_expects() -> None:
    ids = IdMap()
    instance = _instance()
    item = instance_item(instance, ids, {"env": "test"}, client_token="tok")
    body = {"reservationSet": [reservation(instance.id, [item], "demo", ids)]}
    result = parsed("DescribeInstances", response_document("DescribeInstances", "req-1", body))
    assert result["ResponseMetadata"]["RequestId"] == "req-1"
    (res,) = result["Reservations"]
    assert res["ReservationId"] == ec2_id(Kind.reservation, instance.id)
    assert res["OwnerId"] == "demo" and res["Groups"] == []
    (got,) = res["Instances"]
    assert got == {
        "InstanceId": ec2_id(Kind.instance, instance.id),
        "ImageId": ec2_id(Kind.image, "debian-12"),
        "State": {"Code": 16, "Name": "running"},
        "PrivateDnsName": "",
        "PublicDnsName": "",
        "StateTransitionReason": "",
        "KeyName": "mine",
        "AmiLaunchIndex": 0,
        "ProductCodes": [],
        "InstanceType": "small",
        "LaunchTime": datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC),  # EC2 keeps milliseconds
        "Placement": {"AvailabilityZone": "local", "GroupName": "", "Tenancy": "default"},
        "Monitoring": {"State": "disabled"},
        "SubnetId": ec2_id(Kind.subnet, "default"),
        "VpcId": ec2_id(Kind.vpc, "default"),
        "PrivateIpAddress": "10.0.0.5",
        "PublicIpAddress": "192.0.2.7",
        "SecurityGroups": [],
        "Architecture": "x86_64",
        "RootDeviceType": "ebs",
        "RootDeviceName": "/dev/vda",
        "BlockDeviceMappings": [],
        "VirtualizationType": "hvm",
        "ClientToken": "tok",
        "Tags": [{"Key": "Name", "Value": "web-1"}, {"Key": "env", "Value": "test"}],
        "EbsOptimized": False,
        "CpuOptions": {"CoreCount": 2, "ThreadsPerCore": 1},
    }
    # The way back: the ids rendered are the ids the frontend can resolve.
    assert ids.hearth(Kind.instance, got["InstanceId"]) == instance.id
    assert ids.hearth(Kind.image, got["ImageId"]) == "debian-12"


def test_a_name_tag_the_caller_set_wins_over_the_hearth_name() -> None:
    item = instance_item(_instance(), IdMap(), {"Name": "chosen"})
    assert item["tagSet"] == [{"key": "Name", "value": "chosen"}]


def test_paused_and_error_instances_are_stopped_with_a_reason() -> None:
    paused = parsed(
        "DescribeInstances",
        response_document(
            "DescribeInstances",
            "r",
            {
                "reservationSet": [
                    {"instancesSet": [instance_item(_instance(InstanceState.PAUSED), IdMap(), {})]}
                ]
            },
        ),
    )["Reservations"][0]["Instances"][0]
    assert paused["State"] == {"Code": 80, "Name": "stopped"}
    assert paused["StateReason"]["Code"] == "Client.UserInitiatedHibernate"
    broken = instance_item(_instance(InstanceState.ERROR, state_reason="disk gone"), IdMap(), {})
    assert broken["instanceState"] == {"code": 80, "name": "stopped"}
    assert broken["stateReason"] == {
        "code": "Server.InternalError",
        "message": "Server.InternalError: disk gone",
    }


def test_state_changes_read_as_boto3_expects() -> None:
    changes = [state_change("i-0123456789abcdef0", Ec2State.running, Ec2State.shutting_down)]
    result = parsed(
        "TerminateInstances", response_document("TerminateInstances", "r", {"instancesSet": changes})
    )
    assert result["TerminatingInstances"] == [
        {
            "InstanceId": "i-0123456789abcdef0",
            "CurrentState": {"Code": 32, "Name": "shutting-down"},
            "PreviousState": {"Code": 16, "Name": "running"},
        }
    ]


def test_the_response_is_in_the_ec2_namespace_with_the_request_id_first() -> None:
    root = etree.fromstring(response_document("DescribeRegions", "abc", {"regionInfo": []}))
    assert root.tag == f"{{{NAMESPACE}}}DescribeRegionsResponse"
    assert [child.tag for child in root] == [f"{{{NAMESPACE}}}requestId", f"{{{NAMESPACE}}}regionInfo"]
    assert root[0].text == "abc"


def test_text_is_escaped_and_characters_xml_cannot_hold_are_replaced() -> None:
    body = {"instanceId": "i-1", "timestamp": CREATED, "output": "<b>&\x00\x1b ok"}
    result = parsed("GetConsoleOutput", response_document("GetConsoleOutput", "r", body))
    assert result["Output"] == "<b>&\ufffd\ufffd ok"
    assert result["Timestamp"] == datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)


def test_the_error_document_reads_as_boto3_expects() -> None:
    doc = error_document("InvalidInstanceID.NotFound", "The instance ID 'i-1' does not exist <&>", "req-9")
    result = parsed("DescribeInstances", doc, status=400)
    assert result["Error"] == {
        "Code": "InvalidInstanceID.NotFound",
        "Message": "The instance ID 'i-1' does not exist <&>",
    }
    assert result["ResponseMetadata"]["RequestId"] == "req-9"
    root = etree.fromstring(doc)
    assert [root.tag, root[0].tag, root[0][0].tag, root[1].tag] == [
        "Response",
        "Errors",
        "Error",
        "RequestID",
    ]
