"""Settings every test shares: caches go to a private directory, never the user's ~/.cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as mp:
        path = tmp_path_factory.mktemp("hearth-cache")
        mp.setenv("HEARTH_CACHE_DIR", str(path))
        mp.delenv("HEARTH_OSINFO_CACHE", raising=False)
        yield path
