"""The API is a frontend: it reaches backends only through the service, and every route is gated.

Import rules alone cannot see ``svc.driver.list_images(...)``, so the API's source is read here:
it may use the contract's vocabulary and resource models, never the driver facade's internals,
a backend package, or the Service's driver.
"""

from __future__ import annotations

import ast
from pathlib import Path

import httpx

import hearth.api

API = Path(hearth.api.__file__).parent
# What the API may import from the driver layer: vocabulary and resource models.
ALLOWED = {"hearth.drivers", "hearth.drivers.resources", "hearth.drivers.operations", "hearth.drivers.caller"}


def _sources() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(), str(p))) for p in sorted(API.rglob("*.py"))]


def test_the_api_imports_only_the_contracts_vocabulary_from_the_drivers() -> None:
    found = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
                if node.module == "hearth.drivers":  # `from hearth.drivers import mock` is a backend
                    names += [f"hearth.drivers.{a.name}" for a in node.names if a.name.islower()]
            found += [
                f"{path.relative_to(API)}:{node.lineno} {n}"
                for n in names
                if n.startswith("hearth.drivers") and n not in ALLOWED and n != "hearth.drivers.formats"
            ]
    assert found == []


def test_nothing_in_the_api_reaches_a_driver() -> None:
    found = [
        f"{path.relative_to(API)}:{node.lineno}"
        for path, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "driver"  # the name is `gate.driver_name`
    ]
    assert found == []


def test_every_v1_operation_declares_the_basic_scheme(demo: httpx.Client) -> None:
    spec = demo.get("/v1/openapi.json").json()
    ungated = [
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if {"basic": []} not in op.get("security", [])
    ]
    assert ungated == []
