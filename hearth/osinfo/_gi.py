"""The one place that talks to libosinfo through GObject introspection.

GI ships no type stubs, so every GObject here is ``Any``; what leaves this module is
plain, typed data from ``model``. Keeping the boundary this narrow lets the rest of
``hearth.osinfo`` (and everything above it) stay under ``mypy --strict``.

Facts about libosinfo 1.10 this module relies on (checked against the installed library):
- ``Os.get_all_device_links`` walks derives-from and clones and already leaves out links
  marked ``supported="false"``; we filter them again so the promise does not hang on that.
- ``Os.get_complete_firmware_list`` walks the inheritance and keeps ``supported="false"``
  entries (that is how an EFI-only OS says "no BIOS").
- ``Os.get_*_resources`` do NOT inherit: the caller resolves that (see ``inherit``).
- ``Db.identify_media`` needs a media without architecture to match any arch; a media
  with arch "all" matches nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hearth.errors import NotSupported, ValidationError
from hearth.osinfo.model import OS, Device, Firmware, Media, Resources

_RESOURCE_GETTERS: tuple[tuple[str, str], ...] = (
    ("minimum", "get_minimum_resources"),
    ("recommended", "get_recommended_resources"),
    ("maximum", "get_maximum_resources"),
    ("network_install", "get_network_install_resources"),
)


def _libosinfo() -> Any:
    try:
        import gi

        gi.require_version("Libosinfo", "1.0")
        from gi.repository import Libosinfo
    except (ImportError, ValueError) as exc:
        raise NotSupported(
            "libosinfo is not available through GObject introspection "
            f"(install gir1.2-libosinfo-1.0 and PyGObject): {exc}"
        ) from exc
    return Libosinfo


def load(data_dir: Path | None) -> Any:
    """Load the osinfo database: only ``data_dir`` when given, else libosinfo's default paths."""
    lib = _libosinfo()
    loader = lib.Loader.new()
    try:
        if data_dir is None:
            loader.process_default_path()
        else:
            loader.process_path(str(data_dir))
    except Exception as exc:  # GLib.Error: a broken or unreadable database file
        where = data_dir if data_dir is not None else "the default osinfo paths"
        reason = " ".join(str(getattr(exc, "message", exc)).split())  # GLib puts newlines in
        raise ValidationError(f"cannot load the osinfo database from {where}: {reason}") from exc
    return loader.get_db()


def library_files() -> list[str]:
    """The typelib and shared library in use: a cache built with them is stale once they change.

    Only meaningful after ``load``: the shared library is mapped on first use.
    """
    import gi

    files: list[str] = []
    try:
        typelib = gi.Repository.get_default().get_typelib_path("Libosinfo")
    except AttributeError:  # a PyGObject without this API: the shared library alone has to do
        typelib = None
    if typelib:
        files.append(str(typelib))
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)
                if len(fields) == 6 and "/libosinfo-1.0.so" in fields[5]:
                    files.append(fields[5].strip())
                    break
    except OSError:  # not Linux: the typelib alone has to do
        pass
    return files


def os_entities(db: Any) -> list[Any]:
    return list(db.get_os_list().get_elements())


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _amount(value: Any) -> int | None:
    """libosinfo reports an unset number as -1 (or 0 for some fields): both mean 'unknown'."""
    number = int(value)
    return number if number > 0 else None


def _first_short_id(gi_os: Any, relationship: Any) -> str | None:
    related = gi_os.get_related(relationship).get_elements()
    return _text(related[0].get_short_id()) if related else None


def _device(link: Any) -> Device | None:
    if (_text(link.get_param_value("supported")) or "true").lower() == "false":
        return None
    dev = link.get_target()
    dev_id = str(dev.get_id())
    return Device(
        id=dev_id,
        name=_text(dev.get_name()) or dev_id,
        device_class=_text(dev.get_class()) or "unknown",
        bus_type=_text(dev.get_bus_type()),
        vendor_id=_text(dev.get_vendor_id()),
        product_id=_text(dev.get_product_id()),
        driver=_text(link.get_driver()),
    )


def _devices(gi_os: Any) -> tuple[Device, ...]:
    seen: dict[str, Device] = {}
    for link in gi_os.get_all_device_links(None).get_elements():
        dev = _device(link)
        if dev is not None and dev.id not in seen:
            seen[dev.id] = dev
    return tuple(seen.values())


