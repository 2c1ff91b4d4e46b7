"""Absolute URLs of the request's own server: every ``href`` Deltacloud sends is absolute."""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "/api"


@dataclass(frozen=True, slots=True)
class Links:
    base: str  # scheme://host[:port]

    @property
    def entry(self) -> str:
        return self.base + PREFIX

    def collection(self, name: str) -> str:
        return f"{self.base}{PREFIX}/{name}"

    def member(self, name: str, ident: str) -> str:
        return f"{self.base}{PREFIX}/{name}/{ident}"
