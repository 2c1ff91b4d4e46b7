"""moto's EC2-compatible server, run as a real HTTP server process on a loopback port.

Why moto stands in for AWS: the tests may not reach any network but loopback, and AWS needs an
account and money. moto's server mode speaks EC2's Query API over HTTP, so the driver under test
is exactly the one a server runs against AWS: boto3 signs and sends real requests, parses real
XML responses and errors. Where moto is laxer than AWS (it lets an attached volume be deleted
or an address be released while associated) the driver checks the rule itself, and the tests
hold it to that.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx

REGION = "us-east-1"
# Any key pair is accepted by moto; these are checked never to show in errors or logs.
ACCESS_KEY_ID = "AKIAHEARTHTESTKEY001"
SECRET_ACCESS_KEY = "hearth-test-secret-that-must-never-show"
# A few real instance types: the whole region's list (1,400 types) takes seconds to fetch.
INSTANCE_TYPES = ["t3.micro", "t3.small", "m5.large", "c6g.medium"]


@dataclass(frozen=True)
class MotoServer:
    url: str

    def client(self) -> Any:
        """A boto3 client of our own, to look at what the driver did from EC2's side."""
        return boto3.client(
            "ec2",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )

    def reset(self) -> None:
        """Forget every object, so a case starts from an empty account (moto's own reset API)."""
        httpx.post(f"{self.url}/moto-api/reset", timeout=30).raise_for_status()

    def options(self, **extra: object) -> dict[str, object]:
        """The ``[ec2]`` table a server would have for this endpoint."""
        return {
            "endpoint_url": self.url,
            "region": REGION,
            "access_key_id": ACCESS_KEY_ID,
            "secret_access_key": SECRET_ACCESS_KEY,
            "instance_types": INSTANCE_TYPES,
            **extra,
        }

    def register_image(self, name: str = "hearth-test-image") -> str:
        """An AMI of the account: what the driver offers as its catalogue (image_owners self)."""
        made = self.client().register_image(
            Name=name, Architecture="x86_64", RootDeviceName="/dev/sda1", Description="for the tests"
        )
        return str(made["ImageId"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def run_moto(log_dir: Path) -> Iterator[MotoServer]:
    """Start ``moto_server`` on a free loopback port; stop it (by its pid) at the end."""
    port = free_port()
    log = (log_dir / "moto.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "false"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"moto_server exited ({proc.returncode}); see {log_dir / 'moto.log'}")
            try:
                httpx.get(f"{url}/moto-api/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start listening within 60 s") from None
                time.sleep(0.1)
        yield MotoServer(url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
