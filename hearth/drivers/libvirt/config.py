"""How a libvirt driver is set up: which hosts (realms), where its files live, what it may touch."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from hearth.errors import ValidationError

_REALM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_PREFIX = re.compile(r"^[a-z][a-z0-9-]{0,30}-$")
ACCEL_ENV = "HEARTH_ACCEL"


@dataclass(frozen=True)
class Host:
    """One libvirt connection; its ``realm`` id is what users see and choose."""

    realm: str
    uri: str

    def __post_init__(self) -> None:
        if not _REALM.match(self.realm):
            raise ValidationError(f"realm name {self.realm!r} must be letters, digits, '.', '_' or '-'")
        if "://" not in self.uri:
            raise ValidationError(f"{self.uri!r} is not a libvirt URI such as qemu:///system")

    @property
    def is_local(self) -> bool:
        """True when files the driver writes here are what the hypervisor sees (no remote host)."""
        return not urlsplit(self.uri).hostname


def realm_for(uri: str) -> str:
    """A readable default realm id for a URI: the remote host name, else "local"."""
    host = urlsplit(uri).hostname
    return re.sub(r"[^A-Za-z0-9._-]", "-", host)[:63] if host else "local"


@dataclass(frozen=True)
class LibvirtConfig:
    """``prefix`` names every domain, volume and network this driver creates, so several drivers
    (or test sessions) can share a host and each only ever manages its own objects."""

    hosts: tuple[Host, ...]
    state_dir: Path
    prefix: str = "hearth-"
    pool: str | None = None  # an existing pool for images and disks; else one is made under state_dir
    shared_networks: tuple[str, ...] = ("default",)  # host networks offered to every tenant
    accel: str | None = None  # "tcg" forces QEMU emulation; None reads HEARTH_ACCEL
    graceful_retry_seconds: float = 2.0  # how often a graceful stop presses the power button again
    # Where kernels, initrds and ISOs named in a request (a template's spec) may come from.
    file_roots: tuple[Path, ...] = (
        Path("/boot"),
        Path("/var/lib/libvirt/boot"),
        Path("/var/lib/libvirt/images"),
    )

    def __post_init__(self) -> None:
        if not self.hosts:
            raise ValidationError("the libvirt driver needs at least one host URI")
        realms = [h.realm for h in self.hosts]
        if len(set(realms)) != len(realms):
            raise ValidationError(f"realm names must be unique, got {', '.join(realms)}")
        if not _PREFIX.match(self.prefix):
            raise ValidationError(
                f"prefix {self.prefix!r} must be lower-case letters, digits, '-' and end in '-'"
            )

    @classmethod
    def for_uris(cls, uris: list[str], state_dir: Path, **kwargs: object) -> LibvirtConfig:
        hosts = []
        seen: dict[str, int] = {}
        for uri in uris:
            realm = realm_for(uri)
            seen[realm] = seen.get(realm, 0) + 1
            hosts.append(Host(realm if seen[realm] == 1 else f"{realm}-{seen[realm]}", uri))
        return cls(hosts=tuple(hosts), state_dir=state_dir, **kwargs)  # type: ignore[arg-type]

    def check_host_file(self, label: str, path: str) -> str:
        """A request's host path, resolved (symlinks too) and inside one of ``file_roots`` or the
        state dir; anything else is refused before it is opened, so a guest cannot read host files."""
        try:
            real = Path(path).resolve(strict=True)
        except (OSError, RuntimeError):
            raise ValidationError(f"{label} {path!r} does not exist", **{label: path}) from None
        roots = [*self.file_roots, self.state_dir]
        if not any(real.is_relative_to(r.resolve()) for r in roots):
            allowed = ", ".join(str(r) for r in roots)
            raise ValidationError(
                f"{label} {path!r} is outside the allowed directories ({allowed})", **{label: path}
            )
        if not real.is_file():
            raise ValidationError(f"{label} {path!r} is not a file", **{label: path})
        return str(real)

    @property
    def forced_tcg(self) -> bool:
        return (self.accel or os.environ.get(ACCEL_ENV, "")).lower() == "tcg"
