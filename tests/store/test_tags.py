"""The ``tags`` table: written all or nothing, read per kind and owner, deleted by key or value."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from hearth.store import default_url, make_engine, upgrade
from hearth.store.tags import Target, delete_tags, put_tags, tags_of


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = make_engine(default_url(tmp_path))
    upgrade(eng)
    return eng


def test_tags_are_read_back_per_kind_and_owner(engine: Engine) -> None:
    assert (
        put_tags(engine, [Target("volume", "v1", "alice", 50), Target("volume", "v2", "bob", 50)], {"a": "1"})
        == []
    )
    assert put_tags(engine, [Target("instance", "v1", "alice", 50)], {"b": "2"}) == []
    assert tags_of(engine, "volume", None) == {"v1": {"a": "1"}, "v2": {"a": "1"}}
    assert tags_of(engine, "volume", {"alice"}) == {"v1": {"a": "1"}}
    assert tags_of(engine, "volume", {"alice", "bob"}, ids=["v2"]) == {"v2": {"a": "1"}}
    assert tags_of(engine, "instance", {"alice"}) == {"v1": {"b": "2"}}
    assert tags_of(engine, "image", None) == {}


def test_setting_a_key_again_replaces_its_value(engine: Engine) -> None:
    target = Target("image", "img", "alice", 50)
    put_tags(engine, [target], {"env": "dev", "team": "x"})
    put_tags(engine, [target], {"env": "prod"})
    assert tags_of(engine, "image", None) == {"img": {"env": "prod", "team": "x"}}


def test_a_target_over_its_limit_writes_nothing_for_any_target(engine: Engine) -> None:
    put_tags(engine, [Target("snapshot", "s1", "alice", 3)], {"a": "1", "b": "2"})
    targets = [Target("snapshot", "s2", "alice", 3), Target("snapshot", "s1", "alice", 3)]
    over = put_tags(engine, targets, {"c": "3", "d": "4"})
    assert [t.resource_id for t in over] == ["s1"]
    assert tags_of(engine, "snapshot", None) == {"s1": {"a": "1", "b": "2"}}
    # Replacing keys it has does not count twice.
    assert put_tags(engine, [Target("snapshot", "s1", "alice", 3)], {"a": "9", "c": "3"}) == []
    assert tags_of(engine, "snapshot", None) == {"s1": {"a": "9", "b": "2", "c": "3"}}


def test_tags_are_deleted_by_key_by_key_and_value_or_all_at_once(engine: Engine) -> None:
    both = [Target("network", "n1", "alice", 50), Target("subnet", "s1", "alice", 50)]
    put_tags(engine, both, {"a": "1", "b": "2", "c": "3"})
    delete_tags(engine, {"network": ["n1"], "subnet": ["s1"]}, {"a": None, "b": "not-its-value"})
    assert tags_of(engine, "network", None) == {"n1": {"b": "2", "c": "3"}}
    assert tags_of(engine, "subnet", None) == {"s1": {"b": "2", "c": "3"}}
    delete_tags(engine, {"network": ["n1"]}, {"b": "2"})
    assert tags_of(engine, "network", None) == {"n1": {"c": "3"}}
    delete_tags(engine, {"subnet": ["s1"]})
    assert tags_of(engine, "subnet", None) == {}
    assert tags_of(engine, "network", None) == {"n1": {"c": "3"}}
