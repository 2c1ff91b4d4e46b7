"""``hearth media`` run as subprocesses (the installed entry point) against a real server (mock driver)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import ADMIN, DEMO, Running, created, serve_driver
from tests.media.conftest import DEBIAN_VOLUME_ID, build_iso
from tests.media.httpserver import RangeServer

HEARTH = [str(Path(sys.executable).with_name("hearth"))]


@pytest.fixture
def running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    monkeypatch.setenv("HEARTH_MEDIA_DIR", str(tmp_path / "media"))
    with serve_driver(tmp_path / "store") as r:
        yield r


def env_for(running: Running, who: tuple[str, str]) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    return {
        **clean,
        "HEARTH_URL": running.url,
        "HEARTH_USER": who[0],
        "HEARTH_PASSWORD": who[1],
        "COLUMNS": "200",
    }


def hearth(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*HEARTH, "media", *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if ok:
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def js(env: dict[str, str], *args: str) -> Any:
    return json.loads(hearth(env, *args, "--json").stdout)


def test_media_cli_end_to_end(running: Running, tmp_path: Path, http: RangeServer) -> None:
    admin, demo = env_for(running, ADMIN), env_for(running, DEMO)
    root = tmp_path / "isos"
    root.mkdir()
    build_iso(root / "debian.iso", DEBIAN_VOLUME_ID, bootable=True)

    denied = hearth(demo, "source-add", "local", "--type", "dir", "--path", str(root), ok=False)
    assert denied.returncode == 1 and "only an admin" in denied.stderr and "Traceback" not in denied.stderr
    made = js(admin, "source-add", "local", "--type", "dir", "--path", str(root))
    assert made["name"] == "local"
    assert [s["name"] for s in js(demo, "sources")["sources"]] == ["local"]

    listed = js(demo, "ls", "local", "--type", "iso")["media"]
    assert [(i["name"], i["os"], i["bootable"]) for i in listed] == [("debian.iso", "debian11", True)]
    table = hearth(demo, "ls", "local").stdout
    assert "debian.iso" in table and "debian11" in table
    bad = hearth(demo, "ls", "local", "../..", ok=False)
    assert "leaves its source" in bad.stderr

    image = build_iso(tmp_path / "tools.iso", "TOOLS")
    uploaded = hearth(admin, "upload", "local", str(image), "--as", "tools.iso", "--chunk-mib", "1")
    assert "succeeded" in uploaded.stdout or "TOOLS" in uploaded.stdout
    assert (root / "tools.iso").read_bytes() == image.read_bytes()
    assert sorted(i["name"] for i in js(demo, "ls", "local")["media"]) == ["debian.iso", "tools.iso"]

    # a VM's drive: add while stopped, then live change and eject through the CLI
    with running.client(DEMO) as c:
        inst = created(c, c.post("/v1/instances", json={"image_id": "debian-12", "hwp_id": "small"}))
        _wait_state(running, inst["id"], "RUNNING")
        assert c.post(f"/v1/instances/{inst['id']}/stop", json={"force": True}).status_code == 202
    _wait_state(running, inst["id"], "STOPPED")
    url_a = http.add("/a.iso", build_iso(tmp_path / "a.iso", "REMOTE_A"))
    disk = js(demo, "attach", inst["id"], url_a)
    assert disk["url"] == url_a
    changed = js(demo, "change", inst["id"], disk["dev"], listed[0]["id"])
    assert changed["path"] == str(root / "debian.iso")
    assert js(demo, "eject", inst["id"], disk["dev"])["path"] is None
    cached = js(demo, "change", inst["id"], disk["dev"], url_a, "--cache")
    assert cached["path"] and cached["url"] is None  # the task was followed to its result: the drive
    cache = js(demo, "cache")
    assert cache["used"] == (tmp_path / "a.iso").stat().st_size and cache["cache"][0]["users"] == [inst["id"]]


def _wait_state(running: Running, instance_id: str, state: str) -> None:
    from tests.api.conftest import wait_state

    with running.client(DEMO) as c:
        wait_state(c, instance_id, state)
