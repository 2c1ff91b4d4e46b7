"""A policy-free, typed, lossless model of libvirt XML (the libvirt-gconfig role).

Nothing here opens a connection or a socket: it turns documents into objects and back.
"""

from __future__ import annotations

from hearth.domain.capabilities import DomainCapabilities, GuestCaps, HostCapabilities
from hearth.domain.devices import (
    RNG,
    TPM,
    Address,
    Channel,
    CharDevice,
    Console,
    Controller,
    Cookie,
    Devices,
    Disk,
    DiskHost,
    Filesystem,
    Graphics,
    Hostdev,
    Input,
    Interface,
    MemBalloon,
    Parallel,
    Serial,
    Sound,
    Video,
    Watchdog,
)
from hearth.domain.domain import CPU, BootDev, Clock, CPUFeature, Domain, Features, OSConfig, Timer
from hearth.domain.network import DHCPHost, DHCPRange, ForwardInterface, Network, NetworkIP
from hearth.domain.storage import StoragePool, StorageVolume
from hearth.domain.xmlio import MAX_XML_BYTES, XMLParseError


def parse(xml: str | bytes) -> Domain:
    """Parse a libvirt domain document (untrusted input is fine: see xmlio)."""
    return Domain.from_xml(xml)


__all__ = [
    "CPU", "MAX_XML_BYTES", "RNG", "TPM", "Address", "BootDev", "CPUFeature", "Channel", "CharDevice",
    "Clock", "Console", "Controller", "Cookie", "DHCPHost", "DHCPRange", "Devices", "Disk", "DiskHost",
    "Domain", "DomainCapabilities", "Features", "Filesystem", "ForwardInterface", "Graphics", "GuestCaps",
    "HostCapabilities", "Hostdev", "Input", "Interface", "MemBalloon", "Network", "NetworkIP", "OSConfig",
    "Parallel", "Serial", "Sound", "StoragePool", "StorageVolume", "Timer", "Video", "Watchdog",
    "XMLParseError", "parse",
]  # fmt: skip
