"""Password hashing with stdlib scrypt: per-user salt, self-describing string, constant-time check."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# scrypt cost: N=2**14, r=8, p=1 uses 16 MiB and tens of ms per check, which is what a login can afford.
N, R, P = 2**14, 8, 1
SALT_BYTES = 16
KEY_BYTES = 32
_SCHEME = "scrypt"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=128 * r * (n + p + 2), dklen=KEY_BYTES
    )


def hash_password(password: str) -> str:
    """Return ``scrypt$n$r$p$salt$hash`` (base64); the parameters travel with the hash."""
    salt = secrets.token_bytes(SALT_BYTES)
    return "$".join([_SCHEME, str(N), str(R), str(P), _b64(salt), _b64(_derive(password, salt, N, R, P))])


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != _SCHEME:
            return False
        expected = base64.b64decode(digest, validate=True)
        actual = _derive(password, base64.b64decode(salt, validate=True), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


# Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
DUMMY_HASH = hash_password(secrets.token_hex(16))
