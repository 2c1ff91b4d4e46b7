"""``hearth vm create --no-start`` from an image: the instance is defined STOPPED, never run."""

from __future__ import annotations

from tests.cli.test_client import env, hearth, js, live  # noqa: F401  (fixtures)


def test_an_image_vm_created_with_no_start_stays_stopped(env: dict[str, str]) -> None:  # noqa: F811
    made = js(env, "vm", "create", "--image", "debian-12", "--profile", "small", "--no-start")
    seen = [made["state"]]
    while seen[-1] != "STOPPED":
        assert len(seen) < 200, seen
        seen.append(js(env, "vm", "show", made["id"])["state"])
    assert set(seen) <= {"PENDING", "STOPPED"}, seen
    assert made["id"] in hearth(env, "vm", "delete", made["id"]).stdout
