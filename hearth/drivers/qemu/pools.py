"""The qemu driver's one storage pool: its state directory, where every disk it makes lives.

There is nothing to configure, so there is one pool, ``default`` (a dir pool); its figures are
the file system's (``statvfs``), the same numbers ``df`` shows. A template disk may name it (by
id or name, as listed) or leave the pool out; any other pool is refused naming it.
"""

from __future__ import annotations

import os
from pathlib import Path

from hearth.errors import BackendError

from ..caller import EPOCH, SYSTEM_OWNER, Caller
from ..parts import PoolsPart
from ..pools import named_pools, pool_by_id, usable_pool
from ..resources import InstanceSpec, PoolState, PoolType, StoragePool
from .catalogue import REALM_ID
from .context import QemuContext

POOL_ID = "default"


def state_pool(state_dir: Path) -> StoragePool:
    try:
        st = os.statvfs(state_dir)
    except OSError as exc:
        raise BackendError(f"cannot read the file system of {state_dir}: {exc.strerror}") from None
    return StoragePool(
        id=POOL_ID,
        name=POOL_ID,
        owner_id=SYSTEM_OWNER,
        created=EPOCH,
        type=PoolType.dir,
        state=PoolState.ACTIVE,
        capacity_bytes=st.f_blocks * st.f_frsize,
        allocation_bytes=(st.f_blocks - st.f_bfree) * st.f_frsize,
        available_bytes=st.f_bavail * st.f_frsize,
        path=str(state_dir),
        realm=REALM_ID,
    )


def check_disk_pools(spec: InstanceSpec, state_dir: Path) -> None:
    """Refuse a template disk naming any pool but the state directory's."""
    for ref in named_pools(spec):
        usable_pool([state_pool(state_dir)], ref, f"(the qemu driver has one pool, {POOL_ID})")


class Pools(PoolsPart):
    context: QemuContext

    def list_pools(self, caller: Caller) -> list[StoragePool]:
        return [state_pool(self.context.layout.state)]

    def get_pool(self, caller: Caller, pool_id: str) -> StoragePool:
        return pool_by_id(self.list_pools(caller), pool_id)
