"""Printing for the client: rich tables for people, plain JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

Column = tuple[str, Callable[[dict[str, Any]], Any]]


def console() -> Console:
    return Console(soft_wrap=False)


def show_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=False))


def cell(value: Any) -> str:
    if value is None or value == [] or value == {}:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={cell(v)}" for k, v in value.items())
    return str(value)


def field(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda item: item.get(name)


SHORT_ID = 8  # as git and docker: enough to tell a person's instances apart; `vm` takes prefixes


def short_id(value: Any) -> Any:
    """A UUID cut to its first 8 hex digits (tables only; --json keeps the whole id)."""
    text = str(value) if value is not None else ""
    if len(text) == 36 and text.count("-") == 4:
        return text[:SHORT_ID]
    return value


def short_field(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda item: short_id(item.get(name))


_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def human_bytes(value: float | None, *, unit: int = 0) -> str | None:
    """``value`` (in ``_UNITS[unit]``) in the largest binary unit it reaches: 2048 MiB → "2 GiB",
    1536 MiB → "1.5 GiB"; at most one decimal, none when whole."""
    if value is None:
        return None
    amount = float(value)
    while amount >= 1024 and unit < len(_UNITS) - 1:
        amount /= 1024
        unit += 1
    text = f"{amount:.1f}".removesuffix(".0")
    return f"{text} {_UNITS[unit]}"


def human_mib(value: float | None) -> str | None:
    return human_bytes(value, unit=2)


def human_gib(value: float | None) -> str | None:
    return human_bytes(value, unit=3)


def show_table(
    items: Sequence[dict[str, Any]], columns: Sequence[Column], *, title: str | None = None
) -> None:
    # No vertical rules: at 80 columns every character goes to the cells.
    table = Table(title=title, show_lines=False, box=box.SIMPLE_HEAD, pad_edge=False)
    for header, _ in columns:
        table.add_column(header, overflow="fold", header_style="bold", no_wrap=False, min_width=len(header))
    for item in items:
        table.add_row(*(cell(get(item)) for _, get in columns))
    console().print(table)


def show_item(item: dict[str, Any], *, skip: Sequence[str] = ()) -> None:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for key, value in item.items():
        if key not in skip:
            table.add_row(key, cell(value))
    console().print(table)


def emit_list(items: list[dict[str, Any]], as_json: bool, columns: Sequence[Column], plural: str) -> None:
    if as_json:
        show_json({plural: items})
    elif not items:
        console().print(f"no {plural.replace('_', ' ')}")
    else:
        show_table(items, columns)


def emit_item(item: dict[str, Any], as_json: bool, *, skip: Sequence[str] = ()) -> None:
    if as_json:
        show_json(item)
    else:
        show_item(item, skip=skip)
