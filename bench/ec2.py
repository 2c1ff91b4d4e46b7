"""The /ec2 frontend through boto3 next to moto's EC2 server: DescribeInstances of 1,000
instances, and RunInstances/TerminateInstances round trips.

One ``hearth serve`` (mock driver, SQLite) and one moto server (``moto[server]``, the dev extra:
the EC2-compatible server Hearth's own EC2 driver is tested against) run as subprocesses on
loopback, each filled with ``--instances`` instances by its own RunInstances calls. Each round
times, through boto3 (SigV4 and botocore's parser on both sides alike), ``--calls``
DescribeInstances of everything against each, then ``--launches`` RunInstances (one instance)
+ TerminateInstances pairs against each; after Hearth's pairs, untimed, its terminations (tasks
that stop and destroy the guest) drain, so its task queue never refuses one and their work does
not run on the CPU while moto is timed. Terminated
instances stay listed for an hour on both servers, so both listings grow alike. The median
round of each counts, so machine noise falls on both. ``GET /v1/instances`` of the same
instances is timed too, for what the EC2 protocol costs over /v1's JSON.

Prints the figures, then ``describe_ratio_to_moto`` and ``run_ratio_to_moto`` (Hearth's
throughput over moto's) and last ``min_ratio_to_moto``.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.config import Config

DEMO = ("demo", "demo-password")
HEARTH = [sys.executable, "-c", "from hearth.cli.main import main; main()"]
MOTO = [sys.executable, "-m", "moto.server"]
NO_RETRIES = Config(retries={"max_attempts": 1})
BATCH = 100  # instances one RunInstances makes while filling


@dataclass(frozen=True)
class Target:
    """One EC2 endpoint as the bench drives it: a boto3 client, an image and an instance type."""

    name: str
    ec2: Any
    image: str
    instance_type: str

    def run_one(self) -> str:
        made = self.ec2.run_instances(
            ImageId=self.image, InstanceType=self.instance_type, MinCount=1, MaxCount=1
        )
        return str(made["Instances"][0]["InstanceId"])

    def fill(self, count: int) -> None:
        left = count
        while left > 0:
            batch = min(left, BATCH)
            self.ec2.run_instances(
                ImageId=self.image, InstanceType=self.instance_type, MinCount=batch, MaxCount=batch
            )
            left -= batch

    def describe(self, at_least: int) -> None:
        found = sum(len(r["Instances"]) for r in self.ec2.describe_instances()["Reservations"])
        assert found >= at_least, (self.name, found)

    def round_trip(self) -> None:
        instance = self.run_one()
        changed = self.ec2.terminate_instances(InstanceIds=[instance])["TerminatingInstances"]
        assert changed[0]["InstanceId"] == instance

    def settled(self) -> bool:
        """No termination under way (Hearth's run as tasks; moto's are immediate)."""
        ending = self.ec2.describe_instances(
            Filters=[{"Name": "instance-state-name", "Values": ["shutting-down"]}]
        )["Reservations"]
        return not ending


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_up(url: str, proc: subprocess.Popen[bytes], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited before it answered")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"{what} did not answer in time")


@contextmanager
def _process(argv: list[str], url: str, what: str, env: dict[str, str] | None = None) -> Iterator[None]:
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        _wait_up(url, proc, what)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def hearth(state: Path) -> Iterator[tuple[Target, httpx.Client]]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    serve = [*HEARTH, "serve", "--state-dir", str(state), "--listen", f"127.0.0.1:{port}"]
    with _process(serve, f"{url}/v1/openapi.json", "hearth serve"):
        made = subprocess.run(
            [*HEARTH, "user", "access-key", "add", DEMO[0], "--json", "--state-dir", str(state)],
            capture_output=True,
            text=True,
            check=True,
        )
        key = json.loads(made.stdout)
        ec2 = boto3.session.Session(
            aws_access_key_id=key["access_key_id"],
            aws_secret_access_key=key["secret_access_key"],
            region_name="hearth",
        ).client("ec2", endpoint_url=f"{url}/ec2", config=NO_RETRIES)
        image = ec2.describe_images(Filters=[{"Name": "name", "Values": ["debian-12"]}])["Images"][0][
            "ImageId"
        ]
        with httpx.Client(base_url=url, auth=DEMO, timeout=120) as v1:
            yield Target("hearth", ec2, image, "small"), v1


@contextmanager
def moto() -> Iterator[Target]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [*MOTO, "-H", "127.0.0.1", "-p", str(port)]
    with _process(
        argv, f"{url}/moto-api/", "moto_server", {**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "false"}
    ):
        ec2 = boto3.client(
            "ec2",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="AKIAHEARTHBENCH00001",
            aws_secret_access_key="hearth-bench-secret",
            config=NO_RETRIES,
        )
        image = ec2.register_image(Name="bench", Architecture="x86_64", RootDeviceName="/dev/sda1")["ImageId"]
        yield Target("moto", ec2, image, "t3.micro")


def _rate(call: Callable[[], None], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return calls / (time.perf_counter() - started)


def _drain(target: Target, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not target.settled():
        if time.monotonic() > deadline:
            raise SystemExit(f"{target.name}'s terminations did not finish in {timeout} s")
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=3, help="DescribeInstances per round and server")
    parser.add_argument("--launches", type=int, default=20, help="run+terminate pairs per round and server")
    args = parser.parse_args()
    rates: dict[str, list[float]] = {
        k: [] for k in ("hearth_describe", "moto_describe", "v1_list", "hearth_run", "moto_run")
    }
    with tempfile.TemporaryDirectory(prefix="hearth-bench-ec2-") as tmp, moto() as theirs:
        state = Path(tmp)
        os.chmod(state, 0o700)
        with hearth(state) as (ours, v1):
            for target in (ours, theirs):
                target.fill(args.instances)
                target.describe(args.instances)  # warm connections and caches before timing
                target.round_trip()
            _drain(ours)

            def listing() -> None:
                body = v1.get("/v1/instances", params={"limit": 1000}).json()
                assert len(body["instances"]) >= min(args.instances, 1000)

            for _ in range(args.rounds):
                rates["hearth_describe"].append(_rate(lambda: ours.describe(args.instances), args.calls))
                rates["moto_describe"].append(_rate(lambda: theirs.describe(args.instances), args.calls))
                rates["v1_list"].append(_rate(listing, args.calls))
                rates["hearth_run"].append(_rate(ours.round_trip, args.launches))
                _drain(ours)  # before moto's turn: Hearth's terminations must not slow moto down
                rates["moto_run"].append(_rate(theirs.round_trip, args.launches))
    median = {k: statistics.median(v) for k, v in rates.items()}
    describe_ratio = median["hearth_describe"] / median["moto_describe"]
    run_ratio = median["hearth_run"] / median["moto_run"]
    print(f"instances={args.instances}")
    print(f"hearth_describe_instances_per_s={median['hearth_describe']:.2f}")
    print(f"moto_describe_instances_per_s={median['moto_describe']:.2f}")
    print(f"v1_list_per_s={median['v1_list']:.2f}")
    print(f"describe_ratio_to_v1={median['hearth_describe'] / median['v1_list']:.3f}")
    print(f"hearth_run_terminate_per_s={median['hearth_run']:.2f}")
    print(f"moto_run_terminate_per_s={median['moto_run']:.2f}")
    print(f"describe_ratio_to_moto={describe_ratio:.3f}")
    print(f"run_ratio_to_moto={run_ratio:.3f}")
    print(f"min_ratio_to_moto={min(describe_ratio, run_ratio):.3f}")


if __name__ == "__main__":
    main()
