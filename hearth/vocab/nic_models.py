"""The guest-visible NIC models, split by who can run them.

``NicModel`` is what the contract offers: every backend runs it, ``hearth.qemu`` included.
``LibvirtOnlyNicModel`` is what libvirt's QEMU can also give a guest and the designer picks for
an old OS that knows none of the others; ``hearth.qemu`` has no device for it, so the contract
does not take it. Together they are the models the designer writes (``AnyNicModel``).
"""

from __future__ import annotations

from enum import StrEnum


class NicModel(StrEnum):
    virtio = "virtio"
    e1000e = "e1000e"
    e1000 = "e1000"
    rtl8139 = "rtl8139"


class LibvirtOnlyNicModel(StrEnum):
    ne2k_pci = "ne2k_pci"
    pcnet = "pcnet"
    vmxnet3 = "vmxnet3"


AnyNicModel = NicModel | LibvirtOnlyNicModel
ALL_NIC_MODELS: tuple[AnyNicModel, ...] = (*NicModel, *LibvirtOnlyNicModel)
DEFAULT_NIC_MODEL = NicModel.virtio
