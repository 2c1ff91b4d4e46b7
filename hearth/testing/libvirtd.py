"""A libvirtd of the caller's own, serving libvirt's test driver on a socket in a directory it owns.

Killing or restarting the host's libvirtd would disturb every other user of it; this one serves
only the test driver, so tests and benchmarks can kill it (``stop`` politely, ``kill`` as a crash
would) and start it again at will. It runs as ``nobody``, so it never touches the system
daemon's guests, networks or state. The test driver keeps everything in the daemon's memory: a
restart comes back empty.

This module is a leaf: it imports nothing from hearth.
"""

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


class PrivateLibvirtd:
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
        # A crashed daemon leaves its socket and pid file behind; they must not pass for the new one.
        self.socket.unlink(missing_ok=True)
        self.pidfile.unlink(missing_ok=True)
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
        while not (self.socket.exists() and self.pidfile.exists() and self.pidfile.read_text().strip()):
            if time.monotonic() > deadline:
                raise RuntimeError("the private libvirtd did not come up")
            time.sleep(0.05)
        self.pid = int(self.pidfile.read_text().strip())

    def stop(self) -> None:
        """SIGTERM, and the socket removed: the daemon is gone and nothing listens."""
        self._signal(signal.SIGTERM)
        self.socket.unlink(missing_ok=True)
        self.pidfile.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL, as a crash: the socket file stays and connecting to it is refused."""
        self._signal(signal.SIGKILL)

    def freeze(self) -> None:
        """SIGSTOP: the daemon hangs; connections stay open and nothing answers on them."""
        if self.pid is not None:
            os.kill(self.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT: a frozen daemon answers again."""
        if self.pid is not None:
            os.kill(self.pid, signal.SIGCONT)

    def _signal(self, sig: signal.Signals) -> None:
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, sig)
            os.kill(self.pid, signal.SIGCONT)  # a frozen daemon acts on SIGTERM only once thawed
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.pid = None


@contextlib.contextmanager
def private_libvirtd() -> Iterator[PrivateLibvirtd]:
    """A started private libvirtd, stopped and its directory removed when the block ends."""
    root = Path("/tmp") / f"hearth-lvd-{secrets.token_hex(4)}"  # short: unix socket paths are limited
    daemon = PrivateLibvirtd(root)
    try:
        daemon.start()
        yield daemon
    finally:
        daemon.stop()
        shutil.rmtree(root, ignore_errors=True)
