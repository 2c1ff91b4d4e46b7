"""The driver contract: one ``Driver`` base over many backends, resources defined once.

Import the contract from here; backends live in sub-packages (``hearth.drivers.mock``, …).
"""

from .base import (
    ACTION_OPERATIONS,
    OPERATION_METHODS,
    Capabilities,
    Collection,
    Driver,
    Feature,
    Operation,
    features_used,
)
from .caller import SYSTEM_OWNER, Caller
from .consoles import ConsoleStream
from .wait import wait_for_state

__all__ = [
    "ACTION_OPERATIONS",
    "OPERATION_METHODS",
    "SYSTEM_OWNER",
    "Caller",
    "Capabilities",
    "Collection",
    "ConsoleStream",
    "Driver",
    "Feature",
    "Operation",
    "features_used",
    "wait_for_state",
]
