"""Apply the packaged Alembic migrations programmatically, so a fresh install needs no alembic.ini.

The revisions form branches in one version table: ``shared`` (this package's ``migrations``: the
tables every backend and frontend use) and one per backend, each kept beside its driver's code.
A store is brought to the head of the shared branch and of the branches it is opened for, and no
other, so it holds the tables of the driver it serves only. Every branch a store may already hold
must still be *known*, though: the version table lists the head of each branch ever applied to it,
and Alembic refuses a version table naming a revision it cannot find.

Alembic is imported when a store is migrated, not when this module is: with Mako and Pygments
it is ~8 MiB of a process that never migrates (``hearth serve`` migrates in a child process).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from hearth.errors import BackendError
from hearth.redact import redact

if TYPE_CHECKING:
    from alembic.config import Config

MAX_CAUSE = 300

MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass(frozen=True)
class Branch:
    """A line of revisions with its own label, kept in its own directory."""

    label: str
    versions: Path


SHARED = Branch("shared", MIGRATIONS / "versions")


def alembic_config(engine: Engine, known: Iterable[Branch] = ()) -> Config:
    """The shared environment (``env.py``) over the shared revisions and those of ``known``."""
    from alembic.config import Config

    locations = dict.fromkeys(str(b.versions) for b in (SHARED, *known))
    cfg = Config()
    cfg.set_main_option("script_location", _option(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", _option(os.pathsep.join(locations)))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, *branches: Branch, known: Iterable[Branch] = ()) -> None:
    """Bring the shared branch and ``branches`` to their heads; a no-op when they are current, so
    safe on every start. ``known``: the other branches the store may hold, read but not applied."""
    from alembic import command

    with engine.begin() as conn:
        cfg = alembic_config(engine, (*branches, *known))
        cfg.attributes["connection"] = conn
        for branch in dict.fromkeys((SHARED, *branches)):
            command.upgrade(cfg, f"{branch.label}@head")


def open_store(engine: Engine, *branches: Branch, known: Iterable[Branch] = ()) -> None:
    """Migrate the store (as ``upgrade``), or fail with one line naming the URL (no password) and
    the cause.

    A database that is down or refuses the login shows up here first, on every command that
    opens the store; a driver's traceback would bury the one fact the user needs.
    """
    try:
        upgrade(engine, *branches, known=known)
    except SQLAlchemyError as exc:
        cause = " ".join(str(getattr(exc, "orig", None) or exc).split()) or type(exc).__name__
        if len(cause) > MAX_CAUSE:
            cause = cause[: MAX_CAUSE - 1] + "…"
        where = engine.url.render_as_string(hide_password=True)
        raise BackendError(f"cannot open the database {where}: {redact(cause)}", url=where) from None


def _option(value: object) -> str:
    """A value for the config parser, which reads ``%`` as the start of an interpolation."""
    return str(value).replace("%", "%%")
