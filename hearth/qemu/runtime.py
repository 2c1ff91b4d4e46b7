"""The per-VM runtime directory: everything needed to find a VM again after a restart.

A manager that restarts must be able to tell a running VM from a dead one and talk to it
without any memory of its own. So each VM's directory holds the QMP socket, QEMU's
pidfile, the console log, QEMU's stderr, the exact argv (to recognise the process behind
a pid even after pid reuse) and, once it has ended, how it ended.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hearth.errors import ValidationError
from hearth.qemu.machine import check_vm_name

# sun_path is 108 bytes including the terminating NUL.
_SUN_PATH_MAX = 107


@dataclass(frozen=True)
class LaunchRecord:
    argv: list[str]
    accel: str
    started: float


@dataclass(frozen=True)
class ExitRecord:
    state: str
    reason: str
    returncode: int | None
    signal: int | None
    ended: float


class RuntimeDir:
    def __init__(self, state_dir: Path, name: str) -> None:
        self.name = check_vm_name(name)
        self.root = Path(os.path.abspath(state_dir)) / name
        for sock in (self.qmp_socket, self.console_socket, self.vnc_socket):
            if len(os.fsencode(sock)) > _SUN_PATH_MAX:
                raise ValidationError(
                    f"state directory path is too long for a unix socket ({sock}); use a shorter one",
                    path=str(sock),
                )

    @property
    def qmp_socket(self) -> Path:
        return self.root / "qmp.sock"

    @property
    def console_socket(self) -> Path:
        """Where the serial console is served, for a machine started with it."""
        return self.root / "serial.sock"

    @property
    def vnc_socket(self) -> Path:
        """Where the VNC server listens, for a machine started with a screen."""
        return self.root / "vnc.sock"

    @property
    def pidfile(self) -> Path:
        return self.root / "qemu.pid"

    @property
    def console_log(self) -> Path:
        return self.root / "console.log"

    @property
    def stderr_log(self) -> Path:
        return self.root / "qemu.stderr"

    @property
    def stdout_log(self) -> Path:
        return self.root / "qemu.stdout"

    @property
    def launch_file(self) -> Path:
        return self.root / "launch.json"

    @property
    def exit_file(self) -> Path:
        return self.root / "exit.json"

    def exists(self) -> bool:
        return self.launch_file.is_file()

    def prepare(self) -> None:
        """Create the directory and clear what a previous run of this VM left behind."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        for stale in (
            self.qmp_socket,
            self.console_socket,
            self.vnc_socket,
            self.pidfile,
            self.exit_file,
            self.launch_file,
        ):
            stale.unlink(missing_ok=True)

    def write_launch(self, argv: list[str], accel: str) -> None:
        _write_json(self.launch_file, asdict(LaunchRecord(argv=argv, accel=accel, started=time.time())))

    def read_launch(self) -> LaunchRecord | None:
        data = _read_json(self.launch_file)
        return LaunchRecord(**data) if data is not None else None

    def read_pid(self) -> int | None:
        try:
            return int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None

    def write_exit(self, state: str, reason: str, returncode: int | None, signal: int | None) -> None:
        record = ExitRecord(
            state=state, reason=reason, returncode=returncode, signal=signal, ended=time.time()
        )
        _write_json(self.exit_file, asdict(record))

    def read_exit(self) -> ExitRecord | None:
        data = _read_json(self.exit_file)
        return ExitRecord(**data) if data is not None else None

    def stderr_tail(self, limit: int = 2000) -> str:
        try:
            data = self.stderr_log.read_bytes()
        except OSError:
            return ""
        return data[-limit:].decode(errors="replace").strip()


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
