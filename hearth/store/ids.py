"""Resource ids: random uuid4, so an id never repeats and reveals nothing about other tenants.

A counter would be reusable after a restore and would leak how busy the host is; 122 random
bits make a collision practically impossible and need no coordination between processes.
"""

from __future__ import annotations

import uuid


def new_id() -> str:
    return str(uuid.uuid4())
