"""The seam between the service layer and the host: one protocol, one local implementation.

Templates are validated against "this host now" (does the macvtap device exist, is the OVS
bridge there); keeping those questions behind ``HostFacts`` lets the service be tested with a
host of its own and, later, ask a remote host the same questions.
"""

from __future__ import annotations

from typing import Protocol

from .info import HostInfo, host_info
from .interfaces import HostInterface, list_interfaces
from .ovs import OvsBridge, list_ovs_bridges


class HostFacts(Protocol):
    def info(self) -> HostInfo: ...

    def interfaces(self) -> list[HostInterface]: ...

    def ovs_bridges(self) -> list[OvsBridge]:
        """Raises NotSupported / BackendError when Open vSwitch is missing or not running."""
        ...


class LocalHost:
    """The machine this process runs on."""

    def info(self) -> HostInfo:
        return host_info()

    def interfaces(self) -> list[HostInterface]:
        return list_interfaces()

    def ovs_bridges(self) -> list[OvsBridge]:
        return list_ovs_bridges()
