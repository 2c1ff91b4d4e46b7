"""Fixtures: the real installed osinfo-db and a small osinfo tree written by the tests.

Every test here uses a private OS database cache directory, never the user's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hearth.osinfo import OSDatabase
from tests.osinfo.groundtruth import write_test_tree


@pytest.fixture(scope="session")
def db(private_cache_dir: Path) -> OSDatabase:
    return OSDatabase()


@pytest.fixture(scope="session")
def test_tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield write_test_tree(tmp_path_factory.mktemp("osinfo-tree"))


@pytest.fixture(scope="session")
def tree_db(test_tree: Path, private_cache_dir: Path) -> OSDatabase:
    return OSDatabase(test_tree)
