"""The actions this frontend serves, by EC2 name, with the parameters each takes.

Any other action is ``InvalidAction`` (never a 500); a parameter an action does not take is
``UnknownParameter``, so a typo or an option Hearth does not honour is said, not ignored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from .context import Context
from .params import Params
from .render import Body

# A handler answers the response body, or a whole document it replays (a repeated ClientToken).
Handler = Callable[[Context, Params], Awaitable[Body | bytes]]
COMMON = frozenset({"DryRun"})


@dataclass(frozen=True)
class ActionSpec:
    name: str
    handler: Handler
    params: frozenset[str]
    conflict: str  # the EC2 code for a Conflict (or an InvalidState not about an instance)


ACTIONS: dict[str, ActionSpec] = {}


def action(
    name: str, params: Iterable[str] = (), conflict: str = "IncorrectState"
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if name in ACTIONS:
            raise RuntimeError(f"EC2 action {name} is registered twice")
        ACTIONS[name] = ActionSpec(name, handler, COMMON | frozenset(params), conflict)
        return handler

    return register
