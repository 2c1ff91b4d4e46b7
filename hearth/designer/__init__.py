"""Policy-driven VM configuration (the libvirt-designer role): host facts in, domain XML out.

Pure: no libvirt connection, no sockets. Capabilities XML may be passed in to refine choices.
"""

from __future__ import annotations

from hearth.designer.designer import NIC_KINDS, NIC_MODELS, Design, Designer, random_mac
from hearth.designer.imageformat import ImageInfo, inspect, sniff
from hearth.designer.sources import NetworkSource, parse_url, redact

__all__ = [
    "NIC_KINDS",
    "NIC_MODELS",
    "Design",
    "Designer",
    "ImageInfo",
    "NetworkSource",
    "inspect",
    "parse_url",
    "random_mac",
    "redact",
    "sniff",
]
