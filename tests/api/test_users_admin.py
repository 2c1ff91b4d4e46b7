"""`hearth user list|passwd|delete` against a running server's store, and the server noticing at once.

The server is real (uvicorn on loopback, SQLite store); the changes come either from this process
through a second engine on the same file, or from the real `hearth` CLI in a subprocess. Each
test first makes the server cache the old credentials' verdict, so a stale cache would show.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from hearth.store import default_url, make_engine
from hearth.store.user_admin import delete_user, set_password
from hearth.store.users import create_user

from .conftest import ADMIN, DEMO, OTHER, Running, assert_error, new_instance, serve_driver

HEARTH = str(Path(sys.executable).with_name("hearth"))


def _hearth(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    # A new session has no controlling terminal, so a hidden prompt reads stdin.
    return subprocess.run(
        [HEARTH, *args],
        capture_output=True,
        text=True,
        timeout=60,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        start_new_session=True,
    )


def _status(running: Running, auth: tuple[str, str]) -> int:
    with running.client(auth) as c:
        return c.get("/v1/instances").status_code


def _warm(running: Running, auth: tuple[str, str]) -> None:
    """Two requests on one connection: the second is answered from the verdict cache."""
    with running.client(auth) as c:
        assert c.get("/v1/instances").status_code == 200
        assert c.get("/v1/instances").status_code == 200
        assert running.service.auth.cached(*auth) is not None


def test_a_password_changed_in_process_works_at_once(tmp_path: Path) -> None:
    with serve_driver(tmp_path) as running:
        _warm(running, OTHER)
        engine = make_engine(default_url(tmp_path))  # a second engine: like another process
        try:
            set_password(engine, OTHER[0], "brand-new-password")
        finally:
            engine.dispose()
        with running.client(OTHER) as c:  # a fresh connection and a kept-alive one alike
            assert_error(c.get("/v1/instances"), 401, "AuthFailure")
        assert _status(running, (OTHER[0], "brand-new-password")) == 200
        assert _status(running, DEMO) == 200  # other users are unaffected


def test_a_password_changed_by_the_cli_works_at_once(tmp_path: Path) -> None:
    with serve_driver(tmp_path) as running, running.client(OTHER) as kept_alive:
        assert kept_alive.get("/v1/instances").status_code == 200
        _warm(running, OTHER)
        done = _hearth(
            "user", "passwd", OTHER[0], "--password", "cli-password-1", "--state-dir", str(tmp_path)
        )
        assert done.returncode == 0, done.stderr
        assert "changed the password of other" in done.stdout
        assert "cli-password-1" not in done.stdout + done.stderr
        assert_error(kept_alive.get("/v1/instances"), 401, "AuthFailure")
        assert _status(running, (OTHER[0], "cli-password-1")) == 200

        # Without --password: asked twice, without echo.
        prompted = _hearth(
            "user", "passwd", OTHER[0], "--state-dir", str(tmp_path), stdin="cli-password-2\ncli-password-2\n"
        )
        assert prompted.returncode == 0, prompted.stderr
        assert "cli-password-2" not in prompted.stdout + prompted.stderr
        assert _status(running, (OTHER[0], "cli-password-1")) == 401
        assert _status(running, (OTHER[0], "cli-password-2")) == 200

        mismatch = _hearth(
            "user", "passwd", OTHER[0], "--state-dir", str(tmp_path), stdin="cli-password-3\nsomething-else\n"
        )
        assert mismatch.returncode != 0
        assert _status(running, (OTHER[0], "cli-password-2")) == 200


def test_bad_passwd_input_is_one_clear_line(tmp_path: Path) -> None:
    with serve_driver(tmp_path):
        short = _hearth("user", "passwd", OTHER[0], "--password", "short", "--state-dir", str(tmp_path))
        assert short.returncode == 2 and short.stderr.strip().splitlines() == [
            "hearth: error: the password must have at least 8 characters"
        ]
        unknown = _hearth(
            "user", "passwd", "nobody", "--password", "long-enough", "--state-dir", str(tmp_path)
        )
        assert unknown.returncode == 2 and unknown.stderr.strip() == "hearth: error: no user named 'nobody'"


def test_a_user_deleted_in_process_is_refused_at_once(tmp_path: Path) -> None:
    with serve_driver(tmp_path) as running:
        _warm(running, OTHER)
        engine = make_engine(default_url(tmp_path))
        try:
            delete_user(engine, OTHER[0])
        finally:
            engine.dispose()
        assert _status(running, OTHER) == 401


def test_delete_refuses_an_owner_of_instances_unless_forced(tmp_path: Path) -> None:
    with serve_driver(tmp_path) as running, running.client(OTHER) as c:
        new_instance(c, name="keep-me")
        new_instance(c, name="me-too")
        assert c.post("/v1/keys", json={"name": "k1"}).status_code == 201
        refused = _hearth("user", "delete", OTHER[0], "--state-dir", str(tmp_path))
        assert refused.returncode == 2
        line = refused.stderr.strip()
        assert line.startswith("hearth: error: user 'other' still owns ") and "\n" not in line
        assert "2 instances" in line and "1 key" in line and "--force" in line
        assert c.get("/v1/instances").status_code == 200  # nothing happened

        forced = _hearth("user", "delete", OTHER[0], "--force", "--state-dir", str(tmp_path))
        assert forced.returncode == 0, forced.stderr
        assert "deleted user other" in forced.stdout
        assert "kept 2 instances and 1 key" in forced.stderr
        assert_error(c.get("/v1/instances"), 401, "AuthFailure")
        with running.client(ADMIN) as admin:  # the kept instances are the admins' to clean up
            names = {i["name"] for i in admin.get("/v1/instances").json()["instances"]}
            assert {"keep-me", "me-too"} <= names


def test_delete_of_a_user_without_resources(tmp_path: Path) -> None:
    with serve_driver(tmp_path) as running:
        _warm(running, OTHER)
        done = _hearth("user", "delete", OTHER[0], "--state-dir", str(tmp_path))
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "deleted user other" and done.stderr == ""
        assert _status(running, OTHER) == 401
        again = _hearth("user", "delete", OTHER[0], "--state-dir", str(tmp_path))
        assert again.returncode == 2 and again.stderr.strip() == "hearth: error: no user named 'other'"


def test_the_last_admin_cannot_be_deleted(tmp_path: Path) -> None:
    with serve_driver(tmp_path) as running:
        engine = make_engine(default_url(tmp_path))
        try:
            create_user(engine, "second", "second-password", is_admin=True)
        finally:
            engine.dispose()
        first = _hearth("user", "delete", "second", "--state-dir", str(tmp_path))
        assert first.returncode == 0, first.stderr
        assert "deleted admin second" in first.stdout
        last = _hearth("user", "delete", ADMIN[0], "--force", "--state-dir", str(tmp_path))
        assert last.returncode == 2
        assert "is the last admin" in last.stderr and len(last.stderr.strip().splitlines()) == 1
        assert _status(running, ADMIN) == 200


def test_user_list_shows_names_roles_and_dates_never_hashes(tmp_path: Path) -> None:
    with serve_driver(tmp_path):
        done = _hearth("user", "list", "--json", "--state-dir", str(tmp_path))
        assert done.returncode == 0, done.stderr
        users = json.loads(done.stdout)["users"]
        assert {u["name"]: u["admin"] for u in users} == {DEMO[0]: False, ADMIN[0]: True, OTHER[0]: False}
        assert all(set(u) == {"name", "admin", "created"} for u in users)
        assert "scrypt" not in done.stdout
        table = _hearth("user", "list", "--state-dir", str(tmp_path))
        assert table.returncode == 0, table.stderr
        assert "NAME" in table.stdout and OTHER[0] in table.stdout and "scrypt" not in table.stdout


def test_unrelated_credentials_survive_a_change(tmp_path: Path) -> None:
    """A change re-checks everyone once; the others still get in with their own passwords."""
    with serve_driver(tmp_path) as running:
        with running.client(DEMO) as demo:
            assert demo.get("/v1/instances").status_code == 200
            done = _hearth(
                "user", "passwd", OTHER[0], "--password", "another-one", "--state-dir", str(tmp_path)
            )
            assert done.returncode == 0, done.stderr
            assert demo.get("/v1/instances").status_code == 200
        with httpx.Client(base_url=running.url, auth=ADMIN) as admin:
            assert admin.get("/v1/instances").status_code == 200
