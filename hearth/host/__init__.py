"""Facts about the machine the server runs on: network devices, OVS bridges, CPU and memory.

Read from the kernel (/sys, /proc) and ``ovs-vsctl``; nothing here opens a libvirt connection.
The service layer reaches these through the ``HostFacts`` protocol so tests and other hosts can
substitute their own source.
"""

from .facts import HostFacts, LocalHost
from .info import Accelerator, HostInfo, host_info
from .interfaces import HostInterface, InterfaceKind, OperState, get_interface, list_interfaces
from .ovs import OvsBridge, list_ovs_bridges

__all__ = [
    "Accelerator",
    "HostFacts",
    "HostInfo",
    "HostInterface",
    "InterfaceKind",
    "LocalHost",
    "OperState",
    "OvsBridge",
    "get_interface",
    "host_info",
    "list_interfaces",
    "list_ovs_bridges",
]
