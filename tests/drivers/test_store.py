"""The SQL store: engine factory, migrations versus ORM metadata, users and passwords."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from hearth.drivers.schema import BRANCHES, upgrade
from hearth.errors import AuthFailure, Conflict, ValidationError
from hearth.store import default_url, make_engine
from hearth.store.demo import ADMIN_USER, DEMO_USER
from hearth.store.passwords import hash_password, verify_password
from hearth.store.users import authenticate, create_user, get_user, seed_demo_users
from tests.store.schema import diff

from .conftest import PgCluster


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = make_engine(default_url(tmp_path))
    upgrade(eng, "mock")
    return eng


@pytest.mark.parametrize("backend", BRANCHES)
def test_migrations_produce_the_orm_schema_on_sqlite(tmp_path: Path, backend: str) -> None:
    """The shared tables and the backend's, each as its ORM class declares it, and no others."""
    engine = make_engine(default_url(tmp_path))
    try:
        upgrade(engine, backend)
        assert diff(engine, backend) == []
        upgrade(engine, backend)  # a second start is a no-op
        assert diff(engine, backend) == []
    finally:
        engine.dispose()


def test_the_schema_comparison_notices_drift(engine: Engine) -> None:
    """Guards the guard: a schema that differs from the models must be reported."""
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_mock_instances_owner_state"))
        conn.execute(text("ALTER TABLE keys ADD COLUMN stray INTEGER"))
        conn.execute(text("CREATE TABLE qemu_images (id INTEGER PRIMARY KEY)"))
    found = diff(engine, "mock")
    assert any("ix_mock_instances_owner_state" in repr(d) for d in found)
    assert any("stray" in repr(d) for d in found)
    assert any("qemu_images" in repr(d) for d in found)  # another backend's table is drift too


@pytest.mark.parametrize("backend", BRANCHES)
def test_migrations_produce_the_orm_schema_on_postgresql(pg_cluster: PgCluster, backend: str) -> None:
    eng = make_engine(pg_cluster.new_database())
    try:
        upgrade(eng, backend)
        assert diff(eng, backend) == []
        assert f"{backend}_" in " ".join(inspect(eng).get_table_names())
    finally:
        eng.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_engine_urls() -> None:
    pg = make_engine("postgresql://hearth:secret@db.invalid/hearth")
    assert pg.dialect.name == "postgresql" and pg.dialect.driver == "psycopg"
    pg.dispose()
    for bad, message in (
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
        ("mysql://x@y/z", "unsupported database 'mysql'"),
        ("::not a url::", "not a valid"),
    ):
        with pytest.raises(ValidationError, match=message):
            make_engine(bad)


def test_passwords_are_salted_scrypt_and_checked() -> None:
    a, b = hash_password("correct horse"), hash_password("correct horse")
    assert a != b and a.startswith("scrypt$") and "correct horse" not in a
    assert verify_password("correct horse", a) and verify_password("correct horse", b)
    assert not verify_password("wrong horse", a)
    assert not verify_password("correct horse", a[:-4] + "AAAA")
    assert not verify_password("correct horse", "md5$abc")
    assert not verify_password("correct horse", "garbage")


def test_users_create_authenticate_and_refuse(engine: Engine) -> None:
    user = create_user(engine, "carol", "long enough password")
    assert get_user(engine, "carol") is not None
    assert authenticate(engine, "carol", "long enough password").id == user.id
    with pytest.raises(AuthFailure) as wrong:
        authenticate(engine, "carol", "nope")
    with pytest.raises(AuthFailure) as unknown:
        authenticate(engine, "nobody", "nope")
    assert wrong.value.message == unknown.value.message  # no hint which part was wrong
    with pytest.raises(Conflict):
        create_user(engine, "carol", "another password")
    with pytest.raises(ValidationError, match="at least 8"):
        create_user(engine, "dave", "short")
    with pytest.raises(ValidationError, match="user name"):
        create_user(engine, "Dave Smith", "long enough password")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users WHERE name='carol'")).scalar_one()
    assert "long enough password" not in stored


def test_demo_users_are_seeded_once(engine: Engine) -> None:
    assert seed_demo_users(engine) is True
    assert seed_demo_users(engine) is False
    assert authenticate(engine, DEMO_USER.name, DEMO_USER.password).is_admin is False
    assert authenticate(engine, ADMIN_USER.name, ADMIN_USER.password).is_admin is True
