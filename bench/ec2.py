"""DescribeInstances through boto3 against /ec2 versus the same listing through /v1 with httpx.

One ``hearth serve`` (mock driver, SQLite) in a subprocess holds ``--instances`` instances; the
script lists them all, alternately, through the EC2 frontend (boto3 with SigV4 under an access
key from ``hearth user access-key add``) and through ``GET /v1/instances`` (httpx, HTTP Basic),
for ``--rounds`` rounds of ``--calls`` calls each, so machine noise falls on both alike; the
median round of each counts. The ratio is what the EC2 protocol costs over /v1's JSON for the
same service call (signing, XML both ways, botocore's parser). Prints the figures, then
``describe_ratio_to_v1`` last.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.config import Config

DEMO = ("demo", "demo-password")
REGION = "hearth"
HEARTH = [sys.executable, "-c", "from hearth.cli.main import main; main()"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_up(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("hearth serve exited before it answered")
        try:
            httpx.get(f"{url}/v1/openapi.json", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("hearth serve did not answer in time")


def _fill(v1: httpx.Client, count: int) -> None:
    left = count
    while left > 0:
        batch = min(left, 100)
        r = v1.post(
            "/v1/instances", params={"count": batch}, json={"image_id": "debian-12", "hwp_id": "small"}
        )
        r.raise_for_status()
        if r.status_code == 202:
            location = r.headers["location"]
            while v1.get(location).json()["status"] not in ("succeeded", "failed"):
                time.sleep(0.1)
        left -= batch


def _rate(call: Any, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return calls / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hearth-bench-ec2-") as tmp:
        state = Path(tmp)
        os.chmod(state, 0o700)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [*HEARTH, "serve", "--state-dir", str(state), "--listen", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_up(url, server)
            made = subprocess.run(
                [*HEARTH, "user", "access-key", "add", DEMO[0], "--json", "--state-dir", str(state)],
                capture_output=True,
                text=True,
                check=True,
            )
            key = json.loads(made.stdout)
            with httpx.Client(base_url=url, auth=DEMO, timeout=120) as v1:
                _fill(v1, args.instances)
                ec2 = boto3.session.Session(
                    aws_access_key_id=key["access_key_id"],
                    aws_secret_access_key=key["secret_access_key"],
                    region_name=REGION,
                ).client("ec2", endpoint_url=f"{url}/ec2", config=Config(retries={"max_attempts": 1}))

                def describe() -> None:
                    found = sum(len(r["Instances"]) for r in ec2.describe_instances()["Reservations"])
                    assert found >= args.instances, found

                def listing() -> None:
                    body = v1.get("/v1/instances", params={"limit": 1000}).json()
                    assert len(body["instances"]) >= min(args.instances, 1000)

                describe()
                listing()  # warm both paths (connections, caches) before timing
                ec2_rounds: list[float] = []
                v1_rounds: list[float] = []
                for _ in range(args.rounds):
                    ec2_rounds.append(_rate(describe, args.calls))
                    v1_rounds.append(_rate(listing, args.calls))
        finally:
            server.terminate()
            server.wait(timeout=30)
    ec2_rps, v1_rps = statistics.median(ec2_rounds), statistics.median(v1_rounds)
    print(f"instances={args.instances}")
    print(f"describe_instances_per_s={ec2_rps:.2f}")
    print(f"v1_list_per_s={v1_rps:.2f}")
    print(f"describe_ratio_to_v1={ec2_rps / v1_rps:.3f}")


if __name__ == "__main__":
    main()
