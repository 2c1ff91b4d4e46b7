"""The ``launches`` table: which create request made an instance, and its place in that request.

EC2 groups instances by the RunInstances call that made them (a reservation) and numbers them
within it (``amiLaunchIndex``); clients read both back from every DescribeInstances. One row per
instance: the launch's id (its first instance's id), the index, the request's client token.
An instance made otherwise has no row and is a launch of its own.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, Integer, String, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from .engine import read_connection, write_connection
from .models import ID_LEN, Base, UTCDateTime, utcnow

TOKEN_LEN = 64


class LaunchRow(Base):
    __tablename__ = "launches"

    instance_id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    launch_id: Mapped[str] = mapped_column(String(ID_LEN))
    launch_index: Mapped[int] = mapped_column(Integer)
    client_token: Mapped[str | None] = mapped_column(String(TOKEN_LEN))
    owner_id: Mapped[str] = mapped_column(String(ID_LEN), index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class StoredLaunch:
    launch_id: str
    launch_index: int
    client_token: str | None


def add_launch(
    engine: Engine, launch_id: str, members: Sequence[tuple[str, str]], client_token: str | None
) -> None:
    """Record one launch: ``members`` are (instance id, owner id) in launch order."""
    rows = [
        {
            "instance_id": instance_id,
            "launch_id": launch_id,
            "launch_index": index,
            "client_token": client_token,
            "owner_id": owner_id,
            "created": utcnow(),
        }
        for index, (instance_id, owner_id) in enumerate(members)
    ]
    with write_connection(engine) as conn:
        conn.execute(insert(LaunchRow), rows)


def launches_of(
    engine: Engine, owners: Collection[str] | None, ids: Collection[str] | None = None
) -> dict[str, StoredLaunch]:
    """The launch of every instance owned by ``owners`` (None: anyone's), by instance id;
    ``ids`` narrows it to those instances."""
    query = select(LaunchRow.instance_id, LaunchRow.launch_id, LaunchRow.launch_index, LaunchRow.client_token)
    if owners is not None:
        query = query.where(LaunchRow.owner_id.in_(owners))
    if ids is not None:
        query = query.where(LaunchRow.instance_id.in_(ids))
    with read_connection(engine) as conn:
        return {row[0]: StoredLaunch(row[1], row[2], row[3]) for row in conn.execute(query)}


def delete_launch(engine: Engine, instance_id: str) -> None:
    with write_connection(engine) as conn:
        conn.execute(delete(LaunchRow).where(LaunchRow.instance_id == instance_id))
