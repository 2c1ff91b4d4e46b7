"""botocore's own EC2 wire code, for the tests: what boto3 sends, and how it reads an answer.

The frontend never imports botocore (the layers forbid it); the tests hold it to botocore's
serializer and parser, the code every EC2 client built on boto3 runs.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import botocore.session
from botocore.model import ServiceModel
from botocore.parsers import EC2QueryParser
from botocore.serialize import EC2Serializer


@cache
def model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("ec2")


def sent_pairs(operation: str, **params: Any) -> list[tuple[str, str]]:
    """The form pairs boto3 POSTs for ``operation`` with these (boto3-style) parameters."""
    request = EC2Serializer().serialize_to_request(params, model().operation_model(operation))
    body = request["body"]
    assert isinstance(body, dict)
    return [(str(k), str(v)) for k, v in body.items()]


def parsed(operation: str, body: bytes, status: int = 200) -> dict[str, Any]:
    """What boto3 makes of a response ``body`` to ``operation``."""
    shape = model().operation_model(operation).output_shape
    response = {"body": body, "headers": {}, "status_code": status}
    result: dict[str, Any] = EC2QueryParser().parse(response, shape)
    return result
