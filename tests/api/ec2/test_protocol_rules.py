"""The protocol's rules: error codes and statuses, filters, pagination, tags, ids, states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from hearth.api.ec2.faults import Ec2Error, code_for, status_of
from hearth.api.ec2.filters import Filter, FilterSet, pattern
from hearth.api.ec2.ids import IdMap, Kind, check_id, ec2_id, is_ec2_id
from hearth.api.ec2.paging import Paging, page, read_paging
from hearth.api.ec2.params import Params
from hearth.api.ec2.states import BY_NAME, Ec2State, ec2_state
from hearth.api.ec2.tags import read_tag_keys, read_tag_specifications, read_tags, tag_set
from hearth.drivers.resources import Action
from hearth.drivers.states import check_action
from hearth.errors import (
    AuthFailure,
    BackendError,
    BackendTimeout,
    Conflict,
    Forbidden,
    HearthError,
    IdempotencyMismatch,
    InvalidState,
    LimitExceeded,
    NotFound,
    NotSupported,
    Unavailable,
    ValidationError,
)
from hearth.vocab.instance_states import InstanceState


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (ValidationError("bad"), "InvalidParameterValue", 400),
        (IdempotencyMismatch("reused"), "IdempotentParameterMismatch", 400),
        (AuthFailure("who"), "AuthFailure", 401),
        (Forbidden("no"), "UnauthorizedOperation", 403),
        (NotFound("x", kind="instance", id="1"), "InvalidInstanceID.NotFound", 400),
        (NotFound("x", kind="image", id="1"), "InvalidAMIID.NotFound", 400),
        (NotFound("x", kind="volume", id="1"), "InvalidVolume.NotFound", 400),
        (NotFound("x", kind="snapshot", id="1"), "InvalidSnapshot.NotFound", 400),
        (NotFound("x", kind="key", name="k"), "InvalidKeyPair.NotFound", 400),
        (NotFound("x", kind="network", id="1"), "InvalidVpcID.NotFound", 400),
        (NotFound("x", kind="subnet", id="1"), "InvalidSubnetID.NotFound", 400),
        (NotFound("x", kind="address", id="1"), "InvalidAllocationID.NotFound", 400),
        (NotFound("x", kind="hardware profile", id="1"), "InvalidParameterValue", 400),
        (LimitExceeded("busy"), "RequestLimitExceeded", 503),
        (NotSupported("no"), "Unsupported", 400),
        (Unavailable("later"), "Unavailable", 503),
        (BackendTimeout("slow"), "Unavailable", 503),
        (BackendError("broke"), "InternalError", 500),
        (HearthError("what"), "InternalError", 500),
    ],
)
def test_hearth_errors_become_the_ec2_code_and_status_clients_branch_on(
    error: HearthError, code: str, status: int
) -> None:
    assert code_for(error) == code
    assert status_of(code) == status


def test_a_refused_instance_action_is_incorrect_instance_state_and_a_conflict_is_the_actions_own() -> None:
    with pytest.raises(InvalidState) as excinfo:
        check_action("abc", InstanceState.STOPPED, Action.stop)
    assert code_for(excinfo.value) == "IncorrectInstanceState"
    duplicate = Conflict("key pair k exists", kind="key")
    assert code_for(duplicate, conflict="InvalidKeyPair.Duplicate") == "InvalidKeyPair.Duplicate"
    assert code_for(Conflict("volume attached", volume="v"), conflict="VolumeInUse") == "VolumeInUse"
    assert code_for(Conflict("in use")) == "IncorrectState"


def test_auth_and_signature_codes_have_ec2s_statuses() -> None:
    assert [status_of(c) for c in ("AuthFailure", "SignatureDoesNotMatch", "UnauthorizedOperation")] == [
        401,
        403,
        403,
    ]
    assert status_of("InvalidAction") == status_of("MissingParameter") == 400
    assert Ec2Error("DryRunOperation", "would succeed").status == 412


@dataclass(frozen=True)
class Box:
    id: str
    created: datetime
    state: str
    tags: dict[str, str]


BOXES = FilterSet[Box]({"box-id": lambda b: [b.id], "state": lambda b: [b.state]}, tags=lambda b: b.tags)
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _boxes() -> list[Box]:
    return [
        Box("a1", T0, "running", {"Name": "web-1", "env": "prod"}),
        Box("a2", T0 + timedelta(seconds=1), "stopped", {"Name": "web-2"}),
        Box("b1", T0 + timedelta(seconds=2), "running", {"Name": "db-1", "env": "dev"}),
    ]


def _ids(filters: list[Filter]) -> list[str]:
    return [b.id for b in BOXES.apply(filters, _boxes())]


def test_filter_values_or_filters_and_and_wildcards_match_whole_values() -> None:
    assert _ids([Filter("state", ("running",))]) == ["a1", "b1"]
    assert _ids([Filter("state", ("running", "stopped"))]) == ["a1", "a2", "b1"]
    assert _ids([Filter("state", ("running",)), Filter("tag:Name", ("web-*",))]) == ["a1"]
    assert _ids([Filter("box-id", ("a?",))]) == ["a1", "a2"]
    assert _ids([Filter("box-id", ("a",))]) == []  # whole values, not substrings
    assert _ids([Filter("tag-key", ("env",))]) == ["a1", "b1"]
    assert _ids([Filter("tag-value", ("prod", "dev"))]) == ["a1", "b1"]
    assert _ids([Filter("tag:env", ("*",))]) == ["a1", "b1"]


def test_a_backslash_makes_a_wildcard_literal() -> None:
    assert pattern(r"a\*b").fullmatch("a*b") and not pattern(r"a\*b").fullmatch("axb")
    assert pattern("a*").fullmatch("a\nb")


def test_an_unknown_filter_is_refused_before_anything_is_listed() -> None:
    with pytest.raises(Ec2Error, match="The filter 'colour' is invalid"):
        BOXES.matcher([Filter("colour", ("red",))])
    with pytest.raises(Ec2Error, match="The filter 'tag:' is invalid"):
        BOXES.matcher([Filter("tag:", ("x",))])


def test_pages_cover_every_item_once_and_a_foreign_token_is_refused() -> None:
    boxes = _boxes()
    first, token = page(boxes, Paging(max_results=2))
    assert [b.id for b in first] == ["a1", "a2"] and token
    rest, last = page(boxes, Paging(2, token))
    assert [b.id for b in rest] == ["b1"] and last is None
    everything, none = page(boxes, Paging())
    assert len(everything) == 3 and none is None
    with pytest.raises(Ec2Error) as excinfo:
        page(boxes, Paging(2, "not-a-token"))
    assert excinfo.value.code == "InvalidPaginationToken"


def test_max_results_is_held_to_the_actions_range() -> None:
    assert read_paging(Params.parse([("MaxResults", "5"), ("NextToken", "t")])) == Paging(5, "t")
    with pytest.raises(Ec2Error, match="between 5 and 1000"):
        read_paging(Params.parse([("MaxResults", "1001")]))
    with pytest.raises(Ec2Error) as excinfo:
        read_paging(Params.parse([("NextToken", "")]))
    assert excinfo.value.code == "InvalidPaginationToken"


def test_tags_follow_ec2s_rules() -> None:
    params = Params.parse([("Tag.1.Key", "a"), ("Tag.1.Value", "1"), ("Tag.2.Key", "b")])
    assert read_tags(params) == {"a": "1", "b": ""}
    assert read_tag_keys(params) == {"a": "1", "b": None}
    assert tag_set({"b": "2", "a": "1"}) == [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]
    for pairs, words in [
        ([("Tag.1.Key", "aws:x")], "reserved"),
        ([("Tag.1.Key", "k" * 129)], "at most 128"),
        ([("Tag.1.Key", "k"), ("Tag.1.Value", "v" * 257)], "at most 256"),
        ([("Tag.1.Key", "k"), ("Tag.2.Key", "k")], "once in a request"),
        ([("Tag.1.Value", "v")], "Tag.1.Key"),
    ]:
        with pytest.raises(Ec2Error, match=words):
            read_tags(Params.parse(pairs))
    with pytest.raises(Ec2Error) as excinfo:
        read_tags(Params.parse([(f"Tag.{n}.Key", f"k{n}") for n in range(1, 52)]))
    assert excinfo.value.code == "TagLimitExceeded"


def test_a_tag_specification_names_a_resource_type_the_action_makes() -> None:
    params = Params.parse([("TagSpecification.1.ResourceType", "vpc"), ("TagSpecification.1.Tag.1.Key", "k")])
    with pytest.raises(Ec2Error, match="this action tags only instance, volume"):
        read_tag_specifications(params, {"instance", "volume"})
    with pytest.raises(Ec2Error, match="TagSpecification.1.ResourceType"):
        read_tag_specifications(Params.parse([("TagSpecification.1.Tag.1.Key", "k")]), {"instance"})


def test_ec2_ids_are_stable_shaped_and_resolvable_once_rendered() -> None:
    made = ec2_id(Kind.instance, "7d1c2a4e-0000-4000-8000-000000000001")
    assert made == ec2_id(Kind.instance, "7d1c2a4e-0000-4000-8000-000000000001")
    assert is_ec2_id(Kind.instance, made) and len(made) == len("i-") + 17
    assert ec2_id(Kind.image, "x") != ec2_id(Kind.volume, "x").replace("vol-", "ami-")
    assert ec2_id(Kind.instance, "i-0123456789abcdef0") == "i-0123456789abcdef0"  # an EC2 backend's own
    ids = IdMap()
    assert ids.hearth(Kind.instance, made) is None
    assert ids.ec2(Kind.instance, "7d1c2a4e-0000-4000-8000-000000000001") == made
    assert ids.hearth(Kind.instance, made) == "7d1c2a4e-0000-4000-8000-000000000001"
    assert ids.hearth(Kind.volume, made) is None


def test_an_id_of_the_wrong_shape_is_malformed_with_the_kinds_code() -> None:
    assert check_id(Kind.instance, "i-12345678") == "i-12345678"
    for kind, text, code in [
        (Kind.instance, "abc", "InvalidInstanceID.Malformed"),
        (Kind.instance, "i-XYZ", "InvalidInstanceID.Malformed"),
        (Kind.image, "i-0123456789abcdef0", "InvalidAMIID.Malformed"),
        (Kind.volume, "vol-1", "InvalidVolumeID.Malformed"),
    ]:
        with pytest.raises(Ec2Error) as excinfo:
            check_id(kind, text)
        assert excinfo.value.code == code


def test_the_id_map_keeps_the_newest_ids_within_its_capacity() -> None:
    ids = IdMap(capacity=2)
    first = ids.ec2(Kind.instance, "a")
    ids.ec2(Kind.instance, "b")
    ids.ec2(Kind.instance, "c")
    assert ids.hearth(Kind.instance, first) is None
    assert ids.hearth(Kind.instance, ec2_id(Kind.instance, "c")) == "c"


def test_state_codes_are_ec2s() -> None:
    assert {s.ec2_name: s.code for s in Ec2State} == {
        "pending": 0,
        "running": 16,
        "shutting-down": 32,
        "terminated": 48,
        "stopping": 64,
        "stopped": 80,
    }
    assert set(BY_NAME) == {s.ec2_name for s in Ec2State}
    assert {ec2_state(s).ec2_name for s in InstanceState} == {
        "pending",
        "running",
        "stopping",
        "stopped",
        "terminated",
    }
