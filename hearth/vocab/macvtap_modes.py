"""How a macvtap NIC shares its host device, split as the NIC models are.

The contract offers ``MacvtapMode`` (the default is bridge: guests on one device see each
other); libvirt also knows the ``LibvirtOnlyMacvtapMode`` ones, which a domain may carry and
the designer may write, but no backend makes on request.
"""

from __future__ import annotations

from enum import StrEnum


class MacvtapMode(StrEnum):
    bridge = "bridge"
    vepa = "vepa"


class LibvirtOnlyMacvtapMode(StrEnum):
    private = "private"
    passthrough = "passthrough"


AnyMacvtapMode = MacvtapMode | LibvirtOnlyMacvtapMode
ALL_MACVTAP_MODES: tuple[AnyMacvtapMode, ...] = (*MacvtapMode, *LibvirtOnlyMacvtapMode)
DEFAULT_MACVTAP_MODE = MacvtapMode.bridge
