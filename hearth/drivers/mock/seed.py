"""The mock's fixed catalogue, seeded once so a new user sees something real.

Catalogue ids are readable names ("small", "debian-12") because users type them in requests.
Each later addition (the default network, the pools) is seeded under its own marker, so stores
seeded before it existed get it once too.
"""

from __future__ import annotations

from sqlalchemy import Engine

from hearth.store import write_session
from hearth.store.models import StoreMeta
from hearth.store.users import seed_demo_users

from ..caller import SYSTEM_OWNER
from ..profile_catalogue import profile_properties
from ..resources import Architecture, ImageState, PoolState, PoolType, RealmState
from .tables import MockHardwareProfile, MockImage, MockNetwork, MockPool, MockRealm, MockSubnet

CATALOGUE_MARKER = "mock_catalogue_seeded"  # also set by the deltacloud seed, in its place
_SEEDED = CATALOGUE_MARKER
NETWORK_MARKER = "mock_default_network_seeded"  # also set by the deltacloud seed: its networks only
_POOLS_SEEDED = "mock_pools_seeded"
# A shared network called "default", like libvirt's, so templates naming it work on the mock too.
DEFAULT_NETWORK = ("default", "192.168.122.0/24")


IMAGES: tuple[tuple[str, str, str], ...] = (
    ("debian-12", "debian12", "Debian 12 (bookworm) generic cloud image"),
    ("fedora-40", "fedora40", "Fedora 40 Cloud Base"),
    ("alpine-3.19", "alpine3.19", "Alpine Linux 3.19 virt"),
)
REALMS: tuple[tuple[str, RealmState], ...] = (
    ("local", RealmState.AVAILABLE),
    ("remote", RealmState.UNAVAILABLE),
)
# The shared table, with the mock's own sizes (the reason is written there).
HARDWARE_PROFILES = profile_properties("mock")
GIB = 1024**3
# ``default`` (a dir pool in realm ``local``) is where template disks go when they name no pool;
# ``archive`` sits in the unavailable realm and is inactive, so refusals can be seen too.
# (id, type, state, capacity GiB, allocation GiB, path, realm)
POOLS: tuple[tuple[str, PoolType, PoolState, int, int, str | None, str], ...] = (
    ("default", PoolType.dir, PoolState.ACTIVE, 500, 120, "/var/lib/hearth/mock/pools/default", "local"),
    ("archive", PoolType.netfs, PoolState.INACTIVE, 2048, 0, "/var/lib/hearth/mock/pools/archive", "remote"),
)


def seed(engine: Engine) -> bool:
    """Seed the catalogue and the demo users on the first start only; later starts change nothing
    (an admin who deletes a seeded image does not see it come back)."""
    seed_demo_users(engine)
    _seed_default_network(engine)
    _seed_pools(engine)
    with write_session(engine) as s:
        if s.get(StoreMeta, _SEEDED) is not None:
            return False
        for name, os_id, description in IMAGES:
            s.add(
                MockImage(
                    id=name,
                    name=name,
                    owner_id=SYSTEM_OWNER,
                    description=description,
                    state=ImageState.AVAILABLE.value,
                    os=os_id,
                    architecture=Architecture.x86_64.value,
                )
            )
        for name, state in REALMS:
            s.add(MockRealm(id=name, name=name, owner_id=SYSTEM_OWNER, state=state.value, limit=None))
        for name, props in HARDWARE_PROFILES.items():
            s.add(
                MockHardwareProfile(
                    id=name,
                    name=name,
                    owner_id=SYSTEM_OWNER,
                    properties={
                        k.value: p.model_dump(mode="json", exclude_none=True) for k, p in props.items()
                    },
                )
            )
        s.add(StoreMeta(key=_SEEDED, value="1"))
    return True


def _seed_default_network(engine: Engine) -> None:
    name, block = DEFAULT_NETWORK
    with write_session(engine) as s:
        if s.get(StoreMeta, NETWORK_MARKER) is not None:
            return
        if s.get(MockNetwork, name) is None:
            s.add(MockNetwork(id=name, name=name, owner_id=SYSTEM_OWNER, address_blocks=[block]))
            s.flush()
            s.add(MockSubnet(id=name, name=name, owner_id=SYSTEM_OWNER, network_id=name, address_block=block))
        s.add(StoreMeta(key=NETWORK_MARKER, value="1"))


def _seed_pools(engine: Engine) -> None:
    with write_session(engine) as s:
        if s.get(StoreMeta, _POOLS_SEEDED) is not None:
            return
        for pool_id, kind, state, capacity, allocation, path, realm in POOLS:
            if s.get(MockPool, pool_id) is None:
                s.add(
                    MockPool(
                        id=pool_id,
                        name=pool_id,
                        owner_id=SYSTEM_OWNER,
                        type=kind.value,
                        state=state.value,
                        capacity_bytes=capacity * GIB,
                        allocation_bytes=allocation * GIB,
                        path=path,
                        realm_id=realm,
                    )
                )
        s.add(StoreMeta(key=_POOLS_SEEDED, value="1"))
