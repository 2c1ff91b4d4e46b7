"""The hardware profiles of the backends that define their own: one table, differences as data.

Profile names are the same on every backend (templates, scripts and the UI name them), and so
are the numbers unless a backend has a reason to differ; each difference is written below with
its reason. A cloud backend (EC2) offers the cloud's instance types instead and is not here.
"""

from __future__ import annotations

from functools import cache

from hearth.errors import NotFound

from .caller import EPOCH, SYSTEM_OWNER, Caller
from .parts import HardwareProfilesPart
from .profiles import fixed, one_of, ranged
from .resources import HardwareProfile, HwpProperty, HwpPropertyName

M, C, S, A = (
    HwpPropertyName.memory,
    HwpPropertyName.cpu,
    HwpPropertyName.storage,
    HwpPropertyName.architecture,
)
Properties = dict[HwpPropertyName, HwpProperty]


# Sizes are small on purpose: a profile is what a guest on this host gets, and the test guest
# (and most cloud images) boot in 256 MiB. ``opaque`` leaves memory and CPUs to the designer,
# which takes them from the OS's osinfo recommendations.
PROFILES: dict[str, Properties] = {
    "small": {M: fixed(M, 256), C: fixed(C, 1), S: fixed(S, 1), A: fixed(A, "x86_64")},
    "medium": {M: fixed(M, 2048), C: fixed(C, 2), S: fixed(S, 20), A: fixed(A, "x86_64")},
    "flexible": {
        M: ranged(M, 512, 128, 4096, 128),
        C: one_of(C, 1, [1, 2, 4]),
        S: ranged(S, 2, 1, 200),
        A: fixed(A, "x86_64"),
    },
    "opaque": {},
}

# What a backend shows instead, by driver name and profile; every entry says why.
DIFFERENCES: dict[str, dict[str, Properties]] = {
    # The mock runs no guest, so nothing bounds its sizes but realism: they are a cloud's
    # flavours (1 GiB, 4 GiB; 10 and 40 GB disks), what a client developed against the mock
    # will meet in production. They are also rows its stores were seeded with once, so a new
    # number here would make new stores disagree with every existing one.
    "mock": {
        "small": {M: fixed(M, 1024), S: fixed(S, 10)},
        "medium": {M: fixed(M, 4096), S: fixed(S, 40)},
        "flexible": {M: ranged(M, 1024, 512, 8192, 256), S: ranged(S, 20, 10, 200, 10)},
    },
}


def profile_properties(driver: str) -> dict[str, Properties]:
    """Every profile's properties as the ``driver`` backend offers them."""
    own = DIFFERENCES.get(driver, {})
    return {name: {**props, **own.get(name, {})} for name, props in PROFILES.items()}


@cache
def hardware_profiles(driver: str) -> tuple[HardwareProfile, ...]:
    """The ``driver`` backend's profiles, shared by every user (made once: they never change)."""
    return tuple(
        HardwareProfile(id=name, name=name, owner_id=SYSTEM_OWNER, created=EPOCH, properties=props)
        for name, props in profile_properties(driver).items()
    )


def hardware_profile(driver: str, hwp_id: str) -> HardwareProfile:
    """The profile by id (listed, or asked for by an instance create); NotFound else."""
    for profile in hardware_profiles(driver):
        if profile.id == hwp_id:
            return profile
    raise NotFound(f"hardware profile {hwp_id} not found", kind="hardware profile", id=hwp_id)


class TableHardwareProfiles(HardwareProfilesPart):
    """The hardware-profiles part of a backend that serves the table as it is (no rows of its own)."""

    def list_hardware_profiles(self, caller: Caller) -> list[HardwareProfile]:
        return list(hardware_profiles(self.driver.name))

    def get_hardware_profile(self, caller: Caller, hwp_id: str) -> HardwareProfile:
        return hardware_profile(self.driver.name, hwp_id)
