"""Reading a guest's serial console log, a file the hypervisor appends to, from its tail."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from hearth.errors import BackendError

from .operations import CONSOLE_OUTPUT_LIMIT
from .resources import ConsoleOutput


def read_tail(instance_id: str, path: Path | None, limit: int = CONSOLE_OUTPUT_LIMIT) -> ConsoleOutput:
    """The last ``limit`` bytes of ``path`` (no file yet: nothing printed), decoded leniently."""
    when = datetime.now(UTC)
    data, truncated = b"", False
    if path is not None:
        try:
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                truncated = size > limit
                f.seek(max(0, size - limit))
                data = f.read(limit)
        except FileNotFoundError:
            pass
        except OSError as err:
            raise BackendError(
                f"cannot read the console log of instance {instance_id}: {err.strerror}"
            ) from None
    return ConsoleOutput(
        instance_id=instance_id,
        output=data.decode("utf-8", errors="replace"),
        timestamp=when,
        truncated=truncated,
    )
