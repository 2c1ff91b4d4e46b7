"""The EC2 Query protocol's parameters: what boto3 sends is read back exactly, mistakes named."""

from __future__ import annotations

import pytest

from hearth.api.ec2.faults import Ec2Error
from hearth.api.ec2.filters import read_filters
from hearth.api.ec2.params import MAX_INDEX, Params
from hearth.api.ec2.request import API_VERSION, read_request, request_pairs
from hearth.api.ec2.tags import read_tag_specifications

from .botocore_wire import sent_pairs


def _code(excinfo: pytest.ExceptionInfo[Ec2Error]) -> str:
    return excinfo.value.code


def test_a_describe_instances_request_from_boto3_reads_back_as_sent() -> None:
    request = read_request(
        sent_pairs(
            "DescribeInstances",
            InstanceIds=[f"i-{n:017x}" for n in range(1, 13)],
            Filters=[
                {"Name": "instance-state-name", "Values": ["running", "stopped"]},
                {"Name": "tag:Name", "Values": ["web-*"]},
            ],
            MaxResults=50,
            NextToken="abc",
        )
    )
    assert (request.action, request.version) == ("DescribeInstances", API_VERSION)
    params = request.params
    # Index order, not text order: InstanceId.10 comes after InstanceId.9.
    assert params.strings("InstanceId") == [f"i-{n:017x}" for n in range(1, 13)]
    filters = read_filters(params)
    assert [(f.name, f.values) for f in filters] == [
        ("instance-state-name", ("running", "stopped")),
        ("tag:Name", ("web-*",)),
    ]
    assert params.integer("MaxResults", 5, 1000) == 50
    assert params.text("NextToken") == "abc"
    assert "Action" not in params and "Version" not in params


def test_run_instances_structures_and_tag_specifications_read_back_as_sent() -> None:
    request = read_request(
        sent_pairs(
            "RunInstances",
            ImageId="ami-0123456789abcdef0",
            MinCount=1,
            MaxCount=3,
            Placement={"AvailabilityZone": "local"},
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}, {"Key": "env"}]},
                {"ResourceType": "volume", "Tags": [{"Key": "backup", "Value": "daily"}]},
            ],
        )
    )
    params = request.params
    assert params.required("ImageId") == "ami-0123456789abcdef0"
    assert (params.integer("MinCount", 1, 100), params.integer("MaxCount", 1, 100)) == (1, 3)
    placement = params.struct("Placement")
    assert placement is not None and placement.text("AvailabilityZone") == "local"
    specs = read_tag_specifications(params, {"instance", "volume"})
    assert specs == {"instance": {"Name": "web", "env": ""}, "volume": {"backup": "daily"}}


@pytest.mark.parametrize(
    ("pairs", "words"),
    [
        ([("InstanceId.1", "a"), ("InstanceId.1", "b")], "given twice"),
        ([("Filter.1", "x"), ("Filter.1.Name", "y")], "both a value and a structure"),
        ([("Filter.1.Name", "y"), ("Filter.1", "x")], "both a value and a structure"),
        ([("InstanceId.0", "a")], "between 1 and"),
        ([("InstanceId.01", "a")], "between 1 and"),
        ([(f"InstanceId.{MAX_INDEX + 1}", "a")], "between 1 and"),
        ([("InstanceId..1", "a")], "empty part"),
        ([("", "a")], "1 to 256 characters"),
    ],
)
def test_a_parameter_tree_no_client_sends_is_refused_naming_the_parameter(
    pairs: list[tuple[str, str]], words: str
) -> None:
    with pytest.raises(Ec2Error) as excinfo:
        Params.parse(pairs)
    assert _code(excinfo) == "InvalidParameterValue" and words in excinfo.value.message


def test_typed_values_are_checked_and_named_in_the_error() -> None:
    params = Params.parse(
        [("MaxResults", "4"), ("DryRun", "yes"), ("Count", "x"), ("Placement.AvailabilityZone", "z")]
    )
    with pytest.raises(Ec2Error, match="MaxResults: must be between 5 and 1000"):
        params.integer("MaxResults", 5, 1000)
    with pytest.raises(Ec2Error, match="DryRun: must be true or false"):
        params.boolean("DryRun")
    with pytest.raises(Ec2Error, match="Count: must be an integer"):
        params.integer("Count", 1, 10)
    with pytest.raises(Ec2Error, match="Placement must be a single value"):
        params.text("Placement")
    with pytest.raises(Ec2Error) as excinfo:
        params.required("ImageId")
    assert _code(excinfo) == "MissingParameter" and "ImageId" in excinfo.value.message
    placement = params.struct("Placement")
    assert placement is not None
    with pytest.raises(Ec2Error) as excinfo:
        placement.required("Tenancy")
    assert "Placement.Tenancy" in excinfo.value.message


