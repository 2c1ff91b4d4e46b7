"""The SQL store (SQLAlchemy 2): engine factory, schema, migrations, users."""

from .engine import default_url, make_engine, read_session, store_errors, write_session
from .ids import new_id
from .migrate import open_store, upgrade

__all__ = [
    "default_url",
    "make_engine",
    "new_id",
    "open_store",
    "read_session",
    "store_errors",
    "upgrade",
    "write_session",
]
