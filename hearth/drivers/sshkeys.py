"""SSH keypairs: generate, and validate imported public keys, with ``cryptography``.

Generating in-process avoids writing a private key to a temporary file for ssh-keygen; parsing
with a real decoder (not a regex) means garbage and truncated keys are refused before they are
stored and injected into a guest. ``cryptography`` is imported by the calls, not with the module
(~7 MiB of a server that is never asked for a key).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hearth.errors import ValidationError

from .resources import KeyKind

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

RSA_BITS = 3072
MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class PublicKey:
    kind: KeyKind
    openssh: str  # "<type> <base64>", comment dropped: the key's name identifies it
    fingerprint: str  # OpenSSH style: "SHA256:<base64 without padding>"


@dataclass(frozen=True)
class KeyPair:
    public: PublicKey
    private_openssh: str


def fingerprint(blob: bytes) -> str:
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def parse_public_key(text: str) -> PublicKey:
    """Validate one OpenSSH public key line; raise ValidationError saying what is wrong."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    if len(lines) != 1:
        raise ValidationError("give exactly one OpenSSH public key, on one line")
    parts = lines[0].split()
    if len(parts) < 2:
        raise ValidationError("a public key looks like 'ssh-ed25519 AAAA… [comment]'")
    try:
        kind = KeyKind(parts[0])
    except ValueError:
        known = ", ".join(k.value for k in KeyKind)
        raise ValidationError(f"unsupported key type {parts[0][:40]!r}; supported: {known}") from None
    try:
        blob = base64.b64decode(parts[1], validate=True)
        key = serialization.load_ssh_public_key(f"{parts[0]} {parts[1]}".encode("ascii"))
    except (ValueError, UnsupportedAlgorithm, UnicodeEncodeError):
        raise ValidationError(f"the {kind.value} public key data is not valid") from None
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise ValidationError(f"RSA keys must have at least {MIN_RSA_BITS} bits, this one has {key.key_size}")
    return PublicKey(kind=kind, openssh=f"{parts[0]} {parts[1]}", fingerprint=fingerprint(blob))


def generate(kind: KeyKind = KeyKind.ssh_ed25519) -> KeyPair:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    private: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if kind is KeyKind.ssh_ed25519:
        private = ed25519.Ed25519PrivateKey.generate()
    elif kind is KeyKind.ssh_rsa:
        private = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    else:
        raise ValidationError(f"cannot generate {kind.value} keys; choose ssh-ed25519 or ssh-rsa")
    public_line = (
        private.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode("ascii")
    )
    private_text = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode("ascii")
    return KeyPair(public=parse_public_key(public_line), private_openssh=private_text)
