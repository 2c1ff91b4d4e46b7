"""Stores made before each driver owned its tables open with today's code, for every backend.

``d605479_store.sql`` is a store as commit d605479 left it (made by ``make_d605479_store.py``):
every driver's tables, one Alembic location with nine heads, the mock driver's tables filled
through that driver, the shared ones through the store, one row in each other backend's.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from hearth.drivers import Caller, Driver
from hearth.drivers.ec2 import Ec2Config, open_ec2_driver
from hearth.drivers.libvirt import open_libvirt_driver
from hearth.drivers.mock import open_mock_driver
from hearth.drivers.qemu import open_qemu_driver
from hearth.drivers.schema import BRANCHES
from hearth.store import default_url, make_engine
from hearth.store.migrate import SHARED, alembic_config
from hearth.store.users import authenticate
from hearth.vocab.instance_states import InstanceState
from hearth.vocab.nic_kinds import InterfaceType
from tests.drivers.qemu.case import short_dir

from . import schema

DUMP = Path(__file__).with_name("d605479_store.sql")
# The heads d605479 left, by the branch their revisions belong to today.
OLD_HEADS = {
    "shared": {"0003", "0004", "0006", "0008"},
    "mock": {"0002", "0007"},
    "qemu": {"0005"},
    "libvirt": {"0090"},
    "ec2": {"0095"},
}

Opener = Callable[[str, Path], Driver]
OPENERS: dict[str, Opener] = {
    "qemu": lambda url, tmp: open_qemu_driver(tmp / "qemu", url, run_dir=tmp / "run"),
    "libvirt": lambda url, tmp: open_libvirt_driver(["test:///default"], tmp / "libvirt", db_url=url),
    # EC2 is not contacted until the first operation: an endpoint that answers nothing will do.
    "ec2": lambda url, _tmp: open_ec2_driver(Ec2Config(endpoint_url="http://127.0.0.1:9"), url),
}


@pytest.fixture
def old_url(tmp_path: Path) -> str:
    db = sqlite3.connect(tmp_path / "hearth.db")
    db.executescript(DUMP.read_text())
    db.close()
    return default_url(tmp_path)


Rows = dict[str, set[frozenset[tuple[str, object]]]]


@pytest.fixture
def old_rows(old_url: str) -> Rows:
    """Every row of every table of the old store, before today's code opens it."""
    return _rows(old_url)


def _rows(url: str) -> Rows:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
            return {
                n: {frozenset(r._mapping.items()) for r in conn.execute(text(f'SELECT * FROM "{n}"'))}
                for n in names
            }
    finally:
        engine.dispose()


def _kept(old: Rows, new: Rows) -> bool:
    """Whether every table and row of ``old`` is still in ``new`` (a row may have gained columns)."""
    return all(any(row <= now for now in new.get(name, set())) for name, rows in old.items() for row in rows)


def _narrowed(new: Rows, old: Rows) -> Rows:
    """``new``'s tables of ``old`` with only the columns ``old`` had (later ones, like the mock's
    console_log, are new)."""
    cols = {n: {k for row in rows for k, _ in row} for n, rows in old.items()}
    return {
        n: {frozenset((k, v) for k, v in r if k in cols[n]) for r in rows}
        for n, rows in new.items()
        if n in old
    }


