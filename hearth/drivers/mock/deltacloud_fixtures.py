"""Deltacloud's mock fixtures as facts: what its mock driver served, for ``--seed deltacloud``.

Deltacloud's live test suite was written against its mock driver and expects that driver's
catalogue (images img1..img3, realms us/eu, profiles m1-small..opaque, instances inst0..inst2
owned by ``mockuser``, a key, volumes and snapshots). These tables restate those facts in
Hearth's vocabulary, so the suite can run unchanged against a Hearth mock. Where Hearth's closed
vocabularies differ, the nearest Hearth value is used and the reason written down.
"""

from __future__ import annotations

from typing import NamedTuple

from hearth.store.demo import DELTACLOUD_USER
from hearth.vocab.instance_states import InstanceState

from ..profiles import fixed, one_of, ranged
from ..resources import Architecture, HwpProperty, HwpPropertyName, RealmState

# The account the suite logs in as; it owns the instances, img3, the key, volumes and snapshots.
USER = DELTACLOUD_USER.name
PASSWORD = DELTACLOUD_USER.password


class FixtureImage(NamedTuple):
    id: str
    description: str
    architecture: Architecture
    owned_by_user: bool  # img3 is mockuser's; img1/img2 belong to a third party (shared here)


# Deltacloud's i386 is not in Hearth's architecture set; i686 is the same 32-bit x86 family.
IMAGES: tuple[FixtureImage, ...] = (
    FixtureImage("img1", "Fedora 10", Architecture.x86_64, False),
    FixtureImage("img2", "Fedora 10", Architecture.i686, False),
    FixtureImage("img3", "JBoss", Architecture.i686, True),
)

# (id, name, state)
REALMS: tuple[tuple[str, str, RealmState], ...] = (
    ("us", "United States", RealmState.AVAILABLE),
    ("eu", "Europe", RealmState.AVAILABLE),
)

M, C, S, A = (
    HwpPropertyName.memory,
    HwpPropertyName.cpu,
    HwpPropertyName.storage,
    HwpPropertyName.architecture,
)
# Deltacloud's m1-small has 1.7 GiB (1740.8 MB); Hearth's sizes are whole megabytes.
HARDWARE_PROFILES: dict[str, dict[HwpPropertyName, HwpProperty]] = {
    "m1-small": {C: fixed(C, 1), M: fixed(M, 1741), S: fixed(S, 160), A: fixed(A, "i686")},
    "m1-large": {
        C: ranged(C, 1, 1, 6),
        M: ranged(M, 10240, 7680, 15360),
        S: one_of(S, 850, [850, 1024]),
        A: fixed(A, "x86_64"),
    },
    "m1-xlarge": {
        C: fixed(C, 4),
        M: ranged(M, 12288, 12288, 32768),
        S: one_of(S, 1024, [1024, 2048, 4096]),
        A: fixed(A, "x86_64"),
    },
    "opaque": {},  # a cloud that says nothing about its sizes
}


class FixtureInstance(NamedTuple):
    id: str
    name: str
    image_id: str
    hwp_id: str
    realm_id: str
    state: InstanceState
    hwp_overrides: dict[str, int]


INSTANCES: tuple[FixtureInstance, ...] = (
    FixtureInstance(
        "inst0",
        "Mock Instance With Profile Change",
        "img1",
        "m1-large",
        "us",
        InstanceState.RUNNING,
        {"memory": 12288},
    ),
    FixtureInstance("inst1", "MockUserInstance", "img3", "m1-small", "us", InstanceState.RUNNING, {}),
    FixtureInstance("inst2", "AnotherInstance", "img1", "m1-large", "us", InstanceState.RUNNING, {}),
)

# Deltacloud's test-key carried a (fake) private key; Hearth keeps public keys only, so the
# fixture is a public key made for it.
KEY_ID = "test-key"
KEY_PUBLIC = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJPwPAfa1mU7LnotJtwjOVx0+iCyN+JWQWSrMBqI6O1u test-key"


class FixtureVolume(NamedTuple):
    id: str
    capacity_gb: int
    realm_id: str
    instance_id: str | None
    device: str | None


# vol3 was attached as /dev/sda1 there; Hearth names whole devices, so it is ``sda``.
VOLUMES: tuple[FixtureVolume, ...] = (
    FixtureVolume("vol1", 1, "us", None, None),
    FixtureVolume("vol2", 1, "us", None, None),
    FixtureVolume("vol3", 1, "us", "inst1", "sda"),
)

# (id, volume id)
SNAPSHOTS: tuple[tuple[str, str], ...] = (("snap1", "vol1"), ("snap2", "vol2"), ("snap3", "vol2"))

# Deltacloud's public addresses: four unassociated IPv4 addresses whose id is the address.
ADDRESSES: tuple[str, ...] = ("192.168.0.1", "192.168.0.2", "192.168.0.3", "192.168.0.4")

# (id, name, address blocks); Deltacloud's networks are all UP, its subnets all PRIVATE.
NETWORKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("net1", "network1", ("192.168.0.0/16",)),
    ("net2", "network2", ("10.0.0.0/8",)),
)

# (id, network id, address block); a subnet's name is its id there.
SUBNETS: tuple[tuple[str, str, str], ...] = (
    ("subnet1", "net1", "192.168.1.0/24"),
    ("subnet2", "net1", "192.168.2.0/24"),
    ("subnet3", "net2", "10.1.0.0/16"),
    ("subnet4", "net2", "10.2.0.0/16"),
)


class FixtureNic(NamedTuple):
    instance_id: str
    mac: str
    network_id: str
    subnet_id: str
    ip_address: str


# nic1: inst1 on subnet1 with 192.168.1.2. Hearth keys a NIC by its instance and MAC, so the
# fixture gets a fixed MAC (Deltacloud's NICs had none). Deltacloud's nicinst3 belongs to an
# inst3 its fixtures carry but this catalogue does not, so it is left out.
NICS: tuple[FixtureNic, ...] = (FixtureNic("inst1", "52:54:00:00:00:01", "net1", "subnet1", "192.168.1.2"),)
