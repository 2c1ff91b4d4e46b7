"""The libvirt driver: real hypervisors over any libvirt URI, one realm per host."""

from .config import Host, LibvirtConfig
from .driver import LibvirtDriver, open_driver, open_libvirt_driver

__all__ = ["Host", "LibvirtConfig", "LibvirtDriver", "open_driver", "open_libvirt_driver"]
