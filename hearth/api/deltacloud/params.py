"""Deltacloud's request parameters → Hearth's request models, with errors in Deltacloud's words.

Parameters come as text (query, matrix or form); Hearth's models are typed and name some fields
differently (``capacity`` is ``capacity_gb``), so a refusal names the parameter the client sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .faults import DeltacloudError

M = TypeVar("M", bound=BaseModel)


def number(text: str) -> int | str:
    """Form values are text; a number is sent as digits (anything else is left for the model to
    refuse as not one)."""
    return int(text) if text.isdigit() else text


def missing(params: Mapping[str, str], name: str) -> DeltacloudError:
    """Deltacloud's words for a missing required parameter, naming those that did come."""
    given = ",".join(sorted(params))
    return DeltacloudError(400, f"Required parameter '{name}' not found in [{given}]")


def required(params: Mapping[str, str], name: str) -> str:
    """The parameter's value; a missing or empty one is a 400 naming it."""
    value = params.get(name)
    if not value:
        raise missing(params, name)
    return value


def invalid(exc: ValidationError, names: Mapping[str, str] | None = None) -> DeltacloudError:
    """The first refusal as a 400 naming the parameter; ``names`` maps model fields back to the
    parameters they came from."""
    first = exc.errors()[0]
    loc = [str(p) for p in first.get("loc", ())]
    if loc and names:
        loc[0] = names.get(loc[0], loc[0])
    where = ".".join(loc) or "request"
    return DeltacloudError(400, f"Parameter {where}: {first.get('msg', 'invalid')}")


def parse(model: type[M], fields: Mapping[str, Any], names: Mapping[str, str] | None = None) -> M:
    """``model`` from the fields that came (absent or empty ones are left to its defaults)."""
    try:
        return model.model_validate({k: v for k, v in fields.items() if v not in (None, "")})
    except ValidationError as exc:
        raise invalid(exc, names) from None
