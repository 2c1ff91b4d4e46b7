"""Fixtures for the libvirt-specific tests: a driver on qemu:///system and a private libvirtd."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..contract.helpers import DriverCase
from ..contract.libvirt_cases import libvirt_case, system_dirs


@pytest.fixture
def system_dirs_() -> Iterator[tuple[Path, Path]]:
    state, pool = system_dirs()
    yield state, pool
    shutil.rmtree(state.parent, ignore_errors=True)


@pytest.fixture
def system_state(system_dirs_: tuple[Path, Path]) -> Path:
    """The driver's state dir: 0700, as a real server's (QEMU never needs to enter it)."""
    return system_dirs_[0]


@pytest.fixture
def system(system_dirs_: tuple[Path, Path]) -> Iterator[DriverCase]:
    """The libvirt driver on qemu:///system (guests boot for real, under TCG)."""
    os.environ.setdefault("HEARTH_ACCEL", "tcg")
    state, pool = system_dirs_
    with libvirt_case("qemu:///system", state, wait=60.0, pool_path=pool) as case:
        yield case


class PrivateLibvirtd:
    """A libvirtd of our own, run as ``nobody`` on a socket in a temporary directory.

    Restarting the host's libvirtd would disturb every other user of it; this one serves only
    the test driver to us, so it can be killed and restarted at will. Unprivileged, it never
    touches the system daemon's guests, networks or state.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        for d in ("home", "run", "sock"):
            (root / d).mkdir(parents=True, exist_ok=True)
        for p in (root, root / "home", root / "run", root / "sock"):
            p.chmod(0o777)
        self.conf = root / "libvirtd.conf"
        self.conf.write_text(
            f'unix_sock_dir = "{root / "sock"}"\n'
            'unix_sock_rw_perms = "0777"\nunix_sock_ro_perms = "0777"\nunix_sock_admin_perms = "0700"\n'
            'auth_unix_rw = "none"\nauth_unix_ro = "none"\n'
        )
        self.conf.chmod(0o644)
        self.pidfile = root / "run" / "libvirtd.pid"
        self.socket = root / "sock" / "libvirt-sock"
        self.pid: int | None = None

    @property
    def uri(self) -> str:
        return f"test+unix:///default?socket={self.socket}"

    def start(self) -> None:
        env = [
            f"HOME={self.root / 'home'}",
            f"XDG_RUNTIME_DIR={self.root / 'run'}",
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
        ]
        subprocess.run(
            [
                "runuser",
                "-u",
                "nobody",
                "--",
                "env",
                "-i",
                *env,
                "libvirtd",
                "-d",
                "-f",
                str(self.conf),
                "-p",
                str(self.pidfile),
            ],
            check=True,
            capture_output=True,
        )
        deadline = time.monotonic() + 10
        while not (self.socket.exists() and self.pidfile.exists()):
            if time.monotonic() > deadline:
                raise RuntimeError("the private libvirtd did not come up")
            time.sleep(0.05)
        self.pid = int(self.pidfile.read_text().strip())

    def stop(self) -> None:
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.pid = None
        self.socket.unlink(missing_ok=True)
        self.pidfile.unlink(missing_ok=True)


@pytest.fixture
def private_libvirtd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateLibvirtd]:
    root = Path("/tmp") / f"hearth-lvd-{secrets.token_hex(4)}"  # short: unix socket paths are limited
    daemon = PrivateLibvirtd(root)
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.stop()
        shutil.rmtree(root, ignore_errors=True)
