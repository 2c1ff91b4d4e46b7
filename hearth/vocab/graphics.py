"""The display a guest gets; ``none`` leaves it headless (a serial console only)."""

from __future__ import annotations

from enum import StrEnum


class GraphicsType(StrEnum):
    vnc = "vnc"
    spice = "spice"
    none = "none"
