"""What a guest OS can drive, read once from its osinfo device list.

The device ids are the PCI (or QEMU) identities osinfo-db uses; checking ids rather than
names is what virt-install does too, and it treats virtio 0.9 and 1.0 devices alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from hearth.osinfo.model import OS
from hearth.vocab.nic_models import AnyNicModel, LibvirtOnlyNicModel, NicModel

_PCI = "http://pcisig.com/pci/"
VIRTIO_BLOCK = (_PCI + "1af4/1001", _PCI + "1af4/1042")
VIRTIO_SCSI = (_PCI + "1af4/1004", _PCI + "1af4/1048")
VIRTIO_NET = (_PCI + "1af4/1000", _PCI + "1af4/1041")
VIRTIO1_NET = (_PCI + "1af4/1041",)
VIRTIO_RNG = (_PCI + "1af4/1005", _PCI + "1af4/1044")
VIRTIO_GPU = (_PCI + "1af4/1050",)
VIRTIO_BALLOON = (_PCI + "1af4/1002", _PCI + "1af4/1045")
VIRTIO_SERIAL = (_PCI + "1af4/1003", _PCI + "1af4/1043")
VIRTIO_INPUT = (_PCI + "1af4/1052",)
QEMU_XHCI = (_PCI + "1b36/0004",)
Q35_CHIPSET = ("http://qemu.org/chipset/x86/q35",)

# The NIC model of a guest without virtio-net: the first of these its osinfo device list names.
LEGACY_NIC_PREFERENCE: tuple[AnyNicModel, ...] = (
    NicModel.e1000,
    NicModel.rtl8139,
    LibvirtOnlyNicModel.ne2k_pci,
    LibvirtOnlyNicModel.pcnet,
)


@dataclass(frozen=True, slots=True)
class GuestTraits:
    virtio_block: bool
    virtio_scsi: bool
    virtio_net: bool
    virtio1: bool
    virtio_rng: bool
    virtio_gpu: bool
    virtio_balloon: bool
    virtio_serial: bool
    virtio_input: bool
    usb3: bool
    q35: bool
    net_models: tuple[str, ...]


_CACHE: dict[str, GuestTraits] = {}


def traits_of(os: OS) -> GuestTraits:
    """The OS's traits, cached by osinfo id (OS objects are immutable)."""
    cached = _CACHE.get(os.id)
    if cached is not None:
        return cached
    ids = {d.id for d in os.devices}

    def has(wanted: tuple[str, ...]) -> bool:
        return any(w in ids for w in wanted)

    virtio_net = has(VIRTIO_NET)
    virtio1 = has(VIRTIO1_NET)
    result = GuestTraits(
        virtio_block=has(VIRTIO_BLOCK),
        virtio_scsi=has(VIRTIO_SCSI),
        virtio_net=virtio_net,
        virtio1=virtio1,
        virtio_rng=has(VIRTIO_RNG),
        virtio_gpu=has(VIRTIO_GPU),
        virtio_balloon=has(VIRTIO_BALLOON),
        virtio_serial=has(VIRTIO_SERIAL),
        virtio_input=has(VIRTIO_INPUT),
        usb3=has(QEMU_XHCI),
        # An OS that only knows legacy virtio would lose its disks and NICs on q35's PCIe.
        q35=has(Q35_CHIPSET) and not (virtio_net and not virtio1),
        net_models=tuple(d.name for d in os.devices_of_class("net")),
    )
    _CACHE[os.id] = result
    return result
