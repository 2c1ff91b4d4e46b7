"""Where a NIC's removal stands: what a listing shows so that what is listed is what runs.

A running guest must release a hot-unplugged device itself (the ACPI or PCIe unplug request);
until it does, the device is still the guest's, and saying it was removed would be false.
"""

from __future__ import annotations

from enum import StrEnum


class NicState(StrEnum):
    attached = "attached"
    detaching = "detaching"
    """Removal asked for; the guest has not released the device yet."""
    error = "error"
    """The guest did not release the device in time (or refused): it is still attached live."""