def test_a_list_given_as_one_value_or_with_a_named_member_is_refused() -> None:
    with pytest.raises(Ec2Error, match=r"use InstanceId\.1"):
        Params.parse([("InstanceId", "i-1")]).strings("InstanceId")
    with pytest.raises(Ec2Error, match=r"InstanceId\.x is not a list member"):
        Params.parse([("InstanceId.x", "i-1")]).strings("InstanceId")


def test_a_parameter_the_action_does_not_take_is_unknown_not_ignored() -> None:
    params = Params.parse([("ImageId", "ami-1"), ("ImagId", "typo")])
    with pytest.raises(Ec2Error) as excinfo:
        params.refuse_unknown({"ImageId"})
    assert _code(excinfo) == "UnknownParameter" and "ImagId" in excinfo.value.message
    member = Params.parse([("Filter.1.Name", "a"), ("Filter.1.Value.1", "b"), ("Filter.1.Valeu.1", "c")])
    with pytest.raises(Ec2Error, match=r"Filter\.1\.Valeu is not recognized"):
        read_filters(member)


def test_a_filter_without_a_name_or_values_is_refused() -> None:
    with pytest.raises(Ec2Error) as excinfo:
        read_filters(Params.parse([("Filter.1.Value.1", "b")]))
    assert _code(excinfo) == "MissingParameter" and "Filter.1.Name" in excinfo.value.message
    with pytest.raises(Ec2Error, match="needs at least one value"):
        read_filters(Params.parse([("Filter.1.Name", "instance-id")]))


def test_get_and_post_carry_the_same_pairs() -> None:
    query = b"Action=DescribeRegions&Version=2016-11-15&RegionName.1=local"
    got = request_pairs("GET", query, b"", None)
    posted = request_pairs("POST", b"", query, "application/x-www-form-urlencoded; charset=utf-8")
    assert (
        got == posted == [("Action", "DescribeRegions"), ("Version", API_VERSION), ("RegionName.1", "local")]
    )


def test_percent_escapes_and_plus_signs_are_decoded_as_utf8() -> None:
    pairs = request_pairs("GET", b"Action=A&Tag.1.Value=a+b%20%C3%A9%26", b"", None)
    assert pairs[1] == ("Tag.1.Value", "a b é&")


@pytest.mark.parametrize(
    ("method", "query", "body", "ctype", "words"),
    [
        ("POST", b"", b"Action=A", "application/json", "must be application/x-www-form-urlencoded"),
        ("POST", b"", b"\xff=1", "application/x-www-form-urlencoded", "request body is not UTF-8"),
        ("GET", b"Action=%ff", b"", None, "query string is not UTF-8"),
    ],
)
def test_a_body_or_query_that_is_not_a_utf8_form_is_refused(
    method: str, query: bytes, body: bytes, ctype: str | None, words: str
) -> None:
    with pytest.raises(Ec2Error, match=words):
        request_pairs(method, query, body, ctype)


def test_action_and_version_are_required_and_only_2016_11_15_is_spoken() -> None:
    with pytest.raises(Ec2Error) as excinfo:
        read_request([("Version", API_VERSION)])
    assert _code(excinfo) == "MissingAction"
    with pytest.raises(Ec2Error) as excinfo:
        read_request([("Action", "DescribeRegions")])
    assert _code(excinfo) == "MissingParameter" and "Version" in excinfo.value.message
    with pytest.raises(Ec2Error) as excinfo:
        read_request([("Action", "DescribeRegions"), ("Version", "2014-10-01")])
    assert _code(excinfo) == "NoSuchVersion" and "2014-10-01" in excinfo.value.message
    with pytest.raises(Ec2Error) as excinfo:
        read_request([("Action", "Describe/../x"), ("Version", API_VERSION)])
    assert _code(excinfo) == "InvalidAction"


def test_a_presigned_urls_signature_parameters_are_not_the_actions() -> None:
    pairs = [
        ("Action", "DescribeRegions"),
        ("Version", API_VERSION),
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Amz-Credential", "AKID/20240101/local/ec2/aws4_request"),
        ("X-Amz-Date", "20240101T000000Z"),
        ("X-Amz-Expires", "60"),
        ("X-Amz-SignedHeaders", "host"),
        ("X-Amz-Signature", "00"),
    ]
    assert read_request(pairs).params.names() == frozenset()
