"""`hearth serve --driver ec2` as an operator runs it: a real server process, its [ec2] table
pointing at moto's EC2 server, driven over /v1 with a real HTTP client."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.api.conftest import created

from .moto import ACCESS_KEY_ID, SECRET_ACCESS_KEY, MotoServer, free_port

HEARTH = str(Path(sys.executable).with_name("hearth"))


def _toml(moto: MotoServer, state: Path, port: int, **extra: object) -> str:
    table = {**moto.options(), **extra}
    lines = ['driver = "ec2"', f'state_dir = "{state}"', f'listen = "127.0.0.1:{port}"', "[ec2]"]
    for key, value in table.items():
        shown = "[" + ", ".join(f'"{v}"' for v in value) + "]" if isinstance(value, list) else f'"{value}"'
        lines.append(f"{key} = {shown}")
    return "\n".join(lines) + "\n"


def test_a_server_on_the_ec2_driver_runs_instances_in_ec2(
    moto: MotoServer, image: str, tmp_path: Path
) -> None:
    state, port = tmp_path / "state", free_port()
    cfg = tmp_path / "hearth.toml"
    cfg.write_text(_toml(moto, state, port))
    added = subprocess.run(
        [HEARTH, "user", "add", "carol", "--password", "carol-password", "--state-dir", str(state)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    proc = subprocess.Popen(
        [HEARTH, "serve", "--config", str(cfg)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while not any("Application startup complete" in line for line in lines):
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "".join(lines)
            lines.append(line)
            assert time.monotonic() < deadline, "".join(lines)
        assert "Hearth ec2 driver" in "".join(lines) and "Host us-east-1: reached" in "".join(lines)
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", auth=("carol", "carol-password"), timeout=60
        ) as c:
            assert c.get("/v1").json()["driver"] == "ec2"
            r = c.post("/v1/instances", json={"image_id": image, "hwp_id": "t3.micro", "name": "web"})
            inst = created(c, r, 120)  # EC2 names it: the request waits for the task, then names it
            seen = moto.client().describe_instances(InstanceIds=[inst["id"]])["Reservations"][0]["Instances"][
                0
            ]
            assert {"Key": "Name", "Value": "web"} in seen["Tags"]
            deadline = time.monotonic() + 30
            while c.get(f"/v1/instances/{inst['id']}").json()["state"] != "RUNNING":
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert c.post(f"/v1/instances/{inst['id']}/stop", json={"force": True}).status_code == 202
            while c.get(f"/v1/instances/{inst['id']}").json()["state"] != "STOPPED":
                assert time.monotonic() < deadline
                time.sleep(0.1)
            r = c.post(f"/v1/instances/{inst['id']}/destroy")
            assert r.status_code == 202 and r.json()["state"] == "FINISHED"
            assert c.get(f"/v1/instances/{inst['id']}").status_code == 404
            suspend = c.post(f"/v1/instances/{inst['id']}/suspend")
            assert suspend.status_code in (404, 501)  # gone, and EC2 has no pause either
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    out = "".join(lines) + (proc.stdout.read() if proc.stdout else "")
    assert SECRET_ACCESS_KEY not in out and ACCESS_KEY_ID not in out


def test_bad_ec2_settings_are_refused_with_one_line_and_no_secret(moto: MotoServer, tmp_path: Path) -> None:
    state = tmp_path / "s"
    bad_key = tmp_path / "bad.toml"
    bad_key.write_text(_toml(moto, state, 1234, colour="red"))
    wrong_driver = tmp_path / "mock.toml"
    wrong_driver.write_text(_toml(moto, state, 1234).replace('driver = "ec2"', 'driver = "mock"'))
    for cfg, message in ((bad_key, "[ec2] has no key 'colour'"), (wrong_driver, "applies to the ec2 driver")):
        r = subprocess.run(
            [HEARTH, "serve", "--config", str(cfg)], capture_output=True, text=True, timeout=60
        )
        assert r.returncode == 2, (r.stdout, r.stderr)
        assert message in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert SECRET_ACCESS_KEY not in r.stderr + r.stdout and ACCESS_KEY_ID not in r.stderr + r.stdout
