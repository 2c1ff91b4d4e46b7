"""The ``hearth`` client commands, run as subprocesses against a live server (mock driver)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import DEMO, Running, serve_driver

# The installed entry point, as a user runs it.
HEARTH = [str(Path(sys.executable).with_name("hearth"))]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The API tests' server (mock driver, real HTTP on loopback) for this module."""
    with serve_driver(tmp_path_factory.mktemp("state")) as server:
        yield server


@pytest.fixture
def env(live: Running) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    return {
        **clean,
        "HEARTH_URL": live.url,
        "HEARTH_USER": DEMO[0],
        "HEARTH_PASSWORD": DEMO[1],
        "COLUMNS": "200",
    }


def hearth(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*HEARTH, *args], env=env, capture_output=True, text=True, timeout=120, check=False)
    if ok:
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def js(env: dict[str, str], *args: str) -> Any:
    return json.loads(hearth(env, *args, "--json").stdout)


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hearth: error: "), done.stderr
    assert "Traceback" not in done.stderr
    return lines[0].removeprefix("hearth: error: ")


def test_template_and_vm_lifecycle(env: dict[str, str]) -> None:
    made = js(
        env,
        "template",
        "create",
        "cli-t",
        "--os",
        "debian11",
        "--memory",
        "512",
        "--vcpus",
        "1",
        "--disk",
        "2:raw",
    )
    assert made["name"] == "cli-t" and made["memory"]["current"] == 512
    assert made["disks"] == [{"size": 2, "format": "raw", "pool": None}]
    assert [t["name"] for t in js(env, "template", "list")["templates"]] == ["cli-t"]
    assert js(env, "template", "show", "cli-t")["id"] == made["id"]
    table = hearth(env, "template", "list").stdout
    assert "cli-t" in table and "debian11" in table and "512 MiB" in table

    # 202 + task: the client follows it and prints the instance
    vm = js(env, "vm", "create", "--template", "cli-t", "--name", "cli-vm")
    assert vm["name"] == "cli-vm" and vm["template"] == made["id"]
    vid = vm["id"]
    deadline = time.monotonic() + 30
    while js(env, "vm", "show", vid)["state"] != "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert vid in {i["id"] for i in js(env, "vm", "list")["instances"]}
    assert "cli-vm" in hearth(env, "vm", "list").stdout
    assert js(env, "vm", "reboot", vid)["state"] == "RUNNING"

    nics = js(env, "iface", "list", vid)["interfaces"]
    assert [(n["type"], n["source"]) for n in nics] == [("network", "default")]
    added = js(env, "iface", "add", vid, "--type", "macvtap", "--source", "eth0", "--mode", "vepa")
    assert added["mode"] == "vepa" and len(js(env, "iface", "list", vid)["interfaces"]) == 2
    out = hearth(env, "iface", "remove", vid, added["mac"]).stdout
    assert added["mac"] in out
    assert [n["mac"] for n in js(env, "iface", "list", vid)["interfaces"]] == [nics[0]["mac"]]

    stopped = js(env, "vm", "stop", vid, "--force")
    assert stopped["state"] in ("STOPPING", "STOPPED")
    while js(env, "vm", "show", vid)["state"] != "STOPPED":
        time.sleep(0.1)
    assert js(env, "vm", "start", vid)["state"] in ("PENDING", "RUNNING")
    while js(env, "vm", "show", vid)["state"] != "RUNNING":
        time.sleep(0.1)
    refused = hearth(env, "vm", "delete", vid, ok=False)
    assert "RUNNING" in one_error_line(refused)
    js(env, "vm", "stop", vid, "--force")
    while js(env, "vm", "show", vid)["state"] != "STOPPED":
        time.sleep(0.1)
    assert vid in hearth(env, "vm", "delete", vid).stdout
    assert "not found" in one_error_line(hearth(env, "vm", "show", vid, ok=False))

    clone = js(env, "template", "clone", "cli-t")
    assert clone["name"] == "cli-t-clone1"
    hearth(env, "template", "delete", "cli-t-clone1")
    hearth(env, "template", "delete", "cli-t")
    assert js(env, "template", "list") == {"templates": []}


def test_tasks_wait_with_a_progress_bar(env: dict[str, str]) -> None:
    # A disk to make is what turns the create into a task; --no-start leaves the instance STOPPED.
    hearth(env, "template", "create", "cli-cold", "--os", "debian11", "--disk", "1", "--no-network")
    task = js(env, "vm", "create", "--template", "cli-cold", "--no-start", "--no-wait")
    assert task["kind"] == "instances.create"
    shown = hearth(env, "task", "wait", task["id"])
    assert "100%" in shown.stdout and "succeeded" in shown.stdout
    done = js(env, "task", "wait", task["id"])
    assert done["status"] == "succeeded" and done["result"]["state"] in ("PENDING", "STOPPED")
    seen = [done["result"]["state"]]
    while seen[-1] != "STOPPED":  # created stopped: it settles without ever running
        assert len(seen) < 200, seen
        seen.append(js(env, "vm", "show", done["result"]["id"])["state"])
    assert "RUNNING" not in seen
    assert task["id"] in {t["id"] for t in js(env, "task", "list")["tasks"]}
    assert js(env, "task", "show", task["id"])["progress"] == 100
    hearth(env, "vm", "delete", done["result"]["id"])
    hearth(env, "template", "delete", "cli-cold")


