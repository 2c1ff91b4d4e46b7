"""Each backend's migrations, and opening a store for one backend: its tables and the shared ones.

A backend's tables (``<backend>/tables.py``) and their revisions (``<backend>/migrations/``, branch
``<backend>``) live beside its code. A store opened for a backend gets the shared branch and that
backend's, nothing more; the other backends' revisions are only read, so a store that served one
of them before (or was made when every store held every driver's tables) still opens.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from hearth.errors import ValidationError
from hearth.store import Branch, make_engine, open_store
from hearth.store import upgrade as upgrade_store

_HERE = Path(__file__).parent

#: Every backend with tables of its own, by driver name: where its revisions live.
BRANCHES: dict[str, Branch] = {
    name: Branch(name, _HERE / name / "migrations") for name in ("mock", "qemu", "libvirt", "ec2")
}


def branch(backend: str) -> Branch:
    try:
        return BRANCHES[backend]
    except KeyError:
        names = ", ".join(BRANCHES)
        raise ValidationError(f"no tables for a {backend!r} driver; choose one of {names}") from None


def upgrade(engine: Engine, backend: str) -> None:
    """Bring the shared branch and ``backend``'s to their heads (a no-op when current)."""
    upgrade_store(engine, branch(backend), known=BRANCHES.values())


@contextmanager
def migrated_engine(url: str, backend: str, *, migrate: bool = True) -> Iterator[Engine]:
    """An engine on the store at ``url``, migrated for ``backend``, for a driver or service to own.

    An unreachable database fails in one line naming it (``open_store``). The engine is disposed
    when migrating or the block fails, so an opener that fails half-way leaks no connections;
    after a block that succeeds it is the caller's to dispose. ``migrate=False``: another process
    has just migrated the store (``hearth serve``'s child), so Alembic is not even imported here.
    """
    engine = make_engine(url)
    try:
        if migrate:
            open_store(engine, branch(backend), known=BRANCHES.values())
        yield engine
    except BaseException:
        engine.dispose()
        raise
