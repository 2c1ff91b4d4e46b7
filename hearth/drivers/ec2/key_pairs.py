"""Hearth keys as EC2 key pairs: a key is pushed to EC2 when an instance first needs it.

EC2 key pair names are per account while Hearth's key names are per user, so a pair is named
for the key's Hearth id, not its name.
"""

from __future__ import annotations

from hearth.errors import NotFound

from ..caller import Caller
from .context import Ec2Context
from .tags import name_tags

KEY_PAIR_PREFIX = "hearth-"


def pair_name(key_id: str) -> str:
    return KEY_PAIR_PREFIX + key_id


def key_pair(context: Ec2Context, caller: Caller, key_name: str) -> str:
    """The EC2 key pair holding the caller's key ``key_name``, imported on first use."""
    key = context.keys.by_name(caller, key_name)
    pair = pair_name(key.id)
    try:
        context.cloud.call(f"reading key pair of key {key_name!r}", "describe_key_pairs", KeyNames=[pair])
    except NotFound:
        context.cloud.call(
            f"importing key {key_name!r}",
            "import_key_pair",
            KeyName=pair,
            PublicKeyMaterial=key.public_key.encode(),
            TagSpecifications=name_tags("key-pair", key_name),
        )
    return pair
