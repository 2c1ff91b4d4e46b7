"""Keys: generate (private half shown once), import with validation, list, delete, use at create."""

from __future__ import annotations

import pytest

from hearth.drivers import Feature, Operation
from hearth.drivers.resources import InstanceCreate, KeyCreate, KeyImport, KeyKind, parse_request
from hearth.drivers.sshkeys import generate, parse_public_key
from hearth.errors import Conflict, NotFound, ValidationError

from .helpers import DriverCase, boot, serves


def test_create_returns_the_private_key_once(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    if not serves(d, Operation.keys_create, lambda: d.create_key(alice, KeyCreate(name="k"))):
        return
    made = d.create_key(alice, KeyCreate(name="laptop"))
    assert made.private_key.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert made.kind is KeyKind.ssh_ed25519
    assert parse_public_key(made.public_key).fingerprint == made.fingerprint
    listed = {k.id: k for k in d.list_keys(alice)}
    assert made.id in listed
    for shown in (listed[made.id], d.get_key(alice, made.id)):
        assert "private_key" not in shown.model_dump()
        assert made.private_key not in shown.model_dump_json()
    rsa = d.create_key(alice, KeyCreate(name="old-school", kind=KeyKind.ssh_rsa))
    assert rsa.public_key.startswith("ssh-rsa ")
    with pytest.raises(Conflict):
        d.create_key(alice, KeyCreate(name="laptop"))
    assert (
        d.create_key(case.bob, KeyCreate(name="laptop")).owner_id == case.bob.user_id
    )  # names are per owner
    d.delete_key(alice, made.id)
    with pytest.raises(NotFound):
        d.get_key(alice, made.id)


def test_import_validates_the_public_key(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    pub = generate().public
    if not serves(
        d, Operation.keys_import, lambda: d.import_key(alice, KeyImport(name="k", public_key=pub.openssh))
    ):
        return
    key = d.import_key(alice, KeyImport(name="imported", public_key=pub.openssh + " me@host\n"))
    assert key.public_key == pub.openssh and key.fingerprint == pub.fingerprint
    for garbage in (
        "hello",
        "ssh-ed25519 !!!notbase64",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIQ==",  # truncated key data
        "ssh-dss AAAAB3NzaC1kc3MAAACBAP",  # unsupported type
        pub.openssh + "\n" + pub.openssh,  # two keys
    ):
        with pytest.raises(ValidationError):
            d.import_key(alice, KeyImport(name="bad", public_key=garbage))
    with pytest.raises(ValidationError):
        parse_request(KeyImport, {"name": "no spaces allowed", "public_key": pub.openssh})
    assert [k.name for k in d.list_keys(alice)] == ["imported"]


def test_instances_reference_keys_by_name(case: DriverCase) -> None:
    d, alice = case.driver, case.alice
    if Feature.authentication_key not in d.capabilities().features:
        return  # refusal covered by test_every_undeclared_feature_is_refused_as_not_supported
    d.import_key(alice, KeyImport(name="deploy", public_key=generate().public.openssh))
    inst = boot(case, key_name="deploy")
    assert inst.key_name == "deploy"
    with pytest.raises(NotFound):
        d.create_instance(alice, InstanceCreate(image_id=case.image_id, hwp_id=case.hwp_id, key_name="nope"))
    with pytest.raises(NotFound):  # another tenant's key name is not usable
        d.create_instance(
            case.bob, InstanceCreate(image_id=case.image_id, hwp_id=case.hwp_id, key_name="deploy")
        )
