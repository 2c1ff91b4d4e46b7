"""``MaxResults`` / ``NextToken``: EC2's pagination over the same keyset cursor /v1 uses.

The token is the sort key (creation time, id) of the last item returned, so a page stays right
when earlier items go away between calls, and it means nothing to a client (boto3's paginators
only hand it back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from hearth.errors import ValidationError

from ..pagination import SortKey, by_created, paginate
from .faults import Ec2Error
from .params import Params

T = TypeVar("T")
TOKEN_LENGTH = 1024


@dataclass(frozen=True)
class Paging:
    max_results: int | None = None
    next_token: str | None = None


def read_paging(params: Params, lo: int = 5, hi: int = 1000) -> Paging:
    """``lo``..``hi`` is the action's MaxResults range (DescribeInstances: 5..1000)."""
    token = params.text("NextToken")
    if token is not None and (not token or len(token) > TOKEN_LENGTH):
        raise Ec2Error("InvalidPaginationToken", "The NextToken is not one this server returned")
    return Paging(params.integer("MaxResults", lo, hi), token)


def page(items: Sequence[T], paging: Paging, key: SortKey = by_created) -> tuple[list[T], str | None]:
    """One page in ``key`` order and the token of the next (None: the last page)."""
    limit = paging.max_results or max(len(items), 1)
    try:
        return paginate(items, limit, paging.next_token, key)
    except ValidationError:
        raise Ec2Error("InvalidPaginationToken", "The NextToken is not one this server returned") from None
