"""``hearth pool list|show`` as a user runs it, against a live server (mock driver)."""

from __future__ import annotations

from tests.cli.test_client import env, hearth, js, live, one_error_line

__all__ = ["env", "live"]  # the fixtures, shared with the client tests


def test_pool_list_and_show(env: dict[str, str]) -> None:
    table = hearth(env, "pool", "list").stdout
    assert "default" in table and "archive" in table and "GiB" in table and "INACTIVE" in table
    pools = js(env, "pool", "list")
    assert {p["id"] for p in pools["pools"]} == {"default", "archive"}
    shown = js(env, "pool", "show", "default")
    assert shown["type"] == "dir" and shown["realm"] == "local"
    assert (
        one_error_line(hearth(env, "pool", "show", "nowhere", ok=False)) == "storage pool nowhere not found"
    )
    assert hearth(env, "pool", "delete", "default", ok=False).returncode != 0  # read-only
