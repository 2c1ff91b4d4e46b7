"""Access keys in the shared store: made, listed, deleted, looked up, secrets sealed at rest.

A real SQLite store and a real key file in a temporary state directory; requests are signed by
botocore and checked by the SigV4 verifier through ``secret_for``, as the EC2 frontend will.
"""

from __future__ import annotations

import os
import re
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from hearth.api.ec2.sigv4 import AuthCode, SignatureRefused, verify
from hearth.drivers import Caller
from hearth.errors import HearthError, NotFound, ValidationError
from hearth.service.access_keys import AccessKeys
from hearth.service.secret_box import KEY_FILE, SecretBox
from hearth.store import default_url, make_engine, read_session, upgrade
from hearth.store.access_keys import AccessKeyRow
from hearth.store.auth_epoch import EpochWatch
from hearth.store.user_admin import delete_user, owned_resources
from hearth.store.users import create_user
from tests.api.ec2.signing import sign, signed_at

KEY_ID = re.compile(r"AKIA[A-Z0-9]{16}")


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = make_engine(default_url(tmp_path))
    upgrade(eng)
    create_user(eng, "alice", "alice-password")
    create_user(eng, "bob", "bob-password", is_admin=True)
    return eng


@pytest.fixture
def keys(engine: Engine, tmp_path: Path) -> AccessKeys:
    return AccessKeys.in_state_dir(engine, tmp_path)


def test_a_new_key_has_aws_shapes_and_its_secret_is_shown_once(keys: AccessKeys) -> None:
    made = keys.create("alice")
    assert KEY_ID.fullmatch(made.key.id) and len(made.key.id) == 20
    assert len(made.secret) == 40 and made.secret not in repr(made)
    assert made.key.user == "alice" and made.key.created.tzinfo is not None
    listed = keys.list("alice")
    assert listed == [made.key]
    assert made.secret not in repr(listed)
    assert keys.secret_for(made.key.id) == made.secret
    other = keys.create("alice")
    assert other.key.id != made.key.id and other.secret != made.secret
    assert [k.id for k in keys.list("alice")] == [made.key.id, other.key.id]
    assert keys.list("bob") == []


def test_the_secret_is_stored_sealed_never_in_clear(keys: AccessKeys, engine: Engine, tmp_path: Path) -> None:
    made = keys.create("alice")
    with read_session(engine) as s:
        sealed = s.scalars(select(AccessKeyRow.secret_sealed)).one()
    assert made.secret not in sealed
    engine.dispose()  # the WAL's contents reach the database file
    for path in tmp_path.glob("hearth.db*"):
        assert made.secret.encode() not in path.read_bytes(), path


def test_the_key_file_is_made_once_0600_and_reused(engine: Engine, tmp_path: Path) -> None:
    key_file = tmp_path / KEY_FILE
    assert not key_file.exists()
    made = AccessKeys.in_state_dir(engine, tmp_path).create("alice")
    info = key_file.stat()
    assert stat.S_IMODE(info.st_mode) == 0o600 and info.st_uid == os.geteuid()
    content = key_file.read_bytes()
    again = AccessKeys.in_state_dir(engine, tmp_path)  # another process, later
    assert again.secret_for(made.key.id) == made.secret
    again.create("bob")
    assert key_file.read_bytes() == content
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no draft left


