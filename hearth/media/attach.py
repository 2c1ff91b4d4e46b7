"""The libvirt ``<disk>`` of a removable drive holding local media, remote media, or nothing.

Remote media becomes a network disk that QEMU reads itself through its curl block driver
(protocol, name, query, host, port, plus sslverify, readahead and timeout), so an ISO is
never copied to the host unless the caller asked for the cache. Credentials in the URL are
refused by ``parse_url``: they would land in the domain XML and QEMU's command line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hearth.designer.sources import parse_url
from hearth.errors import ValidationError
from hearth.vocab.disk_devices import REMOVABLE, RemovableType

if TYPE_CHECKING:
    from hearth.domain.devices import Disk

MAX_READAHEAD = 1 << 30
MAX_TIMEOUT = 3600


@dataclass(frozen=True, slots=True)
class RemoteOptions:
    """Tuning of QEMU's curl driver; None leaves QEMU's default."""

    sslverify: bool = True
    readahead_bytes: int | None = None
    timeout_seconds: int | None = None

    def __post_init__(self) -> None:
        if self.readahead_bytes is not None and (
            not 0 < self.readahead_bytes <= MAX_READAHEAD or self.readahead_bytes % 512
        ):
            raise ValidationError(f"readahead must be a multiple of 512 bytes up to {MAX_READAHEAD}")
        if self.timeout_seconds is not None and not 0 < self.timeout_seconds <= MAX_TIMEOUT:
            raise ValidationError(f"timeout must be between 1 and {MAX_TIMEOUT} seconds")


def removable_disk(
    device: str,
    target_dev: str,
    bus: str | None,
    *,
    path: str | None = None,
    url: str | None = None,
    options: RemoteOptions | None = None,
) -> Disk:
    """A read-only cdrom/floppy on ``target_dev``; with neither path nor url the drive is empty.

    ``bus`` None leaves the bus to the hypervisor (libvirt derives it from the target's prefix).
    The domain model (and lxml) is loaded here, not with the module: the mock driver's drives
    hold no XML."""
    from hearth.domain.devices import Disk, DiskHost

    if device not in REMOVABLE:
        raise ValidationError(f"removable device must be {' or '.join(RemovableType)}, not {device!r}")
    if path is not None and url is not None:
        raise ValidationError("give a local path or a URL for the medium, not both")
    disk = Disk(type="file", device=device)
    disk.driver_name = "qemu"
    disk.driver_type = "raw"
    disk.target_dev = target_dev
    disk.target_bus = bus
    disk.readonly = True
    if url is None:
        disk.type = "file"
        if path is not None:
            if not path.startswith("/") or "\x00" in path:
                raise ValidationError("a local medium must be given by its absolute path")
            disk.source_file = path
        return disk
    src = parse_url(url)
    opts = options or RemoteOptions()
    disk.type = "network"
    disk.source_protocol = src.protocol
    disk.source_name = src.name
    disk.source_query = src.query
    disk.source_hosts.append(DiskHost(name=src.host, port=src.port))
    if src.protocol in ("https", "ftps"):
        disk.source_ssl_verify = opts.sslverify
    disk.source_readahead_bytes = opts.readahead_bytes
    disk.source_timeout_seconds = opts.timeout_seconds
    return disk


def medium_url(disk: Disk) -> str | None:
    """The URL a network ``<disk>`` reads (what ``removable_disk`` was given), None for any other.

    Credentials included, should a definition made elsewhere hold them: redact before showing it.
    """
    if disk.type != "network" or not disk.source_protocol or not disk.source_hosts:
        return None
    host = disk.source_hosts[0]
    port = f":{host.port}" if host.port else ""
    query = f"?{disk.source_query}" if disk.source_query else ""
    return f"{disk.source_protocol}://{host.name}{port}{disk.source_name or ''}{query}"


def qmp_medium(
    device_id: str, *, path: str | None = None, url: str | None = None, options: RemoteOptions | None = None
) -> dict[str, object]:
    """Arguments of QMP ``blockdev-change-medium`` putting local or remote media in drive ``device_id``.

    A remote medium is given as a ``json:`` filename naming QEMU's curl driver explicitly, so the
    URL is one JSON string value (never parsed as options) and readahead, timeout and sslverify
    travel with it.
    """
    if (path is None) == (url is None):
        raise ValidationError("give exactly one of a local path or a URL for the medium")
    args: dict[str, object] = {"id": device_id, "format": "raw", "read-only-mode": "read-only"}
    if path is not None:
        if not path.startswith("/") or "\x00" in path:
            raise ValidationError("a local medium must be given by its absolute path")
        args["filename"] = path
        return args
    assert url is not None
    src = parse_url(url)
    opts = options or RemoteOptions()
    file: dict[str, object] = {"driver": src.protocol, "url": url}
    if opts.readahead_bytes is not None:
        file["readahead"] = opts.readahead_bytes
    if opts.timeout_seconds is not None:
        file["timeout"] = opts.timeout_seconds
    if src.protocol in ("https", "ftps"):
        file["sslverify"] = opts.sslverify
    args["filename"] = "json:" + json.dumps({"file": file}, separators=(",", ":"))
    return args
