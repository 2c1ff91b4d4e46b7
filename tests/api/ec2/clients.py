"""A server for the EC2 tests, and boto3 clients pointed at its /ec2 as a user would set them up:
the endpoint URL and an access key of the user's own, nothing else changed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from hearth.api.ec2.context import REGION
from hearth.drivers.mock import MockDriver
from hearth.drivers.schema import upgrade
from hearth.service import Service
from hearth.service.access_keys import AccessKeys
from hearth.store import default_url, make_engine

from ..conftest import FAST, Running, serve, store


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str


@contextmanager
def serve_ec2(tmp: Path, timing: Any = FAST, *, again: bool = False) -> Iterator[Running]:
    """The mock driver behind a real server whose Service verifies access keys; ``again``: over
    the store and state dir an earlier ``serve_ec2(tmp)`` left (the same server, restarted)."""
    if again:
        engine = make_engine(default_url(tmp))
        upgrade(engine, "mock")
    else:
        engine = store(tmp)
    keys = AccessKeys.in_state_dir(engine, tmp)
    with serve(Service(MockDriver(engine, timing=timing), engine, access_keys=keys)) as running:
        yield running


def access_key(server: Running, user: str) -> Credentials:
    keys = server.service.access_keys
    assert keys is not None
    made = keys.create(user)
    return Credentials(made.key.id, made.secret)


def session(credentials: Credentials) -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        region_name=REGION,
    )


def ec2_client(server: Running, credentials: Credentials, **config: Any) -> Any:
    """A boto3 EC2 client (retries off unless asked: a test sees the first answer)."""
    options = {"retries": {"max_attempts": 1}, **config}
    return session(credentials).client("ec2", endpoint_url=f"{server.url}/ec2", config=Config(**options))


def ec2_resource(server: Running, credentials: Credentials) -> Any:
    config = Config(retries={"max_attempts": 1})
    return session(credentials).resource("ec2", endpoint_url=f"{server.url}/ec2", config=config)
