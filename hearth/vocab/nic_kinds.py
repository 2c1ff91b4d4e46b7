"""How a NIC reaches the outside, and what each kind needs and becomes in libvirt's XML.

The contract, the templates, the designer and every backend use this one set; a template's
direct interfaces are the kinds that sit on a host device (``HOST_DEVICE_KINDS``).
"""

from __future__ import annotations

from enum import StrEnum


class InterfaceType(StrEnum):
    """How a NIC reaches the outside: a (libvirt/Hearth) network, a Linux or OVS bridge, a macvtap
    host device, or QEMU's user-mode stack."""

    network = "network"
    bridge = "bridge"
    ovs = "ovs"
    macvtap = "macvtap"
    user = "user"


# Kinds whose source is a device of the host (checked against the host's devices; the direct
# interfaces of a template), in the order a template's document lists them.
HOST_DEVICE_KINDS = (InterfaceType.macvtap, InterfaceType.ovs, InterfaceType.bridge)

# What the source of each kind names; user mode has none.
SOURCE_OF: dict[InterfaceType, str] = {
    InterfaceType.network: "a network",
    InterfaceType.bridge: "a bridge",
    InterfaceType.ovs: "an OVS bridge",
    InterfaceType.macvtap: "a host interface",
}

# libvirt's ``<interface type>`` of each kind; an OVS bridge is a bridge with this virtualport.
LIBVIRT_TYPE: dict[InterfaceType, str] = {
    InterfaceType.network: "network",
    InterfaceType.bridge: "bridge",
    InterfaceType.ovs: "bridge",
    InterfaceType.macvtap: "direct",
    InterfaceType.user: "user",
}
OVS_VIRTUALPORT = "openvswitch"


def needs_source(kind: InterfaceType) -> bool:
    return kind in SOURCE_OF


def kind_of(libvirt_type: str | None, virtualport_type: str | None) -> InterfaceType:
    """The kind of a libvirt ``<interface>``; types Hearth does not make count as user mode."""
    if libvirt_type == "network":
        return InterfaceType.network
    if libvirt_type == "bridge":
        return InterfaceType.ovs if virtualport_type == OVS_VIRTUALPORT else InterfaceType.bridge
    if libvirt_type == "direct":
        return InterfaceType.macvtap
    return InterfaceType.user