def test_images_volumes_networks_keys(env: dict[str, str], tmp_path: Path) -> None:
    assert "debian-12" in {i["id"] for i in js(env, "image", "list")["images"]}
    assert js(env, "image", "show", "debian-12")["os"] == "debian12"

    vol = js(env, "volume", "create", "--size", "3", "--name", "cli-vol")
    assert vol["capacity_gb"] == 3 and vol["name"] == "cli-vol"
    assert vol["id"] in {v["id"] for v in js(env, "volume", "list")["volumes"]}
    hearth(env, "volume", "delete", vol["id"])

    net = js(env, "network", "create", "cli-net", "--block", "10.77.0.0/24")
    assert net["address_blocks"] == ["10.77.0.0/24"]
    assert "cli-net" in hearth(env, "network", "list").stdout
    hearth(env, "network", "delete", net["id"])

    key = js(env, "key", "create", "cli-key")
    assert key["private_key"].startswith("-----BEGIN")
    pub = tmp_path / "id.pub"
    pub.write_text(key["public_key"] + "\n")
    imported = js(env, "key", "import", "cli-key2", "--file", str(pub))
    assert imported["fingerprint"] == key["fingerprint"] and "private_key" not in imported
    assert {"cli-key", "cli-key2"} <= {k["name"] for k in js(env, "key", "list")["keys"]}
    for k in (key, imported):
        hearth(env, "key", "delete", k["id"])


def test_errors_are_one_line(env: dict[str, str]) -> None:
    bad = {**env, "HEARTH_PASSWORD": "wrong-password"}
    assert one_error_line(hearth(bad, "vm", "list", ok=False)) == "invalid user name or password"
    assert "wrong-password" not in hearth(bad, "vm", "list", ok=False).stderr
    nowhere = {**env, "HEARTH_URL": "http://127.0.0.1:9"}
    assert one_error_line(hearth(nowhere, "vm", "list", ok=False)) == "cannot connect to http://127.0.0.1:9"
    msg = one_error_line(
        hearth(env, "template", "create", "x", "--os", "debian11", "--network", "nosuchnet", ok=False)
    )
    assert msg == "network 'nosuchnet' does not exist"
    msg = one_error_line(
        hearth(env, "template", "create", "x", "--os", "debian11", "--macvtap", "lo", ok=False)
    )
    assert msg == "host interface 'lo' is a loopback device and cannot carry a macvtap"
    assert "exactly one" in one_error_line(hearth(env, "vm", "create", ok=False))
    no_user = {k: v for k, v in env.items() if k != "HEARTH_USER"}
    assert "--user" in one_error_line(hearth(no_user, "vm", "list", ok=False))
    no_pw = {k: v for k, v in env.items() if k != "HEARTH_PASSWORD"}
    done = subprocess.run(
        [*HEARTH, "vm", "list"], env=no_pw, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert "HEARTH_PASSWORD" in one_error_line(done)
    flags = {k: v for k, v in env.items() if k not in ("HEARTH_URL", "HEARTH_USER")}
    by_flags = js(flags, "vm", "list", "--url", env["HEARTH_URL"], "--user", DEMO[0])
    assert "instances" in by_flags and by_flags == js(env, "vm", "list")


def test_the_password_prompt_does_not_echo(env: dict[str, str]) -> None:
    """Typed at a real terminal (a pty): the password must not appear in what the terminal shows."""
    no_pw = {k: v for k, v in env.items() if k != "HEARTH_PASSWORD"}
    leader, follower = pty.openpty()
    # The pty becomes the child's controlling terminal (new session + TIOCSCTTY): getpass reads
    # /dev/tty first, which must be this pty and not whatever terminal runs pytest.
    proc = subprocess.Popen(
        [*HEARTH, "vm", "list", "--json"],
        env=no_pw,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(follower)
    try:
        seen = _read_until(leader, b"Password for demo: ")
        os.write(leader, DEMO[1].encode() + b"\n")
        seen += _read_to_eof(leader)
        proc.wait(timeout=60)
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = seen.decode(errors="replace")
    assert proc.returncode == 0, text
    assert DEMO[1] not in text
    assert '"instances"' in text


def _read_to_eof(fd: int, timeout: float = 60.0) -> bytes:
    """Everything the terminal shows until the program closes it (EIO on Linux)."""
    got = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _readable(fd):
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return got
        if not chunk:
            return got
        got += chunk
    raise AssertionError(f"the program kept the terminal open: {got!r}")


def _readable(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0.2)[0])


def _read_until(fd: int, marker: bytes, timeout: float = 30.0) -> bytes:
    got = b""
    deadline = time.monotonic() + timeout
    while marker not in got:
        assert time.monotonic() < deadline, got
        if _readable(fd):
            got += os.read(fd, 4096)
    return got


def test_instances_are_named_by_id_or_unique_name(env: dict[str, str]) -> None:
    made = js(env, "vm", "create", "--image", "debian-12", "--profile", "small", "--name", "by-name-1")
    assert js(env, "vm", "show", "by-name-1")["id"] == made["id"]
    assert js(env, "vm", "show", made["id"])["name"] == "by-name-1"
    twin = js(env, "vm", "create", "--image", "debian-12", "--profile", "small", "--name", "twin")
    again = hearth(
        env, "vm", "create", "--image", "debian-12", "--profile", "small", "--name", "twin", ok=False
    )
    assert f"an instance named 'twin' already exists ({twin['id']})" in one_error_line(
        again
    )  # unique per server
    assert js(env, "vm", "show", "twin")["id"] == twin["id"]
    assert "instance 'nobody' not found (no instance has that id or name)" in one_error_line(
        hearth(env, "vm", "stop", "nobody", ok=False)
    )
