"""Launches: the instances one create request made, together, in order.

EC2 clients see instances grouped by the request that made them (a reservation, with each
instance's ``amiLaunchIndex`` and the request's client token), in every listing, not only in
the answer to that request; so the grouping is kept in the shared store, where a restarted
server finds it. A launch is named by its first instance's id, so an instance made alone is a
launch of its own whether or not it was recorded.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from hearth.drivers import Caller
from hearth.drivers.caller import owner_scope
from hearth.drivers.resources import Instance
from hearth.store import launches as rows


@dataclass(frozen=True)
class Launch:
    id: str  # the launch's first instance's id
    index: int  # this instance's place in it, from 0
    client_token: str | None = None


def alone(instance_id: str) -> Launch:
    """The launch of an instance no request recorded: itself."""
    return Launch(instance_id, 0)


class Launches:
    """The launches in the store at ``engine``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, made: Sequence[Instance], client_token: str | None = None) -> Launch:
        """Record ``made`` as one launch (in that order); answers the first one's ``Launch``."""
        launch_id = made[0].id
        rows.add_launch(self.engine, launch_id, [(m.id, m.owner_id) for m in made], client_token)
        return Launch(launch_id, 0, client_token)

    def of(self, caller: Caller, ids: Collection[str] | None = None) -> dict[str, Launch]:
        """The recorded launch of every instance the caller can see (or of ``ids``), by id."""
        found = rows.launches_of(self.engine, owner_scope(caller), ids)
        return {iid: Launch(s.launch_id, s.launch_index, s.client_token) for iid, s in found.items()}

    def forget(self, instance_id: str) -> None:
        """The instance is gone."""
        rows.delete_launch(self.engine, instance_id)
