"""Printing for the client: rich tables for people, plain JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

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


def show_table(
    items: Sequence[dict[str, Any]], columns: Sequence[Column], *, title: str | None = None
) -> None:
    table = Table(title=title, show_lines=False)
    for header, _ in columns:
        table.add_column(header, overflow="fold")
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
