"""The tags service over the mock driver: who may tag what, EC2's limits, ``Name`` is the name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hearth.drivers import Caller
from hearth.drivers.mock import MockDriver
from hearth.drivers.resources import Instance, InstanceCreate, NetworkCreate, VolumeCreate
from hearth.errors import Forbidden, NotFound, NotSupported, ValidationError
from hearth.service import Service
from hearth.service.tags import MAX_TAGS, TagKind, Tags
from hearth.store import read_session
from hearth.store.user_admin import owned_resources
from hearth.store.users import get_user
from tests.api.conftest import OTHER, store


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    engine = store(tmp_path)
    with Service(MockDriver(engine), engine) as svc:
        yield svc


def _caller(service: Service, name: str) -> Caller:
    account = get_user(service.engine, name)
    assert account is not None
    return Caller(account.id, account.is_admin)


@pytest.fixture
def demo(service: Service) -> Caller:
    return _caller(service, "demo")


@pytest.fixture
def other(service: Service) -> Caller:
    return _caller(service, OTHER[0])


@pytest.fixture
def admin(service: Service) -> Caller:
    return _caller(service, "admin")


@pytest.fixture
def tags(service: Service) -> Tags:
    return service.tags


def _volume(service: Service, caller: Caller, name: str = "data") -> str:
    made = service.driver.create_volume(caller, VolumeCreate(capacity_gb=1, name=name))
    return made.id


def test_the_owner_tags_a_resource_and_only_those_who_see_it_read_the_tags(
    service: Service, tags: Tags, demo: Caller, other: Caller, admin: Caller
) -> None:
    volume = _volume(service, demo)
    tags.set(demo, {TagKind.volume: [volume]}, {"env": "prod", "team": ""})
    assert tags.of(demo, TagKind.volume) == {volume: {"env": "prod", "team": ""}}
    assert tags.of(admin, TagKind.volume) == {volume: {"env": "prod", "team": ""}}
    assert tags.of(other, TagKind.volume) == {}
    with pytest.raises(NotFound):  # another tenant's volume does not exist for them
        tags.set(other, {TagKind.volume: [volume]}, {"mine": "no"})
    tags.set(admin, {TagKind.volume: [volume]}, {"audited": "yes"})
    assert tags.of(demo, TagKind.volume)[volume]["audited"] == "yes"


def test_shared_catalogue_entries_are_tagged_by_admins_only(tags: Tags, demo: Caller, admin: Caller) -> None:
    with pytest.raises(Forbidden):
        tags.set(demo, {TagKind.image: ["debian-12"]}, {"env": "prod"})
    tags.set(admin, {TagKind.image: ["debian-12"]}, {"blessed": "yes"})
    assert tags.of(demo, TagKind.image) == {"debian-12": {"blessed": "yes"}}


def test_ec2s_limits_hold_and_a_refused_request_writes_nothing(
    service: Service, tags: Tags, demo: Caller
) -> None:
    named, unnamed = _volume(service, demo, "big"), _volume(service, demo, "other")
    with pytest.raises(ValidationError, match="reserved"):
        tags.set(demo, {TagKind.volume: [named]}, {"aws:cloudformation": "x"})
    with pytest.raises(ValidationError, match="at most 128"):
        tags.set(demo, {TagKind.volume: [named]}, {"k" * 129: "x"})
    with pytest.raises(ValidationError, match="at most 256"):
        tags.set(demo, {TagKind.volume: [named]}, {"k": "v" * 257})
    # Its name counts as one of the 50: 49 more fit, the 50th does not.
    tags.set(demo, {TagKind.volume: [named]}, {f"k{n}": "" for n in range(MAX_TAGS - 1)})
    with pytest.raises(ValidationError, match=f"at most {MAX_TAGS} tags") as refused:
        tags.set(demo, {TagKind.volume: [unnamed, named]}, {"one-more": "x"})
    assert refused.value.details["limit"] == "tags"
    assert unnamed not in tags.of(demo, TagKind.volume)
    assert len(tags.of(demo, TagKind.volume)[named]) == MAX_TAGS - 1


def test_name_is_the_resources_name(service: Service, tags: Tags, demo: Caller) -> None:
    network = service.driver.create_network(demo, NetworkCreate(name="lab", address_blocks=["10.9.0.0/16"]))
    tags.set(demo, {TagKind.network: [network.id]}, {"Name": "lab2", "env": "dev"})
    assert service.driver.get_network(demo, network.id).name == "lab2"
    assert tags.of(demo, TagKind.network) == {network.id: {"env": "dev"}}  # the name is not stored
    with pytest.raises(ValidationError):  # not a name Hearth takes: nothing is written
        tags.set(demo, {TagKind.network: [network.id]}, {"Name": "two words", "more": "x"})
    assert tags.of(demo, TagKind.network) == {network.id: {"env": "dev"}}
    instance = service.driver.create_instance(
        demo, InstanceCreate(image_id="debian-12", hwp_id="small", name="web")
    )
    tags.set(demo, {TagKind.instance: [instance.id]}, {"Name": "web"})  # already so: fine
    with pytest.raises(NotSupported, match="cannot be changed"):
        tags.set(demo, {TagKind.instance: [instance.id]}, {"Name": "db"})
    with pytest.raises(NotSupported, match="which it keeps"):
        tags.unset(demo, {TagKind.instance: [instance.id]}, {"Name": None})
    tags.unset(demo, {TagKind.instance: [instance.id]}, {"Name": "not-its-name"})  # no match: nothing


def test_unset_deletes_named_keys_or_every_stored_tag(service: Service, tags: Tags, demo: Caller) -> None:
    volume = _volume(service, demo)
    tags.set(demo, {TagKind.volume: [volume]}, {"a": "1", "b": "2", "c": "3"})
    tags.unset(demo, {TagKind.volume: [volume]}, {"a": None, "b": "wrong"})
    assert tags.of(demo, TagKind.volume) == {volume: {"b": "2", "c": "3"}}
    tags.unset(demo, {TagKind.volume: [volume]})
    assert tags.of(demo, TagKind.volume) == {}
    assert service.driver.get_volume(demo, volume).name == "data"


def test_a_resource_that_goes_takes_its_tags(service: Service, tags: Tags, demo: Caller) -> None:
    first, second = _volume(service, demo, "one"), _volume(service, demo, "two")
    tags.set(demo, {TagKind.volume: [first, second]}, {"env": "prod"})
    tags.drop(TagKind.volume, first)
    assert tags.of(demo, TagKind.volume) == {second: {"env": "prod"}}


def test_tags_launches_and_terminations_are_not_resources_a_user_still_owns(
    service: Service, tags: Tags, demo: Caller
) -> None:
    volume = _volume(service, demo)
    tags.set(demo, {TagKind.volume: [volume]}, {"a": "1", "b": "2"})
    instance = service.instances.create(demo, InstanceCreate(image_id="debian-12", hwp_id="small"))
    assert isinstance(instance, Instance)
    service.launches.record([instance])
    service.terminations.begin(instance, {}, None)
    with read_session(service.engine) as s:
        assert owned_resources(s, demo.user_id) == {"instances": 1, "volumes": 1}
