"""The mock driver (the embedded default backend)."""

from .catalogue import seed
from .core import MockTiming
from .driver import MockDriver, open_mock_driver

__all__ = ["MockDriver", "MockTiming", "open_mock_driver", "seed"]
