"""Keys: Hearth's shared key store, except that deleting a key deletes its EC2 key pair too
(so that operation calls EC2 and is not store-only)."""

from __future__ import annotations

from ..caller import Caller
from ..stored import StoredKeys
from .context import Ec2Context
from .key_pairs import pair_name


class Keys(StoredKeys):
    context: Ec2Context

    def delete_key(self, caller: Caller, key_id: str) -> None:
        self.context.keys.delete(caller, key_id)
        self.context.cloud.call(
            f"deleting the EC2 key pair of key {key_id}", "delete_key_pair", KeyName=pair_name(key_id)
        )
