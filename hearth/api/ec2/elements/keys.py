"""Key pairs as EC2 shows them: named by the caller, with an id of EC2's shape."""

from __future__ import annotations

from hearth.drivers.resources import Key, KeyKind

from ..ids import IdMap, Kind
from ..render import Value

KEY_TYPES = {KeyKind.ssh_rsa: "rsa", KeyKind.ssh_ed25519: "ed25519"}


def key_body(key: Key, ids: IdMap, public: bool = False) -> dict[str, Value]:
    return {
        "keyPairId": ids.ec2(Kind.key, key.id),
        "keyName": key.name,
        "keyFingerprint": key.fingerprint,
        "keyType": KEY_TYPES.get(key.kind),
        "createTime": key.created,
        "publicKey": key.public_key if public else None,
        "tagSet": [],
    }