def _heads(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def _diff(url: str, backend: str) -> list[object]:
    """How the store differs from the shared tables and ``backend``'s (others' tables allowed)."""
    engine = make_engine(url)
    try:
        return schema.diff(engine, backend, others=True)
    finally:
        engine.dispose()


def _head(label: str, url: str) -> str:
    """The head revision of branch ``label`` in today's code."""
    engine = make_engine(url)
    try:
        script = ScriptDirectory.from_config(alembic_config(engine, BRANCHES.values()))
        head = script.get_revision(f"{label}@head")
        assert head is not None
        return head.revision
    finally:
        engine.dispose()


def _after_opening(backend: str, url: str) -> set[str]:
    """The heads a store opened for ``backend`` holds: the shared branch's and the backend's at
    today's head, every other branch where d605479 left it."""
    kept = set().union(*(heads for label, heads in OLD_HEADS.items() if label not in ("shared", backend)))
    return kept | {_head(SHARED.label, url), _head(backend, url)}


def test_the_old_store_is_what_d605479_made(old_url: str, old_rows: Rows) -> None:
    """Guards the fixture: every driver's tables, the nine old heads, rows in each backend's."""
    assert _heads(old_url) == set().union(*OLD_HEADS.values())
    counts = {name: len(rows) for name, rows in old_rows.items()}
    assert counts["mock_instances"] == 2 and counts["mock_disks"] == 1
    assert counts["qemu_images"] == counts["libvirt_networks"] == counts["ec2_objects"] == 1
    assert counts["users"] == 3 and counts["tasks"] == counts["templates"] == 1


def test_the_mock_driver_serves_an_old_stores_rows(old_url: str, old_rows: Rows) -> None:
    mock = open_mock_driver(old_url)
    try:
        carol = Caller(authenticate(mock.context.engine, "carol", "carol-password").id)
        instances = {i.name: i for i in mock.list_instances(carol)}
        assert {name: i.state for name, i in instances.items()} == {
            "web": InstanceState.RUNNING,
            "db": InstanceState.STOPPED,
        }
        web, db = instances["web"], instances["db"]
        assert web.key_name == "laptop"
        assert [b.ip_address for b in web.network_bindings] == ["10.9.1.2"]
        assert [n.type for n in mock.list_interfaces(carol, web.id)] == [InterfaceType.network]
        assert [n.type for n in mock.list_interfaces(carol, db.id)] == [InterfaceType.user]
        media = [(d.type, d.url) for d in mock.list_disks(carol, db.id) if d.url or d.path]
        assert media == [("cdrom", "https://example.org/a.iso")]
        [volume] = mock.list_volumes(carol)
        assert (volume.name, volume.instance, volume.device) == ("data", web.id, "vdb")
        assert [s.name for s in mock.list_snapshots(carol)] == ["nightly"]
        assert [k.name for k in mock.list_keys(carol)] == ["laptop"]
        assert [n.name for n in mock.list_networks(carol) if n.owner_id == carol.user_id] == ["lan"]
        assert [a.name for a in mock.list_addresses(carol)] == ["public"]
        assert {i.id for i in mock.list_images(carol)} == {"debian-12", "fedora-40", "alpine-3.19"}
    finally:
        mock.close()
    assert _heads(old_url) == _after_opening("mock", old_url)
    new_rows = _rows(old_url)
    # Nothing lost, and the catalogue is not seeded twice; tables added since start empty.
    assert _narrowed(new_rows, old_rows) == old_rows  # unchanged but for columns added since
    assert all(not rows for n, rows in new_rows.items() if n not in old_rows)
    assert _diff(old_url, "mock") == []


@pytest.mark.parametrize("backend", sorted(OPENERS))
def test_every_other_backend_opens_an_old_store_losing_nothing(
    backend: str, old_url: str, old_rows: Rows
) -> None:
    run = short_dir("hto-")
    try:
        driver = OPENERS[backend](old_url, run)
        driver.close()
    finally:
        shutil.rmtree(run, ignore_errors=True)
    assert _heads(old_url) == _after_opening(backend, old_url)
    assert _kept(old_rows, _rows(old_url))  # the driver may add its own (libvirt: the server id)
    assert _diff(old_url, backend) == []


def test_an_old_store_opens_for_one_backend_after_another(
    old_url: str, old_rows: Rows, tmp_path: Path
) -> None:
    """A server switched from the mock to libvirt keeps both branches at their heads."""
    open_mock_driver(old_url).close()
    open_libvirt_driver(["test:///default"], tmp_path / "libvirt", db_url=old_url).close()
    assert _heads(old_url) == {_head(label, old_url) for label in ("shared", "mock", "libvirt")} | {
        "0005",
        "0095",
    }
    assert _kept(old_rows, _rows(old_url))
