"""The SQL store (SQLAlchemy 2): engine factory, the shared tables and their migrations, users.

Each driver's own tables and migrations live with the driver (``hearth.drivers.schema``)."""

from .engine import default_url, make_engine, read_session, store_errors, write_connection, write_session
from .ids import new_id
from .migrate import Branch, open_store, upgrade

__all__ = [
    "Branch",
    "default_url",
    "make_engine",
    "new_id",
    "open_store",
    "read_session",
    "store_errors",
    "upgrade",
    "write_connection",
    "write_session",
]
