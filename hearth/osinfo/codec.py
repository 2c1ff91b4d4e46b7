"""``OS`` objects to JSON arrays and back, checking every value on the way in.

Arrays in field order (not objects) keep the cache small and quick to parse; devices (a
few dozen, each shared by hundreds of OSes) are stored once in a table and referred to by
position. A cache file is data from disk, so decoding trusts nothing: a wrong shape or
type raises ``CorruptCache`` and the caller rebuilds from osinfo-db.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from hearth.osinfo.model import OS, Device, Firmware, Media, Resources

T = TypeVar("T")

# Field order of each array; a test holds these equal to the dataclasses' own fields.
FIELDS: dict[str, tuple[str, ...]] = {
    "Device": ("id", "name", "device_class", "bus_type", "vendor_id", "product_id", "driver"),
    "Resources": ("arch", "n_cpus", "cpu_hz", "ram_bytes", "storage_bytes"),
    "Firmware": ("arch", "type", "supported"),
    "Media": (
        "arch",
        "url",
        "volume_id",
        "publisher_id",
        "application_id",
        "system_id",
        "live",
        "installer",
        "id",
    ),
    "OS": (
        "id",
        "short_id",
        "name",
        "short_ids",
        "family",
        "distro",
        "vendor",
        "version",
        "release_date",
        "eol_date",
        "derives_from",
        "clones",
        "devices",
        "minimum",
        "recommended",
        "maximum",
        "network_install",
        "firmwares",
        "media",
        "kernel_url_arg",
    ),
}


class CorruptCache(Exception):
    """A cache file failed a check; it is rebuilt, never trusted."""


# --- encoding -------------------------------------------------------------------------


def encode_device(d: Device) -> list[object]:
    return [d.id, d.name, d.device_class, d.bus_type, d.vendor_id, d.product_id, d.driver]


def _encode_resources(r: Resources) -> list[object]:
    return [r.arch, r.n_cpus, r.cpu_hz, r.ram_bytes, r.storage_bytes]


def _encode_media(m: Media) -> list[object]:
    return [
        m.arch,
        m.url,
        m.volume_id,
        m.publisher_id,
        m.application_id,
        m.system_id,
        m.live,
        m.installer,
        m.id,
    ]


def encode_os(o: OS, device_index: dict[Device, int]) -> list[object]:
    """``device_index`` maps each device to its table position; unseen devices are appended."""
    devices = [device_index.setdefault(d, len(device_index)) for d in o.devices]
    return [
        o.id,
        o.short_id,
        o.name,
        list(o.short_ids),
        o.family,
        o.distro,
        o.vendor,
        o.version,
        o.release_date,
        o.eol_date,
        o.derives_from,
        o.clones,
        devices,
        [_encode_resources(r) for r in o.minimum],
        [_encode_resources(r) for r in o.recommended],
        [_encode_resources(r) for r in o.maximum],
        [_encode_resources(r) for r in o.network_install],
        [[f.arch, f.type, f.supported] for f in o.firmwares],
        [_encode_media(m) for m in o.media],
        o.kernel_url_arg,
    ]


# --- decoding -------------------------------------------------------------------------


def _bad(what: str, value: object) -> CorruptCache:
    return CorruptCache(f"expected {what}, found {type(value).__name__}")


def expect_row(value: object, length: int) -> list[object]:
    if not isinstance(value, list) or len(value) != length:
        raise _bad(f"an array of {length}", value)
    return value


def expect_str(value: object) -> str:
    if not isinstance(value, str):
        raise _bad("a string", value)
    return value


def expect_opt_str(value: object) -> str | None:
    return None if value is None else expect_str(value)


def _opt_int(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _bad("an integer", value)
    return value


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise _bad("a boolean", value)
    return value


def expect_many(value: object, item: Callable[[object], T]) -> tuple[T, ...]:
    if not isinstance(value, list):
        raise _bad("an array", value)
    return tuple(item(v) for v in value)


def decode_device(value: object) -> Device:
    r = expect_row(value, 7)
    return Device(
        id=expect_str(r[0]),
        name=expect_str(r[1]),
        device_class=expect_str(r[2]),
        bus_type=expect_opt_str(r[3]),
        vendor_id=expect_opt_str(r[4]),
        product_id=expect_opt_str(r[5]),
        driver=expect_opt_str(r[6]),
    )


def _resources(value: object) -> Resources:
    r = expect_row(value, 5)
    return Resources(
        arch=expect_str(r[0]),
        n_cpus=_opt_int(r[1]),
        cpu_hz=_opt_int(r[2]),
        ram_bytes=_opt_int(r[3]),
        storage_bytes=_opt_int(r[4]),
    )


def _firmware(value: object) -> Firmware:
    r = expect_row(value, 3)
    return Firmware(arch=expect_str(r[0]), type=expect_str(r[1]), supported=_bool(r[2]))


def _media(value: object) -> Media:
    r = expect_row(value, 9)
    return Media(
        arch=expect_str(r[0]),
        url=expect_opt_str(r[1]),
        volume_id=expect_opt_str(r[2]),
        publisher_id=expect_opt_str(r[3]),
        application_id=expect_opt_str(r[4]),
        system_id=expect_opt_str(r[5]),
        live=_bool(r[6]),
        installer=_bool(r[7]),
        id=expect_opt_str(r[8]),
    )


def decode_os(value: object, devices: Sequence[Device]) -> OS:
    """One OS; ``devices`` is the decoded device table its device positions point into."""
    r = expect_row(value, len(FIELDS["OS"]))

    def device(position: object) -> Device:
        index = _opt_int(position)
        if index is None or not 0 <= index < len(devices):
            raise CorruptCache(f"device position {position!r} is outside the device table")
        return devices[index]

    return OS(
        id=expect_str(r[0]),
        short_id=expect_str(r[1]),
        name=expect_str(r[2]),
        short_ids=expect_many(r[3], expect_str),
        family=expect_opt_str(r[4]),
        distro=expect_opt_str(r[5]),
        vendor=expect_opt_str(r[6]),
        version=expect_opt_str(r[7]),
        release_date=expect_opt_str(r[8]),
        eol_date=expect_opt_str(r[9]),
        derives_from=expect_opt_str(r[10]),
        clones=expect_opt_str(r[11]),
        devices=expect_many(r[12], device),
        minimum=expect_many(r[13], _resources),
        recommended=expect_many(r[14], _resources),
        maximum=expect_many(r[15], _resources),
        network_install=expect_many(r[16], _resources),
        firmwares=expect_many(r[17], _firmware),
        media=expect_many(r[18], _media),
        kernel_url_arg=expect_opt_str(r[19]),
    )
