"""Every example in docs/guide runs as written (doctest), so the guide cannot drift from the code.

The designer page uses libvirt's in-process test driver and the server page a real server
on a loopback port; nothing here needs a guest to boot.
"""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide"
PAGES = sorted(GUIDE.glob("*.rst"))
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_the_guide_has_its_pages() -> None:
    assert {p.stem for p in PAGES} >= {"domain", "osinfo", "designer", "qemu", "server"}


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_every_example_on_the_page_runs_as_written(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = doctest.testfile(str(page), module_relative=False, optionflags=FLAGS, report=True)
    report = capsys.readouterr().out
    assert result.attempted > 0, f"{page.name} has no examples"
    assert result.failed == 0, report
