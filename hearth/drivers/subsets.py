"""Some members of a vocabulary enum as a pydantic field type that takes only those.

A template's direct interfaces are the NIC kinds that sit on a host device: the field holds the
one ``InterfaceType`` everything else uses, yet takes (and documents, under its own name in
OpenAPI) only those kinds, with pydantic's usual message for any other value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema


def _expected(values: Sequence[str]) -> str:
    quoted = [repr(v) for v in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


@dataclass(frozen=True)
class OnlyMembers:
    """``Annotated[SomeEnum, OnlyMembers(members, name=…, description=…)]``; ``name`` is the
    schema's name in OpenAPI."""

    members: Sequence[StrEnum]
    name: str
    description: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        values = [m.value for m in self.members]
        allowed = frozenset(values)
        expected = _expected(values)

        def refuse_others(value: Any) -> Any:
            # pydantic's enum validator would fall back to the enum itself, taking every member.
            if isinstance(value, str) and value not in allowed:
                raise PydanticCustomError("enum", "Input should be {expected}", {"expected": expected})
            return value

        members = core_schema.enum_schema(source, list(self.members), sub_type="str", ref=self.name)
        return core_schema.no_info_before_validator_function(refuse_others, members)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        found = handler(schema)
        target = handler.resolve_ref_schema(found)
        target.update(title=self.name, description=self.description)
        return found
