"""The libvirt driver's hardware profiles: a fixed set, like a cloud's flavours.

Sizes are small on purpose: a profile is what a guest gets, and the test guest (and most
cloud images) boot fine in 256 MiB. ``opaque`` leaves memory and CPUs to the designer, which
takes them from the OS's osinfo recommendations.
"""

from __future__ import annotations

from hearth.drivers.profiles import fixed
from hearth.errors import NotFound

from ..caller import SYSTEM_OWNER
from ..resources import HWP_UNITS, HardwareProfile, HwpProperty, HwpPropertyName, PropertyKind
from .context import EPOCH

M, C, S, A = (
    HwpPropertyName.memory,
    HwpPropertyName.cpu,
    HwpPropertyName.storage,
    HwpPropertyName.architecture,
)


_PROFILES: dict[str, dict[HwpPropertyName, HwpProperty]] = {
    "small": {M: fixed(M, 256), C: fixed(C, 1), S: fixed(S, 1), A: fixed(A, "x86_64")},
    "medium": {M: fixed(M, 2048), C: fixed(C, 2), S: fixed(S, 20), A: fixed(A, "x86_64")},
    "flexible": {
        M: HwpProperty(kind=PropertyKind.range, unit=HWP_UNITS[M], value=512, first=128, last=4096, step=128),
        C: HwpProperty(kind=PropertyKind.enum, unit=HWP_UNITS[C], value=1, values=[1, 2, 4]),
        S: HwpProperty(kind=PropertyKind.range, unit=HWP_UNITS[S], value=2, first=1, last=200),
        A: fixed(A, "x86_64"),
    },
    "opaque": {},
}

HARDWARE_PROFILES: dict[str, HardwareProfile] = {
    name: HardwareProfile(id=name, name=name, owner_id=SYSTEM_OWNER, created=EPOCH, properties=props)
    for name, props in _PROFILES.items()
}


def hardware_profile(hwp_id: str) -> HardwareProfile:
    """The profile by id (the catalogue lists it, an instance create asks for it); NotFound else."""
    hwp = HARDWARE_PROFILES.get(hwp_id)
    if hwp is None:
        raise NotFound(f"hardware profile {hwp_id} not found", kind="hardware profile", id=hwp_id)
    return hwp
