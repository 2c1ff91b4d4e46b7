"""Policy-driven VM configuration (the libvirt-designer role): host facts in, domain XML out.

Pure: no libvirt connection, no sockets. Capabilities XML may be passed in to refine choices.
"""

from __future__ import annotations

from hearth.designer.designer import Design, Designer, interface_xml
from hearth.designer.imageformat import ImageInfo, inspect, sniff
from hearth.designer.sources import NetworkSource, parse_url, redact

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