def test_the_key_file_is_private_whatever_the_umask(engine: Engine, tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        AccessKeys.in_state_dir(engine, tmp_path / "new-state").create("alice")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new-state" / KEY_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "new-state").stat().st_mode) == 0o700


def test_processes_racing_to_make_the_key_file_agree_on_one(tmp_path: Path) -> None:
    boxes = [SecretBox.in_state_dir(tmp_path) for _ in range(8)]
    sealed: dict[int, str] = {}
    start = threading.Barrier(len(boxes))

    def seal(i: int) -> None:
        start.wait()
        sealed[i] = boxes[i].seal("AKIA" + str(i), f"secret-{i}")

    threads = [threading.Thread(target=seal, args=(i,)) for i in range(len(boxes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(len(boxes)):
        for box in boxes:
            assert box.open("AKIA" + str(i), sealed[i]) == f"secret-{i}"


def test_a_key_file_others_could_read_is_refused_with_the_fix(engine: Engine, tmp_path: Path) -> None:
    made = AccessKeys.in_state_dir(engine, tmp_path).create("alice")
    key_file = tmp_path / KEY_FILE
    key_file.chmod(0o644)
    with pytest.raises(HearthError) as caught:
        AccessKeys.in_state_dir(engine, tmp_path).secret_for(made.key.id)
    assert str(key_file) in caught.value.message and "0644" in caught.value.message
    assert f"chmod 600 {key_file}" in caught.value.message
    key_file.chmod(0o600)
    assert AccessKeys.in_state_dir(engine, tmp_path).secret_for(made.key.id) == made.secret


def test_a_key_file_of_another_user_is_refused(engine: Engine, tmp_path: Path) -> None:
    AccessKeys.in_state_dir(engine, tmp_path).create("alice")
    key_file = tmp_path / KEY_FILE
    other = 65534 if os.geteuid() != 65534 else 65533
    if os.geteuid() == 0:
        os.chown(key_file, other, -1)
        with pytest.raises(HearthError, match=f"belongs to uid {other}"):
            AccessKeys.in_state_dir(engine, tmp_path).create("alice")
    else:  # only root can give a file away; a file we cannot read is refused all the same
        key_file.chmod(0)
        with pytest.raises(HearthError, match="cannot be read"):
            AccessKeys.in_state_dir(engine, tmp_path).create("alice")


def test_a_key_file_that_is_no_key_is_refused(engine: Engine, tmp_path: Path) -> None:
    key_file = tmp_path / KEY_FILE
    key_file.write_text("not a key\n")
    key_file.chmod(0o600)
    with pytest.raises(HearthError, match="does not hold a Fernet key"):
        AccessKeys.in_state_dir(engine, tmp_path).create("alice")


def test_a_replaced_key_file_is_a_clear_error_not_a_traceback(engine: Engine, tmp_path: Path) -> None:
    made = AccessKeys.in_state_dir(engine, tmp_path).create("alice")
    (tmp_path / KEY_FILE).unlink()
    with pytest.raises(HearthError) as caught:
        AccessKeys.in_state_dir(engine, tmp_path).secret_for(made.key.id)
    assert made.key.id in caught.value.message and "key file replaced" in caught.value.message


def test_a_sealed_secret_opens_only_for_the_key_it_was_sealed_for(keys: AccessKeys, engine: Engine) -> None:
    first, second = keys.create("alice"), keys.create("alice")
    with engine.begin() as conn:  # someone with write access to the database swaps the secrets
        sealed = conn.execute(
            text("SELECT secret_sealed FROM access_keys WHERE id = :id"), {"id": first.key.id}
        ).scalar_one()
        conn.execute(
            text("UPDATE access_keys SET secret_sealed = :s WHERE id = :id"),
            {"s": sealed, "id": second.key.id},
        )
    assert keys.secret_for(first.key.id) == first.secret
    with pytest.raises(HearthError, match=second.key.id):
        keys.secret_for(second.key.id)


def test_lookups_of_unknown_or_malformed_ids_find_nothing(keys: AccessKeys) -> None:
    assert keys.secret_for("AKIAAAAAAAAAAAAAAAAA") is None
    assert keys.caller_for("AKIAAAAAAAAAAAAAAAAA") is None
    assert keys.secret_for("not-a-key-id") is None and keys.secret_for("") is None


def test_the_caller_of_a_key_is_its_user(keys: AccessKeys, engine: Engine) -> None:
    alice, bob = keys.create("alice"), keys.create("bob")
    alice_caller = keys.caller_for(alice.key.id)
    assert alice_caller == Caller(user_id=alice.key.owner_id, is_admin=False)
    assert keys.caller_for(bob.key.id) == Caller(user_id=bob.key.owner_id, is_admin=True)


def test_unknown_users_and_keys_are_named_in_the_error(keys: AccessKeys) -> None:
    with pytest.raises(NotFound, match="no user named 'carol'"):
        keys.create("carol")
    with pytest.raises(NotFound, match="no user named 'carol'"):
        keys.list("carol")
    bobs = keys.create("bob")
    with pytest.raises(NotFound, match=f"user 'alice' has no access key {bobs.key.id}"):
        keys.delete("alice", bobs.key.id)  # not alice's to delete
    assert keys.secret_for(bobs.key.id) == bobs.secret
    with pytest.raises(ValidationError, match="'AKIA-nope' is not AKIA followed by 16"):
        keys.delete("bob", "AKIA-nope")


def test_a_deleted_key_is_refused_from_the_next_request(keys: AccessKeys, engine: Engine) -> None:
    made = keys.create("alice")

    def signed() -> object:
        request = sign(data={"Action": "DescribeRegions"}, key_id=made.key.id, secret=made.secret)
        return verify(request, keys.secret_for, now=signed_at(request))

    assert signed()
    epoch = EpochWatch(engine)
    try:
        before = epoch.current()
        assert keys.delete("alice", made.key.id) == made.key
        assert epoch.current() != before  # a server caching anything about the key notices
    finally:
        epoch.close()
    with pytest.raises(SignatureRefused) as caught:
        signed()
    assert caught.value.code is AuthCode.auth_failure
    assert keys.list("alice") == [] and keys.caller_for(made.key.id) is None
    with pytest.raises(NotFound):
        keys.delete("alice", made.key.id)


def test_a_key_signed_with_the_wrong_secret_does_not_match(keys: AccessKeys) -> None:
    made = keys.create("alice")
    request = sign(data={"Action": "DescribeRegions"}, key_id=made.key.id, secret=made.secret[::-1])
    with pytest.raises(SignatureRefused) as caught:
        verify(request, keys.secret_for, now=signed_at(request))
    assert caught.value.code is AuthCode.signature_does_not_match


def test_keys_go_with_their_user_and_do_not_hold_the_user_back(keys: AccessKeys, engine: Engine) -> None:
    made = keys.create("alice")
    with read_session(engine) as s:
        assert owned_resources(s, made.key.owner_id) == {}  # credentials, not resources
    delete_user(engine, "alice")  # not refused for owning keys
    assert keys.secret_for(made.key.id) is None
    with read_session(engine) as s:
        assert s.scalars(select(AccessKeyRow)).all() == []
