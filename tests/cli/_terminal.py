"""A command run on a real pseudo-terminal (python's pty module), read and typed to as a person would."""

from __future__ import annotations

import os
import select
import subprocess
import time

from .test_client import HEARTH


class Terminal:
    """``hearth ARGS`` with a pty as its stdin, stdout and stderr."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self._master, slave = os.openpty()
        self.proc = subprocess.Popen(
            [*HEARTH, *args], env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True
        )
        os.close(slave)
        self.seen = b""

    def expect(self, wanted: bytes, timeout: float = 60) -> bytes:
        """What the terminal showed until ``wanted`` appeared."""
        deadline = time.monotonic() + timeout
        while wanted not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"{wanted!r} never showed; the terminal has {self.seen[-2000:]!r}"
            ready, _, _ = select.select([self._master], [], [], min(left, 1.0))
            if ready:
                try:
                    chunk = os.read(self._master, 4096)
                except OSError:  # the command ended and the pty closed
                    chunk = b""
                assert chunk or self.proc.poll() is None, f"ended first; showed {self.seen[-2000:]!r}"
                self.seen += chunk
        return self.seen

    def send(self, data: bytes) -> None:
        os.write(self._master, data)

    def wait(self, timeout: float = 30) -> int:
        """The command's exit status (it must end within ``timeout``)."""
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._drain()
            os.close(self._master)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def _drain(self) -> None:
        """Keep what the command wrote last (its parting words), for the assertion messages."""
        while select.select([self._master], [], [], 0)[0]:
            try:
                chunk = os.read(self._master, 4096)
            except OSError:
                return
            if not chunk:
                return
            self.seen += chunk
