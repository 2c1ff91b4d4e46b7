"""Apply the packaged Alembic migrations programmatically, so a fresh install needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from hearth.errors import BackendError
from hearth.redact import redact

MAX_CAUSE = 300

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema to ``revision``; safe to call on every start (a no-op when current)."""
    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def open_store(engine: Engine) -> None:
    """Migrate the store, or fail with one line naming the URL (no password) and the cause.

    A database that is down or refuses the login shows up here first, on every command that
    opens the store; a driver's traceback would bury the one fact the user needs.
    """
    try:
        upgrade(engine)
    except SQLAlchemyError as exc:
        cause = " ".join(str(getattr(exc, "orig", None) or exc).split()) or type(exc).__name__
        if len(cause) > MAX_CAUSE:
            cause = cause[: MAX_CAUSE - 1] + "…"
        where = engine.url.render_as_string(hide_password=True)
        raise BackendError(f"cannot open the database {where}: {redact(cause)}", url=where) from None
