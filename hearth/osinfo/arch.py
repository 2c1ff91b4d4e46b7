"""Architecture names as osinfo spells them (which differs from uname on some hosts)."""

from __future__ import annotations

# uname -m spellings that osinfo-db writes differently.
_UNAME_TO_OSINFO: dict[str, str] = {
    "amd64": "x86_64",
    "x64": "x86_64",
    "i386": "i686",
    "i486": "i686",
    "i586": "i686",
    "x86": "i686",
    "arm64": "aarch64",
    "armv7": "armv7l",
    "armhf": "armv7l",
    "ppc64el": "ppc64le",
}


def osinfo_arch(name: str) -> str:
    """Map a uname/Debian arch name to the osinfo one; unknown names pass through unchanged."""
    lowered = name.strip().lower()
    return _UNAME_TO_OSINFO.get(lowered, lowered)


def host_arch() -> str:
    import platform  # a millisecond to import; most callers never ask

    return osinfo_arch(platform.machine())
