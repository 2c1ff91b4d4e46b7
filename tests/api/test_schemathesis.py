"""schemathesis against /v1/openapi.json on the mock driver, authenticated, with every check it has
(``--checks all``): no 5xx, no response that breaks the schema (status code, content type, headers,
body), no valid request refused and no invalid one accepted, auth enforced, over at least 1000 cases.

Valid-by-schema requests may still be refused for facts no JSON Schema can state — what the OS
database knows, whether two blocks overlap, whether the server issued a cursor or a media id,
how two numbers relate. ``BEYOND_SCHEMA`` lists those refusals by message, each with its reason;
any other refusal of valid data fails the test. The server runs without the failed-login cap:
schemathesis probes every operation with bad credentials, and 429 would hide the 401 it checks.

Every operation gets generated cases three times: valid data with drawn path parameters (mostly
unknown ids, so the 404 paths are exercised), invalid data (so validation answers in the error
shape, never a 5xx), and valid data with the ids of real resources (so the success paths run too).
"""

from __future__ import annotations

import base64
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS as REGISTRY
from schemathesis.specs.openapi import checks as openapi_checks

from hearth.drivers.mock import MockDriver
from hearth.service import Service
from hearth.service.throttle import ThrottleLimits

from .conftest import DEMO, FAST, Running, serve, store, wait_state, wait_task

IDEMPOTENCY = "Idempotency-Key"
MIN_CASES = 1000
DRAWN_EXAMPLES = 16
REAL_EXAMPLES = 10
NEGATIVE_EXAMPLES = 6
# Refusals of schema-valid requests that depend on facts outside the request (message patterns).
BEYOND_SCHEMA = [
    re.compile(p)
    for p in (
        r"cursor is not a value this server returned",  # provenance: only the server's own cursors
        r"address blocks .* overlap",  # a relation between list items
        r"unknown OS short-id",  # membership in the osinfo database
        r"public key",  # the key's base64 body must decode to a key of its type
        r"is not a media id",  # like a cursor, a media id is what the server issued (source + path)
        r"subnet block .* is outside network",  # new blocks must still hold the network's subnets
        r"network '.*' does not exist",  # a template names libvirt networks that exist now
        r"topology gives .* vCPUs",  # sockets x cores x threads must equal the vCPU maximum
        r"must not be below",  # a maximum (memory, vCPUs) is at least the current value
    )
]


