"""`hearth serve` and `hearth user add` as a user runs them: real processes, a real port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from hearth.service import ServiceConfig, default_state_dir, load_config

from .conftest import created

HEARTH = [str(Path(sys.executable).with_name("hearth"))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _hearth(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HEARTH, *args], capture_output=True, text=True, timeout=60)


@contextmanager
def _serving(*args: str) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    proc = subprocess.Popen(
        [*HEARTH, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while not any("Uvicorn running" in line or "Application startup complete" in line for line in lines):
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "".join(lines)
            lines.append(line)
            assert time.monotonic() < deadline, "".join(lines)
        yield proc, lines
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_serve_prints_the_url_and_demo_credentials_and_serves(tmp_path: Path) -> None:
    port = _free_port()
    with _serving("--state-dir", str(tmp_path / "state"), "--listen", f"127.0.0.1:{port}") as (proc, lines):
        out = "".join(lines)
        assert f"http://127.0.0.1:{port}/v1" in out
        assert "Demo user: demo / demo-password" in out and "Demo admin: admin / admin-password" in out
        r = httpx.get(f"http://127.0.0.1:{port}/v1", auth=("demo", "demo-password"), timeout=60)
        assert r.status_code == 200 and r.json()["driver"] == "mock"
        assert (tmp_path / "state" / "hearth.db").exists()

        # A user added while the server runs can log in at once (same SQLite file, WAL).
        added = _hearth(
            "user", "add", "carol", "--password", "carol-password", "--state-dir", str(tmp_path / "state")
        )
        assert added.returncode == 0, added.stderr
        assert "created user carol" in added.stdout and "carol-password" not in added.stdout
        r = httpx.get(f"http://127.0.0.1:{port}/v1/instances", auth=("carol", "carol-password"), timeout=60)
        assert r.status_code == 200 and r.json() == {"instances": [], "next": None}
    assert proc.returncode == 0, "".join(lines) + (proc.stdout.read() if proc.stdout else "")


def test_serve_also_driver_ec2_offers_it_on_api_and_says_so(tmp_path: Path) -> None:
    port = _free_port()
    args = ("--state-dir", str(tmp_path / "state"), "--listen", f"127.0.0.1:{port}", "--also-driver", "ec2")
    with _serving(*args) as (_, lines):
        assert "also serves the ec2 driver per request (us-east-1)" in "".join(lines)
        r = httpx.get(
            f"http://127.0.0.1:{port}/api?format=json", headers={"x-deltacloud-driver": "ec2"}, timeout=60
        )
        assert r.status_code == 200 and r.json()["api"]["driver"] == "ec2"
        drivers = httpx.get(f"http://127.0.0.1:{port}/api/drivers?format=json", timeout=60).json()
        assert set(drivers) == {"ec2", "mock"}


def test_serve_reads_a_toml_config_and_flags_win(tmp_path: Path) -> None:
    port, other = _free_port(), _free_port()
    cfg = tmp_path / "hearth.toml"
    cfg.write_text(f'driver = "mock"\nstate_dir = "{tmp_path / "from-file"}"\nlisten = "127.0.0.1:{other}"\n')
    with _serving("--config", str(cfg), "--listen", f"127.0.0.1:{port}"):
        r = httpx.get(f"http://127.0.0.1:{port}/v1", auth=("admin", "admin-password"), timeout=60)
        assert r.status_code == 200
        assert (tmp_path / "from-file" / "hearth.db").exists()


def test_serve_refuses_bad_settings_with_one_line(tmp_path: Path) -> None:
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text('driver = "mock"\ncolour = "red"\n')
    cases = [
        (["--driver", "xen"], "unknown driver 'xen'"),
        (["--listen", "nowhere"], "listen address 'nowhere' must be HOST:PORT"),
        (["--config", str(bad_toml)], "unknown key 'colour'"),
        (["--config", str(tmp_path / "missing.toml")], "cannot read config file"),
        (["--db", "mysql://u:pw@h/db"], "unsupported database 'mysql'"),
        (["--uri", "qemu:///system"], "the mock driver takes no --uri"),
        (["--also-driver", "libvirt"], "libvirt cannot be an extra driver"),
        (["--also-driver", "nosuch"], "unknown extra driver 'nosuch'"),
    ]
    for args, message in cases:
        r = _hearth("serve", "--state-dir", str(tmp_path / "s"), *args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert r.stderr.strip() == f"hearth: error: {r.stderr.strip().removeprefix('hearth: error: ')}"
        assert message in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
        assert "pw@" not in r.stderr


def test_user_add_refuses_bad_input(tmp_path: Path) -> None:
    state = ["--state-dir", str(tmp_path)]
    assert _hearth("user", "add", "dave", "--password", "dave-password", "--admin", *state).returncode == 0
    for args, message in (
        (["dave", "--password", "another-password"], "user 'dave' already exists"),
        (["Bad Name", "--password", "long-enough"], "must start with a lowercase letter"),
        (["eve", "--password", "short"], "at least 8 characters"),
    ):
        r = _hearth("user", "add", *args, *state)
        assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_config_defaults() -> None:
    cfg = load_config(None)
    assert cfg == ServiceConfig()
    assert cfg.driver.value == "mock" and cfg.listen == "127.0.0.1:8080"
    expected = Path("/var/lib/hearth") if os.geteuid() == 0 else Path.home() / ".local/share/hearth"
    assert default_state_dir() == expected or "XDG_DATA_HOME" in os.environ
    assert cfg.db_url == f"sqlite:///{(cfg.state_dir / 'hearth.db').resolve()}"
    assert ServiceConfig(listen="[::1]:9000").host_port == ("::1", 9000)


def test_serve_reports_a_host_it_cannot_reach_and_its_realm_answers_at_once(tmp_path: Path) -> None:
    """The libvirt driver connects at start and says so; a host that is down is UNAVAILABLE at
    once (no 10 s hang per request) while the server keeps serving the host that is up."""
    state = tmp_path / "state"
    added = _hearth("user", "add", "ops", "--password", "ops-password", "--admin", "--state-dir", str(state))
    assert added.returncode == 0, added.stderr
    cfg = tmp_path / "hearth.toml"
    cfg.write_text(
        'driver = "libvirt"\nuris = ["test:///default", "qemu:///nosuch"]\nserver_id = "srv-report"\n'
        '[libvirt]\nname_prefix = "hrep"\npool = "hrep-pool"\n'
        f'pool_path = "{tmp_path / "pool"}"\nshared_networks = ["default"]\n'
    )
    port = _free_port()
    with _serving("--config", str(cfg), "--state-dir", str(state), "--listen", f"127.0.0.1:{port}") as (
        _,
        lines,
    ):
        out = "".join(lines)
        assert "Host local: reached" in out
        assert "Host local-2: UNAVAILABLE (cannot connect to qemu:///nosuch" in out
        assert "retrying in the background" in out
        r = httpx.get(f"http://127.0.0.1:{port}/v1/realms", auth=("ops", "ops-password"), timeout=60)
        assert r.status_code == 200
        assert {x["id"]: x["state"] for x in r.json()["realms"]} == {
            "local": "AVAILABLE",
            "local-2": "UNAVAILABLE",
        }
        pools = httpx.get(f"http://127.0.0.1:{port}/v1/pools", auth=("ops", "ops-password"), timeout=60)
        assert pools.status_code == 502 and "qemu:///nosuch" in pools.json()["message"]


def test_serve_refuses_a_bad_libvirt_table_in_one_line(tmp_path: Path) -> None:
    cfg = tmp_path / "hearth.toml"
    cfg.write_text('driver = "libvirt"\n[libvirt]\npool_path = "relative/dir"\n')
    done = _hearth("serve", "--config", str(cfg), "--state-dir", str(tmp_path / "state"))
    assert done.returncode != 0
    assert "pool_path must be an absolute path" in done.stderr and "Traceback" not in done.stderr


def test_serve_serves_the_console_websocket_and_logs_no_ticket(tmp_path: Path) -> None:
    from websockets.sync.client import connect

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with _serving("--state-dir", str(tmp_path / "state"), "--listen", f"127.0.0.1:{port}") as (proc, lines):
        with httpx.Client(base_url=base, auth=("demo", "demo-password"), timeout=60) as demo:
            made = created(
                demo, demo.post("/v1/instances", json={"image_id": "debian-12", "hwp_id": "small"})
            )
            deadline = time.monotonic() + 60
            while demo.get(f"/v1/instances/{made['id']}").json()["state"] != "RUNNING":
                assert time.monotonic() < deadline
                time.sleep(0.1)
            ticket = demo.post(f"/v1/instances/{made['id']}/console/ticket").json()
        with connect(f"ws://127.0.0.1:{port}{ticket['url']}", open_timeout=30) as ws:
            seen = b""
            while b"login: " not in seen:
                frame = ws.recv(timeout=30)
                assert isinstance(frame, bytes)
                seen += frame
    rest = proc.stdout.read() if proc.stdout else ""
    assert proc.returncode == 0, "".join(lines) + rest
    assert ticket["ticket"] not in "".join(lines) + rest
    assert "ticket=***" in rest  # the access log has the handshake, the ticket masked
