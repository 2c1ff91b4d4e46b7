"""Hearth: open virtualization management for KVM hosts and QEMU."""

__version__ = "0.1.0"
