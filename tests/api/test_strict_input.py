"""Request bodies are taken as written: no ``true`` for 1, bounded lists, declared formats.

Over real HTTP on the mock driver; the OpenAPI document is read from the running server.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hearth.drivers import Feature

from .conftest import Running, assert_error


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/volumes", {"capacity_gb": True}, "capacity_gb"),
        ("/v1/volumes", {"capacity_gb": 1.5}, "capacity_gb"),
        ("/v1/volumes", {"capacity_gb": "1"}, "capacity_gb"),
        ("/v1/instances", {"image_id": "debian-12", "hwp_id": "small", "start": 0}, "start"),
        ("/v1/instances", {"image_id": "debian-12", "hwp_id": "small", "start": "false"}, "start"),
        (
            "/v1/instances",
            {"image_id": "debian-12", "hwp_id": "flexible", "hwp_overrides": {"memory": True}},
            "hwp_overrides",
        ),
    ],
)
def test_booleans_and_integers_must_be_what_they_say(
    demo: httpx.Client, path: str, body: dict[str, Any], field: str
) -> None:
    err = assert_error(demo.post(path, json=body), 422, "ValidationError")
    assert any(f.startswith(field) for f in err["details"]["fields"]), err


def test_an_integral_number_is_an_integer_as_json_schema_says(demo: httpx.Client) -> None:
    r = demo.post("/v1/volumes", json={"capacity_gb": 2.0})
    assert r.status_code == 201 and r.json()["capacity_gb"] == 2, r.text


def test_lists_in_request_bodies_are_bounded(demo: httpx.Client) -> None:
    blocks = [f"10.{i // 256}.{i % 256}.0/24" for i in range(400)]
    assert_error(
        demo.post("/v1/networks", json={"name": "big", "address_blocks": blocks}), 422, "ValidationError"
    )
    nets = [{"network_id": "n"}] * 100
    body = {"image_id": "debian-12", "hwp_id": "small", "networks": nets}
    assert_error(demo.post("/v1/instances", json=body), 422, "ValidationError")


def _schemas(server: Running) -> dict[str, Any]:
    spec: dict[str, Any] = httpx.get(f"{server.url}/v1/openapi.json", timeout=60).json()
    return dict(spec["components"]["schemas"])


def _prop(schemas: dict[str, Any], model: str, field: str) -> dict[str, Any]:
    prop: dict[str, Any] = schemas[model]["properties"][field]
    if "items" in prop:
        prop = prop["items"]
    options = prop.get("anyOf", [prop])
    return next(o for o in options if o.get("type") != "null")


def _request_schemas(server: Running) -> dict[str, Any]:
    """The component schemas request bodies use, directly or nested."""
    spec: dict[str, Any] = httpx.get(f"{server.url}/v1/openapi.json", timeout=60).json()
    schemas = spec["components"]["schemas"]
    found: dict[str, Any] = {}

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[1]
                if name not in found:
                    found[name] = schemas[name]
                    visit(schemas[name])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    for methods in spec["paths"].values():
        for op in methods.values():
            visit(op.get("requestBody", {}))
    return found


def test_every_list_in_a_request_body_has_a_bound(server: Running) -> None:
    unbounded = []
    for name, schema in _request_schemas(server).items():
        for field, prop in schema.get("properties", {}).items():
            for option in prop.get("anyOf", [prop]):
                if option.get("type") == "array" and "maxItems" not in option:
                    unbounded.append(f"{name}.{field}")
    assert unbounded == [], unbounded


def test_the_document_declares_the_formats_the_server_checks(server: Running) -> None:
    schemas = _schemas(server)
    assert "pattern" in _prop(schemas, "NetworkCreate", "address_blocks")  # CIDR
    assert "pattern" in _prop(schemas, "SubnetCreate", "address_block")  # CIDR
    assert "pattern" in _prop(schemas, "InterfaceCreate", "mac")  # MAC
    assert "pattern" in _prop(schemas, "NetworkRequest", "ip_address")  # IP
    assert _prop(schemas, "ImageImport", "disk")["pattern"].startswith("^/")  # absolute path


def test_the_entry_point_lists_every_feature_the_driver_has(demo: httpx.Client, server: Running) -> None:
    body = demo.get("/v1").json()
    listed = {f for c in body["collections"] for f in c["features"]}
    declared = {f.value for f in server.service.capabilities.features}
    assert Feature.create_stopped.value in declared
    assert listed == declared | {Feature.templates.value}
