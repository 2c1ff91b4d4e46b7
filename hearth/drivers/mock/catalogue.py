"""The mock's fixed catalogue (seeded once, so a new user sees something real) and its read side.

Catalogue ids are readable names ("small", "debian-12") because users type them in requests.
"""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hearth.drivers.profiles import fixed
from hearth.errors import InvalidState, ValidationError
from hearth.store import new_id, write_session
from hearth.store.models import StoreMeta
from hearth.store.users import seed_demo_users

from ..caller import SYSTEM_OWNER, Caller, can_see, ensure_modifiable, ensure_visible
from ..host_files import import_files
from ..owned import visible_rows
from ..resources import (
    HWP_UNITS,
    Architecture,
    HardwareProfile,
    HwpProperty,
    HwpPropertyName,
    Image,
    ImageCreate,
    ImageImport,
    ImageState,
    InstanceState,
    PropertyKind,
    Realm,
    RealmState,
)
from ..row_models import image_model
from .core import MockBase, effective_state
from .pools import seed_pools
from .tables import MockHardwareProfile, MockImage, MockInstance, MockNetwork, MockRealm, MockSubnet

_SEEDED = "mock_catalogue_seeded"
_NETWORK_SEEDED = "mock_default_network_seeded"
# A shared network called "default", like libvirt's, so templates naming it work on the mock too.
DEFAULT_NETWORK = ("default", "192.168.122.0/24")
M, C, S, A = (
    HwpPropertyName.memory,
    HwpPropertyName.cpu,
    HwpPropertyName.storage,
    HwpPropertyName.architecture,
)


IMAGES: tuple[tuple[str, str, str], ...] = (
    ("debian-12", "debian12", "Debian 12 (bookworm) generic cloud image"),
    ("fedora-40", "fedora40", "Fedora 40 Cloud Base"),
    ("alpine-3.19", "alpine3.19", "Alpine Linux 3.19 virt"),
)
REALMS: tuple[tuple[str, RealmState], ...] = (
    ("local", RealmState.AVAILABLE),
    ("remote", RealmState.UNAVAILABLE),
)
HARDWARE_PROFILES: dict[str, dict[HwpPropertyName, HwpProperty]] = {
    "small": {M: fixed(M, 1024), C: fixed(C, 1), S: fixed(S, 10), A: fixed(A, "x86_64")},
    "medium": {M: fixed(M, 4096), C: fixed(C, 2), S: fixed(S, 40), A: fixed(A, "x86_64")},
    "flexible": {
        M: HwpProperty(
            kind=PropertyKind.range, unit=HWP_UNITS[M], value=1024, first=512, last=8192, step=256
        ),
        C: HwpProperty(kind=PropertyKind.enum, unit=HWP_UNITS[C], value=1, values=[1, 2, 4]),
        S: HwpProperty(kind=PropertyKind.range, unit=HWP_UNITS[S], value=20, first=10, last=200, step=10),
        A: fixed(A, "x86_64"),
    },
    "opaque": {},
}


def seed(engine: Engine) -> bool:
    """Seed the catalogue and the demo users on the first start only; later starts change nothing
    (an admin who deletes a seeded image does not see it come back)."""
    seed_demo_users(engine)
    _seed_default_network(engine)
    seed_pools(engine)
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
    """Seeded under its own marker, so stores seeded before the network existed get it once too."""
    name, block = DEFAULT_NETWORK
    with write_session(engine) as s:
        if s.get(StoreMeta, _NETWORK_SEEDED) is not None:
            return
        if s.get(MockNetwork, name) is None:
            s.add(MockNetwork(id=name, name=name, owner_id=SYSTEM_OWNER, address_blocks=[block]))
            s.flush()
            s.add(MockSubnet(id=name, name=name, owner_id=SYSTEM_OWNER, network_id=name, address_block=block))
        s.add(StoreMeta(key=_NETWORK_SEEDED, value="1"))


def realm_model(row: MockRealm) -> Realm:
    return Realm(
        id=row.id,
        name=row.name,
        owner_id=row.owner_id,
        created=row.created,
        state=RealmState(row.state),
        limit=row.limit,
    )


def hwp_model(row: MockHardwareProfile) -> HardwareProfile:
    return HardwareProfile.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "owner_id": row.owner_id,
            "created": row.created,
            "properties": row.properties,
        }
    )


