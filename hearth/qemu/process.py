"""The QEMU process itself: start it detached, watch it die, tell us how.

Two kinds of process are watched the same way. One we started (our child: asyncio reaps
it and we learn the exit status). One a previous manager started and that we re-attached
to (not our child: a pidfd tells us when it ends, and /proc still holds the exit status
while nobody has reaped it). QEMU runs in its own session with output going to files, so
the manager can die or restart without taking the VMs down with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hearth.errors import BackendError, NotFound
from hearth.qemu.machine import Argv


@dataclass(frozen=True)
class ProcessExit:
    """How a process ended; both fields are None when nobody could observe it."""

    returncode: int | None = None
    signal: int | None = None

    def describe(self) -> str:
        if self.signal is not None:
            return f"killed by signal {signal.Signals(self.signal).name}"
        if self.returncode is not None:
            return f"exited with status {self.returncode}"
        return "exited (status unknown)"


class QemuProcess:
    """A running QEMU, either spawned by us or found again by pid."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._exit: asyncio.Future[ProcessExit] = asyncio.get_running_loop().create_future()

    @property
    def exit(self) -> ProcessExit | None:
        return self._exit.result() if self._exit.done() else None

    @property
    def alive(self) -> bool:
        return not self._exit.done()

    async def wait(self, timeout: float | None = None) -> ProcessExit | None:
        """The exit, or None if it is still running after ``timeout`` seconds."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._exit), timeout)
        except TimeoutError:
            return None

    def send_signal(self, sig: int) -> None:
        if self._exit.done():
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, sig)

    def close(self) -> None:
        """Stop watching (the process itself is left alone)."""


class ChildProcess(QemuProcess):
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        super().__init__(proc.pid)
        self._proc = proc
        asyncio.get_running_loop().create_task(self._reap(), name=f"hearth-reap-{proc.pid}")

    async def _reap(self) -> None:
        code = await self._proc.wait()
        self._exit.set_result(ProcessExit(signal=-code) if code < 0 else ProcessExit(returncode=code))


class AttachedProcess(QemuProcess):
    """A QEMU we did not start; its end is seen through a pidfd."""

    def __init__(self, pid: int) -> None:
        super().__init__(pid)
        try:
            self._pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            raise NotFound(f"process {pid} no longer exists", pid=pid) from None
        loop = asyncio.get_running_loop()
        loop.add_reader(self._pidfd, self._on_exit)

    def _on_exit(self) -> None:
        self.close()
        if not self._exit.done():
            self._exit.set_result(zombie_exit(self.pid))

    def close(self) -> None:
        if self._pidfd >= 0:
            asyncio.get_running_loop().remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = -1


def zombie_exit(pid: int) -> ProcessExit:
    """The exit status the kernel keeps for an unreaped process (field 52 of /proc/pid/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ProcessExit()
    fields = stat.rsplit(")", 1)[-1].split()
    if not fields or fields[0] != "Z" or len(fields) < 50:
        return ProcessExit()
    status = int(fields[-1])
    if os.WIFSIGNALED(status):
        return ProcessExit(signal=os.WTERMSIG(status))
    return ProcessExit(returncode=os.WEXITSTATUS(status))


def running_cmdline(pid: int) -> list[str] | None:
    """The argv of a live (non-zombie) process, or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    if not raw:
        return None  # zombies and kernel threads have an empty cmdline
    return raw.rstrip(b"\0").decode(errors="replace").split("\0")


async def spawn(
    argv: Argv, *, cwd: Path, stdout: Path, stderr: Path, env: Mapping[str, str] | None = None
) -> ChildProcess:
    """Start QEMU in its own session, inheriting only the descriptors in ``argv.pass_fds``.

    ``env`` adds variables (``<qemu:env>``) to the manager's own environment."""
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv.args,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                cwd=cwd,
                pass_fds=argv.pass_fds,
                start_new_session=True,
                env={**os.environ, **env} if env else None,
            )
        except OSError as exc:
            raise BackendError(f"cannot start {argv.args[0]}: {exc}", argv=argv.args) from exc
    return ChildProcess(proc)
