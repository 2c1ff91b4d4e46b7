"""``--seed deltacloud``: a new mock store holding Deltacloud's mock fixtures instead of Hearth's
own catalogue, so Deltacloud's live test suite finds what it was written against.

It seeds a new store only. A store that already holds a catalogue (any earlier start) is refused
rather than mixed with fixtures, and a store seeded with them once is left alone on every later
start, so what a test run deleted or created is never reset behind its back.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hearth.errors import Conflict
from hearth.store import write_session
from hearth.store.models import KeyRow, StoreMeta, User
from hearth.store.users import create_user
from hearth.vocab.nic_kinds import InterfaceType
from hearth.vocab.nic_models import DEFAULT_NIC_MODEL

from ..caller import SYSTEM_OWNER
from ..resources import ImageState, SnapshotState
from ..sshkeys import parse_public_key
from . import deltacloud_fixtures as fx
from .seed import CATALOGUE_MARKER, NETWORK_MARKER
from .tables import (
    MockAddress,
    MockBinding,
    MockHardwareProfile,
    MockImage,
    MockInstance,
    MockInterface,
    MockNetwork,
    MockRealm,
    MockSnapshot,
    MockSubnet,
    MockVolume,
)

MARKER = "mock_deltacloud_seeded"


def seed_deltacloud(engine: Engine) -> bool:
    """Seed the fixtures and the user ``mockuser`` into a new store; False when already seeded.

    Runs before the default seed, whose catalogue marker it sets, so the two never mix."""
    with write_session(engine) as s:
        if s.get(StoreMeta, MARKER) is not None:
            return False
        if s.get(StoreMeta, CATALOGUE_MARKER) is not None:
            raise Conflict(
                "--seed deltacloud seeds a new store only; this store already holds Hearth's "
                "catalogue (use a fresh --state-dir or --db)"
            )
    user_id = _user(engine)
    with write_session(engine) as s:
        _catalogue(s, user_id)
        _networking(s, user_id)
        s.add(StoreMeta(key=MARKER, value="1"))
        s.add(StoreMeta(key=CATALOGUE_MARKER, value="deltacloud"))
        s.add(StoreMeta(key=NETWORK_MARKER, value="deltacloud"))  # no "default": Deltacloud's only
    return True


def _user(engine: Engine) -> str:
    """The id of ``mockuser``, created unless an operator added the account beforehand."""
    with write_session(engine) as s:
        existing = s.scalars(select(User).where(User.name == fx.USER)).first()
        if existing is not None:
            return existing.id
    return create_user(engine, fx.USER, fx.PASSWORD).id


def _catalogue(s: Session, user_id: str) -> None:
    for image in fx.IMAGES:
        s.add(
            MockImage(
                id=image.id,
                name=image.id,
                owner_id=user_id if image.owned_by_user else SYSTEM_OWNER,
                description=image.description,
                state=ImageState.AVAILABLE.value,
                os=None,
                architecture=image.architecture.value,
            )
        )
    for realm_id, name, state in fx.REALMS:
        s.add(MockRealm(id=realm_id, name=name, owner_id=SYSTEM_OWNER, state=state.value, limit=None))
    for hwp_id, props in fx.HARDWARE_PROFILES.items():
        s.add(
            MockHardwareProfile(
                id=hwp_id,
                name=hwp_id,
                owner_id=SYSTEM_OWNER,
                properties={k.value: p.model_dump(mode="json", exclude_none=True) for k, p in props.items()},
            )
        )
    for inst in fx.INSTANCES:
        s.add(
            MockInstance(
                id=inst.id,
                name=inst.name,
                owner_id=user_id,
                state=inst.state.value,
                image_id=inst.image_id,
                realm_id=inst.realm_id,
                hwp_id=inst.hwp_id,
                hwp_overrides=dict(inst.hwp_overrides),
            )
        )
    s.flush()
    key = parse_public_key(fx.KEY_PUBLIC)
    s.add(
        KeyRow(
            id=fx.KEY_ID,
            name=fx.KEY_ID,
            owner_id=user_id,
            kind=key.kind.value,
            fingerprint=key.fingerprint,
            public_key=key.openssh,
        )
    )
    for vol in fx.VOLUMES:
        s.add(
            MockVolume(
                id=vol.id,
                name=vol.id,
                owner_id=user_id,
                capacity_gb=vol.capacity_gb,
                realm_id=vol.realm_id,
                instance_id=vol.instance_id,
                device=vol.device,
            )
        )
    s.flush()
    for snap_id, volume_id in fx.SNAPSHOTS:
        s.add(
            MockSnapshot(
                id=snap_id,
                name=snap_id,
                owner_id=user_id,
                volume_id=volume_id,
                state=SnapshotState.AVAILABLE.value,
            )
        )


def _networking(s: Session, user_id: str) -> None:
    """Deltacloud's addresses, networks, subnets and NICs, all ``mockuser``'s (Deltacloud's mock
    let that account delete them)."""
    for ip in fx.ADDRESSES:
        s.add(MockAddress(id=ip, name=ip, owner_id=user_id, ip_address=ip, instance_id=None))
    for net_id, name, blocks in fx.NETWORKS:
        s.add(MockNetwork(id=net_id, name=name, owner_id=user_id, address_blocks=list(blocks)))
    s.flush()
    for sub_id, net_id, block in fx.SUBNETS:
        s.add(MockSubnet(id=sub_id, name=sub_id, owner_id=user_id, network_id=net_id, address_block=block))
    s.flush()
    for nic in fx.NICS:
        s.add(
            MockBinding(
                instance_id=nic.instance_id,
                subnet_id=nic.subnet_id,
                network_id=nic.network_id,
                ip_address=nic.ip_address,
            )
        )
        s.add(
            MockInterface(
                instance_id=nic.instance_id,
                mac=nic.mac,
                type=InterfaceType.network.value,
                source=nic.network_id,
                mode=None,
                model=DEFAULT_NIC_MODEL.value,
                subnet_id=nic.subnet_id,
            )
        )
