"""Fixtures for the driver and store tests: a real, throwaway PostgreSQL cluster; moto's EC2 server.

The cluster lives in its own temporary directory, listens only on a Unix socket there, and is
stopped and deleted at the end of the session. PostgreSQL refuses to run as root, so as root it
runs as the ``postgres`` system user (from the Debian package in scripts/system-packages.txt).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from .ec2.moto import MotoServer, run_moto


def _pg_bin() -> Path:
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
    )
    if not versions:
        raise RuntimeError("PostgreSQL is not installed: run scripts/install-system-packages.sh")
    return versions[-1].parent


@dataclass
class PgCluster:
    socket_dir: Path
    _names: Iterator[int]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://hearth@/{database}?host={self.socket_dir}"

    def new_database(self) -> str:
        """A fresh, empty database, so each test starts from nothing."""
        name = f"t{next(self._names)}"
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url(name)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    bindir = _pg_bin()
    root = Path(tempfile.mkdtemp(prefix="hearth-pg-"))
    data, sock = root / "data", root / "sock"
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    for d in (data, sock):
        d.mkdir()
    if as_root:
        pg = pwd.getpwnam("postgres")
        for p in (root, data, sock):
            os.chown(p, pg.pw_uid, pg.pw_gid)
    run = lambda *argv: subprocess.run([*prefix, *argv], check=True, capture_output=True, text=True)  # noqa: E731
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "hearth", "--no-sync")
        opts = f"-k {sock} -c listen_addresses='' -c fsync=off -c max_connections=120"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start")
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"could not start a PostgreSQL cluster: {exc.stderr}") from None
    try:
        yield PgCluster(sock, count(1))
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """moto's EC2-compatible HTTP server on loopback, once per session (see tests/drivers/ec2/moto.py)."""
    with run_moto(tmp_path_factory.mktemp("moto")) as server:
        yield server
