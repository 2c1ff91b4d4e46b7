"""A policy-free, typed, lossless model of libvirt XML (the libvirt-gconfig role).

Nothing here opens a connection or a socket: it turns documents into objects and back.
Capabilities, networks and storage load on first use (``hearth design`` needs none of them).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
from hearth.domain.xmlio import MAX_XML_BYTES, XMLParseError

if TYPE_CHECKING:
    from hearth.domain.capabilities import DomainCapabilities, GuestCaps, HostCapabilities
    from hearth.domain.network import DHCPHost, DHCPRange, ForwardInterface, Network, NetworkIP
    from hearth.domain.storage import StoragePool, StorageVolume

_LAZY = {
    "DomainCapabilities": "capabilities", "GuestCaps": "capabilities", "HostCapabilities": "capabilities",
    "DHCPHost": "network", "DHCPRange": "network", "ForwardInterface": "network", "Network": "network",
    "NetworkIP": "network", "StoragePool": "storage", "StorageVolume": "storage",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"hearth.domain.{module}"), name)
    globals()[name] = value
    return value


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
