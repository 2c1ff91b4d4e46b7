"""Settings every test shares: caches go to a private directory, never the user's ~/.cache."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

OTHER_RUN = re.compile(r"^h[a-z][0-9a-f]{6}-")  # tests.libvirt_host.unique_prefix's shape


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as mp:
        path = tmp_path_factory.mktemp("hearth-cache")
        mp.setenv("HEARTH_CACHE_DIR", str(path))
        mp.delenv("HEARTH_OSINFO_CACHE", raising=False)
        yield path


@pytest.fixture(scope="session", autouse=True)
def host_left_as_found() -> Iterator[None]:
    """The whole run must leave qemu:///system as it found it: nothing that was there before is
    gone, and nothing a test made (a run-unique prefix from ``tests.libvirt_host``) remains."""
    import libvirt

    from tests.libvirt_host import HANDED_OUT, SYSTEM_URI, host_objects

    try:
        before = host_objects(SYSTEM_URI)
    except libvirt.libvirtError:
        before = None  # no system libvirtd: the tests that need it say so themselves
    yield
    if before is None:
        return
    after = host_objects(SYSTEM_URI)
    # Another test run on the same host (a second checkout) comes and goes with its own prefixes.
    gone = sorted(o for o in before - after if not OTHER_RUN.match(o[1]))
    left = sorted(o for o in after - before if any(o[1].startswith(p) for p in HANDED_OUT))
    assert not gone, f"tests removed what was on the host before them: {gone}"
    assert not left, f"tests left behind on the host: {left}"


@pytest.fixture(scope="session")
def fresh_libvirtd() -> Iterator[object]:
    """A root libvirtd whose configuration starts empty (no pool, no network), for the session."""
    import secrets

    from tests.fresh_libvirtd import FreshLibvirtd

    daemon = FreshLibvirtd(Path("/tmp") / f"hearth-fresh-{secrets.token_hex(3)}")
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.stop()
        import shutil

        shutil.rmtree(daemon.root, ignore_errors=True)