def _resources(gi_list: Any) -> tuple[Resources, ...]:
    return tuple(
        Resources(
            arch=_text(r.get_architecture()) or "all",
            n_cpus=_amount(r.get_n_cpus()),
            cpu_hz=_amount(r.get_cpu()),
            ram_bytes=_amount(r.get_ram()),
            storage_bytes=_amount(r.get_storage()),
        )
        for r in gi_list.get_elements()
    )


def _firmwares(gi_os: Any) -> tuple[Firmware, ...]:
    seen: dict[tuple[str, str], Firmware] = {}
    for fw in gi_os.get_complete_firmware_list(None).get_elements():
        arch, fw_type = _text(fw.get_architecture()) or "all", _text(fw.get_firmware_type()) or ""
        seen.setdefault((arch, fw_type), Firmware(arch=arch, type=fw_type, supported=bool(fw.is_supported())))
    return tuple(seen.values())


def _media(gi_media: Any) -> Media:
    return Media(
        arch=_text(gi_media.get_architecture()) or "all",
        url=_text(gi_media.get_url()),
        volume_id=_text(gi_media.get_volume_id()),
        publisher_id=_text(gi_media.get_publisher_id()),
        application_id=_text(gi_media.get_application_id()),
        system_id=_text(gi_media.get_system_id()),
        live=bool(gi_media.get_live()),
        installer=bool(gi_media.get_installer()),
        id=_text(gi_media.get_id()),
    )


def convert_os(gi_os: Any) -> OS:
    """One OS with devices and firmware inherited by libosinfo; resources as declared (own only)."""
    lib = _libosinfo()
    short_ids = tuple(dict.fromkeys(s for s in (gi_os.get_short_id_list() or []) if s))
    short_id = _text(gi_os.get_short_id()) or (short_ids[0] if short_ids else str(gi_os.get_id()))
    resources = {kind: _resources(getattr(gi_os, getter)()) for kind, getter in _RESOURCE_GETTERS}
    return OS(
        id=str(gi_os.get_id()),
        short_id=short_id,
        name=_text(gi_os.get_name()) or short_id,
        short_ids=short_ids or (short_id,),
        family=_text(gi_os.get_family()),
        distro=_text(gi_os.get_distro()),
        vendor=_text(gi_os.get_vendor()),
        version=_text(gi_os.get_version()),
        release_date=_text(gi_os.get_release_date_string()),
        eol_date=_text(gi_os.get_eol_date_string()),
        derives_from=_first_short_id(gi_os, lib.ProductRelationship.DERIVES_FROM),
        clones=_first_short_id(gi_os, lib.ProductRelationship.CLONES),
        devices=_devices(gi_os),
        minimum=resources["minimum"],
        recommended=resources["recommended"],
        maximum=resources["maximum"],
        network_install=resources["network_install"],
        firmwares=_firmwares(gi_os),
        media=tuple(_media(m) for m in gi_os.get_media_list().get_elements()),
        kernel_url_arg=_text(gi_os.get_kernel_url_argument()),
    )


def identify(
    db: Any,
    volume_id: str,
    system_id: str | None,
    publisher_id: str | None,
    application_id: str | None,
    arch: str | None,
) -> tuple[str, str | None] | None:
    """(OS URI, matched media id) for the first osinfo media these ISO ids match, else None."""
    lib = _libosinfo()
    media = lib.Media.new("hearth:unidentified", arch or lib.ARCHITECTURE_ALL)
    if arch is None:
        media.clear_param(lib.MEDIA_PROP_ARCHITECTURE)
    for prop, value in (
        (lib.MEDIA_PROP_VOLUME_ID, volume_id),
        (lib.MEDIA_PROP_SYSTEM_ID, system_id),
        (lib.MEDIA_PROP_PUBLISHER_ID, publisher_id),
        (lib.MEDIA_PROP_APPLICATION_ID, application_id),
    ):
        if value is not None:
            media.set_param(prop, value)
    if not db.identify_media(media):
        return None
    gi_os = media.get_os()
    if gi_os is None:
        return None
    media_id = _text(media.get_id())
    return str(gi_os.get_id()), (None if media_id == "hearth:unidentified" else media_id)
