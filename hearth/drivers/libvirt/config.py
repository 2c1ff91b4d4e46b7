"""How a libvirt driver is set up: which hosts (realms), where its files live, what it may touch."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hearth.errors import ValidationError

_REALM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_PREFIX = re.compile(r"^[a-z][a-z0-9-]{0,30}-$")
_POOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_OPTION_KEYS = {"name_prefix", "pool", "pool_path", "shared_networks", "file_roots", "nic_detach_seconds"}
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


DEFAULT_POOL = "default"
DEFAULT_POOL_PATH = "/var/lib/libvirt/images"  # where virt-install puts libvirt's default pool


@dataclass(frozen=True)
class LibvirtConfig:
    """``prefix`` starts the name of every domain, volume and network this driver creates, so a
    person on the host sees whose they are; ``server_id`` (written into each domain's metadata) is
    what decides which ones this server manages, so several servers can share a host."""

    hosts: tuple[Host, ...]
    state_dir: Path
    prefix: str = "hearth-"
    server_id: str | None = None  # None: the store's own id (hearth.store.identity)
    # The pool disks, images and seed ISOs go into; defined (a dir pool at pool_path, autostarted)
    # on a host that lacks it, as virt-install does with libvirt's "default" pool.
    pool: str = DEFAULT_POOL
    pool_path: str = DEFAULT_POOL_PATH
    shared_networks: tuple[str, ...] = ("default",)  # host networks offered to every tenant
    accel: str | None = None  # "tcg" forces QEMU emulation; None reads HEARTH_ACCEL
    graceful_retry_seconds: float = 2.0  # how often a graceful stop presses the power button again
    # How long a running guest has to release a removed NIC before it is listed in error.
    nic_detach_seconds: float = 30.0
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
                f"name prefix {self.prefix.rstrip('-')!r} must be 1-30 lower-case letters, digits or '-', "
                "starting with a letter"
            )
        if not _POOL.match(self.pool):
            raise ValidationError(f"pool name {self.pool!r} must be letters, digits, '.', '_' or '-'")

    @classmethod
    def from_options(
        cls, uris: list[str], state_dir: Path, options: Mapping[str, Any], server_id: str | None = None
    ) -> LibvirtConfig:
        """The config from the server's ``[libvirt]`` TOML table (``name_prefix``, ``pool``,
        ``pool_path``, ``shared_networks``, ``file_roots``, ``nic_detach_seconds``); unknown keys
        and wrong types refused."""
        kwargs: dict[str, object] = {"server_id": server_id}
        for key, value in options.items():
            if key not in _OPTION_KEYS:
                known = ", ".join(sorted(_OPTION_KEYS))
                raise ValidationError(f"[libvirt] has no key {key!r} (known: {known})", key=key)
            if key in ("shared_networks", "file_roots"):
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ValidationError(f"[libvirt] {key} must be a list of strings", key=key)
                kwargs[key] = tuple(Path(v) for v in value) if key == "file_roots" else tuple(value)
            elif key == "nic_detach_seconds":
                if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 3600:
                    raise ValidationError(
                        f"[libvirt] {key} must be a number of seconds in (0, 3600]", key=key
                    )
                kwargs[key] = float(value)
            elif not isinstance(value, str) or not value:
                raise ValidationError(f"[libvirt] {key} must be a non-empty string", key=key)
            elif key == "name_prefix":
                kwargs["prefix"] = f"{value}-"
            else:
                if key == "pool_path" and not value.startswith("/"):
                    raise ValidationError(f"[libvirt] pool_path must be an absolute path, not {value!r}")
                kwargs[key] = value
        return cls.for_uris(uris, state_dir, **kwargs)

    @classmethod
    def for_uris(cls, uris: list[str], state_dir: Path, **kwargs: object) -> LibvirtConfig:
        hosts = []
        seen: dict[str, int] = {}
        for uri in uris:
            realm = realm_for(uri)
            seen[realm] = seen.get(realm, 0) + 1
            hosts.append(Host(realm if seen[realm] == 1 else f"{realm}-{seen[realm]}", uri))
        return cls(hosts=tuple(hosts), state_dir=state_dir, **kwargs)  # type: ignore[arg-type]

    def check_host_file(self, label: str, path: str, extra_roots: Sequence[Path] = ()) -> str:
        """A request's host path, resolved (symlinks too) and inside one of ``file_roots`` or
        ``extra_roots`` (the media sources); anything else is refused before it is opened, so a
        guest cannot read host files. The state dir is never one: it holds the server's secrets."""
        try:
            real = Path(path).resolve(strict=True)
        except (OSError, RuntimeError):
            raise ValidationError(f"{label} {path!r} does not exist", **{label: path}) from None
        roots = [*self.file_roots, *extra_roots]
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
