"""``hearth user access-key add|list|delete`` as an operator runs them: the installed entry point in
a subprocess, on a real store in a temporary state directory; the keys it prints sign botocore
requests that the SigV4 verifier accepts, until the CLI deletes them."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from hearth.api.ec2.sigv4 import AuthCode, SignatureRefused, verify
from hearth.service.access_keys import AccessKeys
from hearth.service.secret_box import KEY_FILE
from hearth.store import default_url, make_engine, upgrade
from hearth.store.users import create_user
from tests.api.ec2.signing import sign, signed_at
from tests.cli.test_client import HEARTH, one_error_line


@pytest.fixture
def state(tmp_path: Path) -> Path:
    engine = make_engine(default_url(tmp_path))
    try:
        upgrade(engine)
        create_user(engine, "alice", "alice-password")
        create_user(engine, "bob", "bob-password")
    finally:
        engine.dispose()
    return tmp_path


def hearth(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")} | {"COLUMNS": "200"}
    return subprocess.run(
        [*HEARTH, "user", "access-key", *args, "--state-dir", str(state)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, (done.args, done.stdout, done.stderr)
    return done.stdout


def _verifies(state: Path, key_id: str, secret: str) -> AuthCode | None:
    """None when a botocore-signed request with this key verifies, else the refusal's code."""
    engine = make_engine(default_url(state))
    try:
        request = sign(data={"Action": "DescribeRegions"}, key_id=key_id, secret=secret)
        verify(request, AccessKeys.in_state_dir(engine, state).secret_for, now=signed_at(request))
        return None
    except SignatureRefused as refused:
        return refused.code
    finally:
        engine.dispose()


def test_add_prints_the_new_key_once_and_it_signs_requests(state: Path) -> None:
    made = json.loads(ok(hearth(state, "add", "alice", "--json")))
    assert set(made) == {"access_key_id", "secret_access_key"}
    assert len(made["access_key_id"]) == 20 and made["access_key_id"].startswith("AKIA")
    assert len(made["secret_access_key"]) == 40
    assert _verifies(state, made["access_key_id"], made["secret_access_key"]) is None
    assert stat.S_IMODE((state / KEY_FILE).stat().st_mode) == 0o600

    shown = hearth(state, "add", "alice")
    lines = ok(shown).splitlines()
    assert lines[0].split()[0] == "access_key_id" and lines[1].split()[0] == "secret_access_key"
    key_id, secret = lines[0].split()[1], lines[1].split()[1]
    assert "shown only this once" in shown.stderr and secret not in shown.stderr
    assert _verifies(state, key_id, secret) is None

    table = ok(hearth(state, "list", "alice"))
    assert made["access_key_id"] in table and key_id in table and "CREATED" in table
    listed = json.loads(ok(hearth(state, "list", "alice", "--json")))
    assert [k["access_key_id"] for k in listed["access_keys"]] == [made["access_key_id"], key_id]
    assert {k["user"] for k in listed["access_keys"]} == {"alice"}
    for output in (table, json.dumps(listed)):
        assert made["secret_access_key"] not in output and secret not in output
    assert ok(hearth(state, "list", "bob")).strip() == "no access keys"


def test_delete_refuses_the_key_from_the_next_request(state: Path) -> None:
    made = json.loads(ok(hearth(state, "add", "alice", "--json")))
    key_id, secret = made["access_key_id"], made["secret_access_key"]
    assert _verifies(state, key_id, secret) is None
    assert ok(hearth(state, "delete", "alice", key_id)).strip() == f"deleted access key {key_id} of alice"
    assert _verifies(state, key_id, secret) is AuthCode.auth_failure
    assert json.loads(ok(hearth(state, "list", "alice", "--json"))) == {"access_keys": []}


def test_bad_input_is_one_line_naming_what_is_wrong(state: Path) -> None:
    assert one_error_line(hearth(state, "add", "carol")) == "no user named 'carol'"
    assert one_error_line(hearth(state, "list", "carol")) == "no user named 'carol'"
    bobs = json.loads(ok(hearth(state, "add", "bob", "--json")))["access_key_id"]
    assert one_error_line(hearth(state, "delete", "alice", bobs)) == f"user 'alice' has no access key {bobs}"
    assert (
        one_error_line(hearth(state, "delete", "bob", "AKIA123"))
        == "access key id 'AKIA123' is not AKIA followed by 16 capital letters or digits"
    )
    assert hearth(state, "delete", "bob").returncode == 2  # KEY_ID missing: usage, no traceback
    (state / KEY_FILE).chmod(0o640)
    line = one_error_line(hearth(state, "add", "bob"))
    assert str(state / KEY_FILE) in line and "0640" in line and "chmod 600" in line
