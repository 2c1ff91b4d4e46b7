"""boto3 clients and the AWS CLI pointed at a test server's /ec2, as a user would set them up.

How they authenticate is in one place here, as it is in the frontend (``hearth.api.ec2.auth``):
until SigV4 and access keys are part of Hearth the clients send the Hearth user's HTTP Basic
credentials on an unsigned request (botocore's ``before-send`` hook), the only change to an
ordinary client.
"""

from __future__ import annotations

import base64
from typing import Any

import boto3
from botocore import UNSIGNED
from botocore.config import Config

from hearth.api.ec2.context import REGION

from ..conftest import Running


def _basic(user: tuple[str, str]) -> str:
    return "Basic " + base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()


def ec2_client(server: Running, user: tuple[str, str], **config: Any) -> Any:
    """A boto3 EC2 client for ``user`` (retries off: a test sees the first answer)."""
    session = boto3.session.Session()
    client = session.client(
        "ec2",
        endpoint_url=f"{server.url}/ec2",
        region_name=REGION,
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}, **config),
    )
    header = _basic(user)

    def authorise(request: Any, **_: Any) -> None:
        request.headers["Authorization"] = header

    client.meta.events.register("before-send.ec2", authorise)
    return client


def ec2_resource(server: Running, user: tuple[str, str]) -> Any:
    resource = boto3.session.Session().resource(
        "ec2",
        endpoint_url=f"{server.url}/ec2",
        region_name=REGION,
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
    )
    header = _basic(user)

    def authorise(request: Any, **_: Any) -> None:
        request.headers["Authorization"] = header

    resource.meta.client.meta.events.register("before-send.ec2", authorise)
    return resource
