"""A template's ``memory``/``vcpus`` take a plain number for ``{"current": n}``; a wrong shape
is refused with the shapes that are accepted."""

from __future__ import annotations

import httpx

from tests.api.conftest import assert_error


def test_plain_numbers_are_current(demo: httpx.Client) -> None:
    r = demo.post("/v1/templates", json={"name": "short-1", "os": "debian11", "memory": 2048, "vcpus": 2})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["memory"]["current"] == 2048 and body["vcpus"]["current"] == 2
    long = demo.post(
        "/v1/templates",
        json={"name": "short-2", "os": "debian11", "memory": {"current": 2048}, "vcpus": {"current": 2}},
    ).json()
    assert (long["memory"], long["vcpus"]) == (body["memory"], body["vcpus"])
    changed = demo.patch("/v1/templates/short-1", json={"memory": 1024})
    assert changed.status_code == 200, changed.text
    assert changed.json()["memory"]["current"] == 1024


def test_a_wrong_shape_names_the_expected_ones(demo: httpx.Client) -> None:
    for bad in ("2g", True, 2.5, [2048]):
        err = assert_error(
            demo.post("/v1/templates", json={"name": "short-bad", "os": "debian11", "memory": bad}),
            422,
            "ValidationError",
        )
        assert "memory must be a whole number (MiB, e.g. 2048) or an object" in err["message"], err
    err = assert_error(
        demo.post("/v1/templates", json={"name": "short-bad", "os": "debian11", "vcpus": "two"}),
        422,
        "ValidationError",
    )
    assert '"current"' in err["message"] and "vcpus" in err["message"], err
    assert_error(
        demo.post("/v1/templates", json={"name": "short-bad", "os": "debian11", "memory": 8}),
        422,
        "ValidationError",
    )
