"""`hearth serve` keeps its files private and fails cleanly: real processes, real files, a real port."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

from .test_cli_serve import _serving

HEARTH = [str(Path(sys.executable).with_name("hearth"))]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # nothing listens there once the socket is closed


def test_serve_makes_its_state_private_and_says_so(tmp_path: Path) -> None:
    state = tmp_path / "state"
    seed = state / "qemu" / "instances" / "i-1" / "seed.iso"
    seed.parent.mkdir(parents=True)
    seed.write_bytes(b"seed")
    for path, mode in ((state, 0o755), (seed.parent, 0o755), (seed, 0o644)):
        path.chmod(mode)
    port = _closed_port()
    with _serving("--state-dir", str(state), "--listen", f"127.0.0.1:{port}") as (_, lines):
        out = "".join(lines)
        assert _mode(state) == 0o700 and _mode(seed) == 0o600 and _mode(seed.parent) == 0o700
        assert _mode(state / "hearth.db") == 0o600
    said = [line for line in out.splitlines() if "private" in line]
    assert len(said) == 1 and f"state directory {state} was mode 0755; now 0700" in said[0], out


def test_serve_refuses_a_state_dir_owned_by_someone_else(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    os.chown(state, 65534, 65534)
    done = subprocess.run(
        [*HEARTH, "serve", "--state-dir", str(state), "--listen", f"127.0.0.1:{_closed_port()}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"state directory {state} belongs to uid 65534" in done.stderr


def test_an_unreachable_database_is_one_line_naming_it_without_the_password(tmp_path: Path) -> None:
    port = _closed_port()
    url = f"postgresql://bob:S3cretPw9@127.0.0.1:{port}/hearth"
    done = subprocess.run(
        [*HEARTH, "serve", "--state-dir", str(tmp_path / "s"), "--db", url, "--listen", "127.0.0.1:1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "S3cretPw9" not in done.stderr + done.stdout
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"cannot open the database postgresql+psycopg://bob:***@127.0.0.1:{port}/hearth" in done.stderr
    assert "refused" in done.stderr.lower()
