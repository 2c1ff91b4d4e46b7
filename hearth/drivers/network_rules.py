"""When a network's blocks may change and a network or subnet be made or deleted: one rule set
and one wording for every driver that keeps networks as rows of its own.

Each backend keeps its own tables (and may have more to do on its host); the decisions and the
errors users see must not differ between them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from hearth.errors import Conflict

from . import addressing
from .resources import NetworkUpdate
from .row_models import NetworkRow, SubnetRow


class ChangeableNetwork(Protocol):
    id: str
    name: str
    address_blocks: list[str]


def change_network(row: ChangeableNetwork, subnets: Iterable[SubnetRow], request: NetworkUpdate) -> None:
    """Rename the network and give it new blocks, refused if one of its subnets would not fit."""
    if request.address_blocks is not None:
        for sub in subnets:
            addressing.check_subnet_fits(sub.address_block, request.address_blocks, row.id)
        row.address_blocks = list(request.address_blocks)
    if request.name is not None:
        row.name = request.name


def check_new_subnet(address_block: str, network: NetworkRow, siblings: Iterable[SubnetRow]) -> None:
    """A new subnet must lie inside its network's blocks and overlap none of its siblings."""
    addressing.check_subnet_fits(address_block, network.address_blocks, network.id)
    addressing.check_no_overlap(address_block, [(sub.id, sub.address_block) for sub in siblings])


def check_network_deletable(network_id: str, subnets: int) -> None:
    if subnets:
        raise Conflict(
            f"network {network_id} still has {subnets} subnet(s); delete them first", network=network_id
        )