class CatalogueOps(MockBase):
    # --- images -------------------------------------------------------------------------------

    def list_images(self, caller: Caller) -> list[Image]:
        q = visible_rows(MockImage, caller)
        with self._read() as s:
            return [image_model(r) for r in s.scalars(q)]

    def get_image(self, caller: Caller, image_id: str) -> Image:
        with self._read() as s:
            return image_model(self._image_row(s, caller, image_id))

    def create_image(self, caller: Caller, request: ImageCreate) -> Image:
        with self._write() as s:
            inst = s.get(MockInstance, request.instance_id, with_for_update=True)
            ensure_visible(caller, "instance", request.instance_id, inst.owner_id if inst else None)
            assert inst is not None
            state, _ = effective_state(inst.state, inst.next_state, inst.next_at, self.clock())
            if state is not InstanceState.STOPPED:
                raise InvalidState(
                    f"instance {inst.id} must be STOPPED to capture its disk; it is {state.value}",
                    instance=inst.id,
                    state=state.value,
                )
            source = s.get(MockImage, inst.image_id) if inst.image_id else None
            row = MockImage(
                id=new_id(),
                name=request.name,
                owner_id=caller.user_id,
                description=request.description,
                state=ImageState.AVAILABLE.value,
                os=source.os if source else None,
                architecture=source.architecture if source else Architecture.x86_64.value,
                source_instance=inst.id,
            )
            s.add(row)
            s.flush()
            return image_model(row)

    def import_image(self, caller: Caller, request: ImageImport) -> Image:
        """An admin's image from host files: checked like a real driver's, then only recorded."""
        import_files(caller, request)
        with self._write() as s:
            row = MockImage(
                id=new_id(),
                name=request.name,
                owner_id=SYSTEM_OWNER,
                description=request.description,
                state=ImageState.AVAILABLE.value,
                os=request.os,
                architecture=Architecture.x86_64.value,
                source_instance=None,
            )
            s.add(row)
            s.flush()
            return image_model(row)

    def delete_image(self, caller: Caller, image_id: str) -> None:
        with self._write() as s:
            row = s.get(MockImage, image_id)
            ensure_modifiable(caller, "image", image_id, row.owner_id if row else None)
            s.delete(row)

    def _image_row(self, s: Session, caller: Caller, image_id: str) -> MockImage:
        row = s.get(MockImage, image_id)
        ensure_visible(caller, "image", image_id, row.owner_id if row else None)
        assert row is not None
        return row

    # --- realms and hardware profiles ---------------------------------------------------------

    def list_realms(self, caller: Caller) -> list[Realm]:
        with self._read() as s:
            rows = s.scalars(select(MockRealm).order_by(MockRealm.id))
            return [realm_model(r) for r in rows if can_see(caller, r.owner_id)]

    def get_realm(self, caller: Caller, realm_id: str) -> Realm:
        with self._read() as s:
            return realm_model(self._realm_row(s, caller, realm_id))

    def _realm_row(self, s: Session, caller: Caller, realm_id: str) -> MockRealm:
        row = s.get(MockRealm, realm_id)
        ensure_visible(caller, "realm", realm_id, row.owner_id if row else None)
        assert row is not None
        return row

    def _default_realm(self, s: Session) -> MockRealm:
        q = select(MockRealm).where(MockRealm.state == RealmState.AVAILABLE.value).order_by(MockRealm.id)
        row = s.scalars(q).first()
        if row is None:
            raise InvalidState("no realm is available to place the instance in")
        return row

    def _usable_realm(self, s: Session, caller: Caller, realm_id: str | None) -> MockRealm:
        row = self._default_realm(s) if realm_id is None else self._realm_row(s, caller, realm_id)
        if row.state != RealmState.AVAILABLE.value:
            raise InvalidState(f"realm {row.id} is {row.state}; choose an AVAILABLE realm", realm=row.id)
        return row

    def list_hardware_profiles(self, caller: Caller) -> list[HardwareProfile]:
        with self._read() as s:
            return [
                hwp_model(r) for r in s.scalars(select(MockHardwareProfile).order_by(MockHardwareProfile.id))
            ]

    def get_hardware_profile(self, caller: Caller, hwp_id: str) -> HardwareProfile:
        with self._read() as s:
            row = s.get(MockHardwareProfile, hwp_id)
            ensure_visible(caller, "hardware profile", hwp_id, row.owner_id if row else None)
            assert row is not None
            return hwp_model(row)


def check_image_usable(image: MockImage) -> None:
    if image.state != ImageState.AVAILABLE.value:
        raise ValidationError(f"image {image.id} is {image.state}, not AVAILABLE", image=image.id)
