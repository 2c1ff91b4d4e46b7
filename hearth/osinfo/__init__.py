"""The OS database layer: osinfo-db through libosinfo, served as plain immutable objects.

Nothing here opens a socket or a libvirt connection; GObject stays inside ``_gi`` and is
imported only when the on-disk cache (``cache``) has to be rebuilt or media are identified.
"""

from __future__ import annotations

from hearth.osinfo.arch import host_arch, osinfo_arch
from hearth.osinfo.db import DATA_DIR_ENV, OSDatabase, default_db
from hearth.osinfo.iso import IsoIdentity, read_iso_identity
from hearth.osinfo.model import ALL_ARCHES, OS, Device, Firmware, Media, MediaMatch, Resources

__all__ = [
    "ALL_ARCHES",
    "DATA_DIR_ENV",
    "OS",
    "Device",
    "Firmware",
    "IsoIdentity",
    "Media",
    "MediaMatch",
    "OSDatabase",
    "Resources",
    "default_db",
    "host_arch",
    "osinfo_arch",
    "read_iso_identity",
]