def positive_data_acceptance(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' own check, but for the refusals listed in ``BEYOND_SCHEMA``."""
    try:
        return openapi_checks.positive_data_acceptance(ctx, response, case)
    except AssertionError:
        if response.status_code in (400, 422) and _beyond_schema(response):
            return None
        raise


def _beyond_schema(response: Any) -> bool:
    try:
        message = str(response.json().get("message", ""))
    except ValueError:
        return False
    return any(p.search(message) for p in BEYOND_SCHEMA)


# Every check schemathesis has (its `--checks all`), the positive one as above.
CHECKS = [
    positive_data_acceptance if c is openapi_checks.positive_data_acceptance else c
    for c in REGISTRY.get_all()
]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    engine = store(tmp_path_factory.mktemp("fuzz"))
    no_cap = ThrottleLimits(per_user=0, per_address=0)
    with serve(Service(MockDriver(engine, timing=FAST), engine, auth_throttle=no_cap)) as running:
        yield running


def _real_ids(client: httpx.Client) -> dict[str, str]:
    """One real resource of each kind, owned by the demo user, for the path parameters."""
    inst = client.post("/v1/instances", json={"image_id": "debian-12", "hwp_id": "small"}).json()
    wait_state(client, inst["id"], "RUNNING")
    vol = client.post("/v1/volumes", json={"capacity_gb": 1}).json()
    snap = client.post("/v1/snapshots", json={"volume_id": vol["id"]}).json()
    net = client.post("/v1/networks", json={"name": "fuzz", "address_blocks": ["10.77.0.0/16"]}).json()
    sub = client.post(
        "/v1/subnets", json={"network_id": net["id"], "name": "s", "address_block": "10.77.1.0/24"}
    )
    addr = client.post("/v1/addresses").json()
    key = client.post("/v1/keys", json={"name": "fuzz"}).json()
    nic = client.post(f"/v1/instances/{inst['id']}/interfaces", json={"type": "network", "source": net["id"]})
    task = client.post(
        "/v1/instances", params={"count": 2}, json={"image_id": "debian-12", "hwp_id": "small"}
    )
    wait_task(client, task.headers["location"])
    return {
        "instance_id": inst["id"],
        "image_id": "debian-12",
        "realm_id": "local",
        "hwp_id": "flexible",
        "key_id": key["id"],
        "volume_id": vol["id"],
        "snapshot_id": snap["id"],
        "network_id": net["id"],
        "subnet_id": sub.json()["id"],
        "address_id": addr["id"],
        "mac": nic.json()["mac"],
        "task_id": task.json()["id"],
    }


def test_the_api_conforms_to_its_openapi_document(fuzzed: Running) -> None:
    auth = {"Authorization": "Basic " + base64.b64encode(":".join(DEMO).encode()).decode()}
    with fuzzed.client(DEMO) as client:
        real = _real_ids(client)
    schema = schemathesis.openapi.from_url(f"{fuzzed.url}/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 50, "the document lost operations"
    count = 0
    failures: list[str] = []
    started = time.monotonic()

    for op in operations:
        if op.path == "/v1/events":
            continue  # an endless stream: tests/api/test_events.py covers it (auth, 400s, shape)
        if op.path == "/v1/instances/{instance_id}/vnc/ticket":
            continue  # the mock has no screen: always 501 by design (test_consoles.py checks it)
        params = {p.name for p in op.iter_parameters() if p.location == "path"}
        idempotent = any(p.name == IDEMPOTENCY for p in op.iter_parameters())
        variants: list[tuple[GenerationMode, int, dict[str, str] | None]] = [
            (GenerationMode.POSITIVE, DRAWN_EXAMPLES, None),
            (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, None),
        ]
        if params:
            ids = {name: real[name] for name in params if name in real}
            variants.append((GenerationMode.POSITIVE, REAL_EXAMPLES, ids))
        for mode, examples, path_parameters in variants:
            strategy = op.as_strategy(mode, headers=auth, path_parameters=path_parameters)
            fresh_keys = mode is GenerationMode.POSITIVE and idempotent

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy, _=st.just(None))
            def run(case: schemathesis.Case[Any], _: None) -> None:
                nonlocal count
                count += 1
                headers = dict(auth)
                if fresh_keys:  # noqa: B023  (run is called in this same iteration)
                    headers[IDEMPOTENCY] = uuid.uuid4().hex  # each generated create is a new request
                response = case.call(base_url=fuzzed.url, headers=headers, timeout=30)
                case.validate_response(response, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                # No invalid input exists for this operation (say, only free-form string ids).
                assert mode is GenerationMode.NEGATIVE, op.label
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # schemathesis raises a group; collect them all, then report
                what = f"{mode.value}, {'real ids' if path_parameters else 'drawn ids'}"
                failures.append(f"{op.label} ({what}): {exc}")

    assert not failures, "\n\n".join(failures)
    assert count >= MIN_CASES, f"only {count} cases ran"
    print(
        f"schemathesis: {count} cases over {len(operations)} operations in {time.monotonic() - started:.0f}s"
    )


def test_the_document_has_closed_enums_and_one_error_shape(fuzzed: Running) -> None:
    spec = httpx.get(f"{fuzzed.url}/v1/openapi.json", timeout=60).json()
    schemas = spec["components"]["schemas"]
    assert schemas["InstanceState"]["enum"] == [
        "PENDING", "RUNNING", "STOPPING", "STOPPED", "PAUSED", "FINISHED", "ERROR"
    ]  # fmt: skip
    assert "HTTPValidationError" not in schemas
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            for status in ("401", "404", "422", "500"):
                ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/ErrorBody", (method, path, status)
            ok = [s for s in op["responses"] if s.startswith("2")]
            assert ok, (method, path)
