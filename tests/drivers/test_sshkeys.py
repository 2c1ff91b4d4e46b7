"""SSH key generation and validation, cross-checked against OpenSSH's own ssh-keygen."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest

from hearth.drivers.resources import KeyKind
from hearth.drivers.sshkeys import generate, parse_public_key
from hearth.errors import ValidationError


@pytest.mark.parametrize("kind", [KeyKind.ssh_ed25519, KeyKind.ssh_rsa])
def test_generated_keys_are_accepted_by_ssh_keygen(kind: KeyKind, tmp_path: Path) -> None:
    pair = generate(kind)
    priv = tmp_path / "id"
    priv.write_text(pair.private_openssh)
    priv.chmod(0o600)
    derived = subprocess.run(
        ["ssh-keygen", "-y", "-f", str(priv)], capture_output=True, text=True, check=True
    )
    assert derived.stdout.split()[:2] == pair.public.openssh.split()
    (tmp_path / "id.pub").write_text(pair.public.openssh + "\n")
    fp = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(tmp_path / "id.pub")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert fp.stdout.split()[1] == pair.public.fingerprint


def test_a_label_that_does_not_match_the_key_data_is_refused() -> None:
    ed = generate().public.openssh.split()[1]
    with pytest.raises(ValidationError, match="ssh-rsa public key data is not valid"):
        parse_public_key(f"ssh-rsa {ed}")


def test_short_rsa_keys_are_refused(tmp_path: Path) -> None:
    key = tmp_path / "short"
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "1024", "-N", "", "-f", str(key)], check=True)
    with pytest.raises(ValidationError, match="at least 2048 bits, this one has 1024"):
        parse_public_key(key.with_suffix(".pub").read_text())


def test_ecdsa_keys_from_ssh_keygen_are_accepted(tmp_path: Path) -> None:
    key = tmp_path / "ec"
    subprocess.run(["ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", str(key)], check=True)
    parsed = parse_public_key(key.with_suffix(".pub").read_text())
    assert parsed.kind is KeyKind.ecdsa_sha2_nistp256
    assert parsed.openssh == " ".join(key.with_suffix(".pub").read_text().split()[:2])


def test_non_base64_and_non_ascii_are_refused() -> None:
    for text in ("ssh-ed25519 ÄÖÜ", "ssh-ed25519 " + base64.b64encode(b"junk").decode(), ""):
        with pytest.raises(ValidationError):
            parse_public_key(text)
