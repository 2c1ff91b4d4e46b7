"""The server's identity: one id, generated the first time a store is opened, kept in ``store_meta``.

Several servers can manage one libvirt host; each marks what it creates with its id and lists only
what carries it, so the id must survive restarts (it lives in the store, not in memory) and differ
between two stores (it is random). A configured id wins, for an operator who moves a server to a
new store and wants to keep managing the same guests.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hearth.errors import ValidationError

from .models import StoreMeta

SERVER_ID_KEY = "server_id"
_SERVER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def check_server_id(value: str) -> str:
    if not _SERVER_ID.match(value):
        raise ValidationError(
            f"server id {value!r} must be 1-63 lower-case letters, digits or '-', starting with a "
            "letter or digit",
            server_id=value,
        )
    return value


def server_id(engine: Engine, configured: str | None = None) -> str:
    """``configured`` when given (checked), else the store's own id, made on first use."""
    if configured is not None:
        return check_server_id(configured)
    with Session(engine) as s, s.begin():
        row = s.get(StoreMeta, SERVER_ID_KEY)
        if row is None:
            row = StoreMeta(key=SERVER_ID_KEY, value=secrets.token_hex(6))
            s.add(row)
        return str(row.value)
