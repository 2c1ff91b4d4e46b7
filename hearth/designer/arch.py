"""Per-architecture platform facts the designer's policy depends on."""

from __future__ import annotations

import platform
from dataclasses import dataclass

from hearth.errors import ValidationError

_ALIASES = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64", "i386": "i686", "i586": "i686"}


@dataclass(frozen=True, slots=True)
class Platform:
    arch: str
    machine: str | None  # default machine; None means "x86: decide q35 vs pc from the OS"
    pcie: bool  # machine defaults to PCIe (root ports wanted for hotplug)
    graphics: bool  # a default display makes sense
    usb: bool
    efi_by_default: bool
    console_target: str | None  # console target type, None for libvirt's default (serial)

    @property
    def is_x86(self) -> bool:
        return self.arch in ("x86_64", "i686")


PLATFORMS: dict[str, Platform] = {
    "x86_64": Platform("x86_64", None, False, True, True, False, None),
    "i686": Platform("i686", None, False, True, True, False, None),
    "aarch64": Platform("aarch64", "virt", True, False, True, True, None),
    "armv7l": Platform("armv7l", "virt", True, False, True, False, None),
    "s390x": Platform("s390x", "s390-ccw-virtio", False, False, False, False, "sclp"),
    "ppc64le": Platform("ppc64le", "pseries", False, True, True, False, None),
    "ppc64": Platform("ppc64", "pseries", False, True, True, False, None),
    "riscv64": Platform("riscv64", "virt", True, False, True, False, None),
}


def normalise_arch(arch: str | None) -> str:
    name = (arch or platform.machine()).strip().lower()
    name = _ALIASES.get(name, name)
    if name not in PLATFORMS:
        raise ValidationError(
            f"unsupported architecture {arch!r}; known: {', '.join(sorted(PLATFORMS))}",
            allowed=sorted(PLATFORMS),
        )
    return name


def platform_for(arch: str | None) -> Platform:
    return PLATFORMS[normalise_arch(arch)]
