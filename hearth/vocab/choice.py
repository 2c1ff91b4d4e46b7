"""A caller's string as a member of one of the vocabulary's enums, or a ValidationError naming them.

For the library entry points that take plain strings (the designer's ``add_interface("bridge")``),
so a typo is refused with the allowed values listed instead of surfacing as ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TypeVar, overload

from hearth.errors import ValidationError

E = TypeVar("E", bound=StrEnum)
F = TypeVar("F", bound=StrEnum)


@overload
def choose(label: str, value: object, enums: tuple[type[E]], *, others: Sequence[str] = ()) -> E: ...
@overload
def choose(
    label: str, value: object, enums: tuple[type[E], type[F]], *, others: Sequence[str] = ()
) -> E | F: ...
def choose(
    label: str, value: object, enums: tuple[type[StrEnum], ...], *, others: Sequence[str] = ()
) -> StrEnum:
    """The member of the first of ``enums`` whose value is ``value``.

    ``others`` are further words the caller handles itself (the designer's ``"auto"``): they are
    only named in the message, so that it lists everything the caller accepts.
    """
    for enum in enums:
        if isinstance(value, str) and value in {m.value for m in enum}:
            return enum(value)
    allowed = [*others, *(m.value for enum in enums for m in enum)]
    raise ValidationError(f"{label} must be one of {', '.join(allowed)}, not {value!r}", allowed=allowed)
