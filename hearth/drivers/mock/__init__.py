"""The mock driver (the embedded default backend)."""

from .context import INSTANT, MockTiming
from .deltacloud_seed import seed_deltacloud
from .driver import MockDriver, open_mock_driver
from .seed import seed

__all__ = ["INSTANT", "MockDriver", "MockTiming", "open_mock_driver", "seed", "seed_deltacloud"]
