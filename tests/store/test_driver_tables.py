"""A store holds the shared tables and those of the drivers it was opened for, no others."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from hearth.drivers.mock import open_mock_driver
from hearth.drivers.schema import BRANCHES, migrated_engine, upgrade
from hearth.errors import BackendError, ValidationError
from hearth.store import default_url, make_engine
from hearth.store import upgrade as upgrade_shared

from .schema import BACKEND_TABLES, expected

OTHERS = ("qemu_", "libvirt_", "ec2_")


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_a_fresh_mock_store_has_no_libvirt_qemu_or_ec2_tables(tmp_path: Path) -> None:
    url = default_url(tmp_path)
    open_mock_driver(url).close()
    tables = _tables(url)
    assert not [t for t in tables if t.startswith(OTHERS)]
    assert tables == set(expected("mock").tables)
    assert "mock_disks" in tables and "users" in tables


@pytest.mark.parametrize("backend", BRANCHES)
def test_a_store_for_one_backend_holds_the_shared_tables_and_that_backends(
    tmp_path: Path, backend: str
) -> None:
    url = default_url(tmp_path)
    engine = make_engine(url)
    upgrade(engine, backend)
    engine.dispose()
    assert _tables(url) == set(expected(backend).tables)
    others = set().union(*(md.tables for name, md in BACKEND_TABLES.items() if name != backend))
    assert not _tables(url) & others


def test_the_shared_branch_alone_makes_no_driver_tables(tmp_path: Path) -> None:
    url = default_url(tmp_path)
    engine = make_engine(url)
    upgrade_shared(engine)
    engine.dispose()
    assert _tables(url) == {
        "users",
        "keys",
        "store_meta",
        "tasks",
        "templates",
        "media_sources",
        "idempotency_keys",
        "access_keys",
        "tags",
        "launches",
        "terminated_instances",
    }


def test_a_store_opened_for_another_backend_gains_its_tables_and_keeps_the_first(tmp_path: Path) -> None:
    url = default_url(tmp_path)
    open_mock_driver(url).close()
    with migrated_engine(url, "qemu") as engine:
        engine.dispose()
    assert _tables(url) == set(expected("mock").tables) | set(expected("qemu").tables)


def test_an_unreachable_database_fails_in_one_line_naming_it() -> None:
    with (
        pytest.raises(BackendError) as caught,
        migrated_engine("postgresql://bob:secret@127.0.0.1:9/hearth", "mock"),
    ):
        pass
    assert caught.value.message.startswith(
        "cannot open the database postgresql+psycopg://bob:***@127.0.0.1:9/hearth"
    )
    assert "\n" not in caught.value.message and "secret" not in caught.value.message


def test_an_unknown_backend_is_refused_by_name(tmp_path: Path) -> None:
    refused = pytest.raises(ValidationError, match="no tables for a 'xen' driver; choose one of mock, qemu")
    with refused, migrated_engine(default_url(tmp_path), "xen"):
        pass
