"""The EC2 Query protocol's parameters as a tree: ``InstanceId.1``, ``Filter.2.Value.1``, ….

A request is flat ``name=value`` pairs whose dotted names spell structures and lists (a numeric
segment is a 1-based list index). Building the tree once refuses what no client sends — a name
given twice, a value that is also a structure, index 0 or ``01`` — so actions read typed values
without each re-checking the shape, and every mistake is a clear ``InvalidParameterValue`` or
``MissingParameter`` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final, Union

from .faults import Ec2Error, bad, invalid, missing

MAX_PARAMETERS: Final = 10_000  # pairs in one request; botocore sends a few dozen
MAX_NAME_LENGTH: Final = 256
MAX_INDEX: Final = 1_000  # the largest list EC2 takes (instance ids, filter values) is 1000

Node = Union[str, "dict[str, Node]"]


def _index(segment: str) -> int | None:
    """The list index a segment spells, None when it is a member name."""
    if not segment.isdigit():
        return None
    if segment[0] == "0" or int(segment) > MAX_INDEX:
        raise bad(f"list index {segment} must be between 1 and {MAX_INDEX}")
    return int(segment)


class Params:
    """One level of the tree: the parameters under ``prefix`` (``""`` at the top, ``Filter.1.`` …)."""

    def __init__(self, tree: dict[str, Node], prefix: str = "") -> None:
        self._tree = tree
        self._prefix = prefix

    @classmethod
    def parse(cls, pairs: Iterable[tuple[str, str]]) -> Params:
        root: dict[str, Node] = {}
        for count, (name, value) in enumerate(pairs, 1):
            if count > MAX_PARAMETERS:
                raise bad(f"a request takes at most {MAX_PARAMETERS} parameters")
            cls._insert(root, name, value)
        return cls(root)

    @staticmethod
    def _insert(root: dict[str, Node], name: str, value: str) -> None:
        if not name or len(name) > MAX_NAME_LENGTH:
            raise bad("a parameter name must have 1 to 256 characters")
        segments = name.split(".")
        if any(not s for s in segments):
            raise bad(f"the parameter name {name!r} has an empty part")
        level = root
        for i, segment in enumerate(segments):
            _index(segment)
            last = i == len(segments) - 1
            here = level.get(segment)
            if last:
                if here is not None:
                    what = "given twice" if isinstance(here, str) else "both a value and a structure"
                    raise bad(f"the parameter {name} is {what}")
                level[segment] = value
            elif here is None:
                child: dict[str, Node] = {}
                level[segment] = child
                level = child
            elif isinstance(here, str):
                where = ".".join(segments[: i + 1])
                raise bad(f"the parameter {where} is both a value and a structure")
            else:
                level = here

    # --- what is there ------------------------------------------------------------------------

    def names(self) -> frozenset[str]:
        return frozenset(self._tree)

    def __contains__(self, name: str) -> bool:
        return name in self._tree

    def full(self, name: str) -> str:
        """The parameter's name as the client spelt it, for messages."""
        return self._prefix + name

    def without(self, *names: str) -> Params:
        """The same level less ``names`` (the protocol's own parameters, once read)."""
        return Params({k: v for k, v in self._tree.items() if k not in names}, self._prefix)

    def refuse_unknown(self, known: Iterable[str]) -> None:
        """UnknownParameter for the first name an action does not take (a typo is not ignored)."""
        unknown = sorted(self.names() - frozenset(known))
        if unknown:
            raise Ec2Error("UnknownParameter", f"The parameter {self.full(unknown[0])} is not recognized")

    def pairs(self) -> list[tuple[str, str]]:
        """Every parameter at and below this level as ``name=value`` pairs, in name order (the
        request's meaning, whatever order the client sent it in)."""
        found: list[tuple[str, str]] = []

        def walk(node: dict[str, Node], prefix: str) -> None:
            for key in sorted(node):
                value = node[key]
                if isinstance(value, str):
                    found.append((prefix + key, value))
                else:
                    walk(value, f"{prefix}{key}.")

        walk(self._tree, self._prefix)
        return found

    # --- scalars ------------------------------------------------------------------------------

    def text(self, name: str) -> str | None:
        value = self._tree.get(name)
        if value is None or isinstance(value, str):
            return value
        raise bad(f"the parameter {self.full(name)} must be a single value")

    def required(self, name: str) -> str:
        value = self.text(name)
        if value is None or value == "":
            raise missing(self.full(name))
        return value

    def integer(self, name: str, lo: int, hi: int) -> int | None:
        text = self.text(name)
        if text is None:
            return None
        try:
            number = int(text)
        except ValueError:
            raise invalid(self.full(name), text, "must be an integer") from None
        if not lo <= number <= hi:
            raise invalid(self.full(name), text, f"must be between {lo} and {hi}")
        return number

    def boolean(self, name: str) -> bool | None:
        text = self.text(name)
        if text is None:
            return None
        lowered = text.lower()
        if lowered not in ("true", "false"):
            raise invalid(self.full(name), text, "must be true or false")
        return lowered == "true"

    def choice(self, name: str, allowed: Iterable[str]) -> str | None:
        text = self.text(name)
        options = tuple(allowed)
        if text is not None and text not in options:
            raise invalid(self.full(name), text, "must be one of " + ", ".join(options))
        return text

    # --- structures and lists -----------------------------------------------------------------

    def struct(self, name: str) -> Params | None:
        value = self._tree.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            raise bad(f"the parameter {self.full(name)} must be a structure")
        return Params(value, f"{self.full(name)}.")

    def _members(self, name: str) -> Iterator[tuple[str, Node]]:
        value = self._tree.get(name)
        if value is None:
            return
        if isinstance(value, str):
            raise Ec2Error(
                "InvalidParameterValue", f"the parameter {self.full(name)} is a list: use {self.full(name)}.1"
            )
        indexed: list[tuple[int, str, Node]] = []
        for key, member in value.items():
            index = _index(key)
            if index is None:
                raise Ec2Error(
                    "InvalidParameterValue", f"the parameter {self.full(name)}.{key} is not a list member"
                )
            indexed.append((index, key, member))
        for _, key, member in sorted(indexed):
            yield key, member

    def strings(self, name: str) -> list[str]:
        """The values of list ``name`` (``name.1``, ``name.2``, …) in index order."""
        found: list[str] = []
        for key, member in self._members(name):
            if not isinstance(member, str):
                raise bad(f"the parameter {self.full(name)}.{key} must be a value")
            found.append(member)
        return found

    def structs(self, name: str) -> list[Params]:
        """The members of a list of structures (``Filter.1.Name``, ``Filter.2.Name``, …)."""
        found: list[Params] = []
        for key, member in self._members(name):
            if isinstance(member, str):
                raise Ec2Error(
                    "InvalidParameterValue", f"the parameter {self.full(name)}.{key} must be a structure"
                )
            found.append(Params(member, f"{self.full(name)}.{key}."))
        return found
