"""The qemu driver: instances as QEMU processes supervised by hearth.qemu, without libvirt."""

from .driver import QemuDriver, open_driver, open_qemu_driver

__all__ = ["QemuDriver", "open_driver", "open_qemu_driver"]
