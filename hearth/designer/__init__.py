"""Policy-driven VM configuration (the libvirt-designer role): host facts in, domain XML out.

Pure: no libvirt connection, no sockets. Capabilities XML may be passed in to refine choices.

The names below load their modules when first used, not with the package: a server that needs
only ``hearth.designer.sources`` (the URL rules every media service reads) never loads the
designer, the domain model, osinfo and lxml under it (~7 MiB of its memory, bench/blobs.py).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hearth.designer.designer import Design, Designer, interface_xml
    from hearth.designer.imageformat import ImageInfo, inspect, sniff
    from hearth.designer.sources import NetworkSource, parse_url, redact

# Each name, by the module that defines it.
_HOME = {
    "Design": "designer",
    "Designer": "designer",
    "interface_xml": "designer",
    "ImageInfo": "imageformat",
    "inspect": "imageformat",
    "sniff": "imageformat",
    "NetworkSource": "sources",
    "parse_url": "sources",
    "redact": "sources",
}

__all__ = [
    "Design",
    "Designer",
    "ImageInfo",
    "NetworkSource",
    "inspect",
    "interface_xml",
    "parse_url",
    "redact",
    "sniff",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
