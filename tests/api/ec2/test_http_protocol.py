"""The wire protocol as any HTTP client sees it: requests signed by botocore's own SigV4 code,
sent with httpx, and the answers read as XML — GET and POST, presigned URLs, error documents."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from lxml import etree

from hearth.api.ec2.context import REGION
from hearth.api.ec2.render import NAMESPACE
from hearth.api.ec2.request import API_VERSION
from hearth.api.ec2.sigv4 import SignedRequest
from hearth.service.access_keys import AccessKeys
from hearth.store import make_engine

from ..conftest import Running
from .clients import Credentials
from .signing import sign


def _send(server: Running, request: SignedRequest) -> httpx.Response:
    url = server.url + request.path + (f"?{request.query}" if request.query else "")
    headers = [(n, v) for n, v in request.headers if n.lower() != "host"]
    with httpx.Client(timeout=30) as client:
        return client.request(request.method, url, headers=headers, content=request.body)


def _signed(
    server: Running, key: Credentials, form: dict[str, str], *, method: str = "POST", presign: bool = False
) -> httpx.Response:
    params = {"Version": API_VERSION, **form}
    url = f"{server.url}/ec2/"
    kwargs: dict[str, Any] = {"params": params} if method == "GET" else {"data": params}
    request = sign(
        method,
        url,
        presign=presign,
        region=REGION,
        key_id=key.access_key_id,
        secret=key.secret_access_key,
        **kwargs,
    )
    return _send(server, request)


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    assert root.tag == "Response" and root.find("RequestID") is not None
    assert root.findtext("Errors/Error/Code") == code, response.text
    message = root.findtext("Errors/Error/Message")
    assert message and "Traceback" not in response.text
    return message


def test_a_signed_get_and_a_presigned_url_are_answered_like_a_post(
    server: Running, demo_key: Credentials
) -> None:
    for method, presign in [("POST", False), ("GET", False), ("GET", True)]:
        response = _signed(server, demo_key, {"Action": "DescribeRegions"}, method=method, presign=presign)
        assert response.status_code == 200, (method, presign, response.text)
        root = etree.fromstring(response.content)
        assert root.tag == f"{{{NAMESPACE}}}DescribeRegionsResponse"
        assert (
            root.findtext(f"{{{NAMESPACE}}}regionInfo/{{{NAMESPACE}}}item/{{{NAMESPACE}}}regionName")
            == REGION
        )


def test_an_action_hearth_does_not_implement_is_invalid_action_never_a_500(
    server: Running, demo_key: Credentials
) -> None:
    message = _error(_signed(server, demo_key, {"Action": "CreateTransitGateway"}), 400, "InvalidAction")
    assert "CreateTransitGateway" in message


def test_a_parameter_the_action_does_not_take_is_unknown(server: Running, demo_key: Credentials) -> None:
    message = _error(
        _signed(server, demo_key, {"Action": "DescribeInstances", "InstanceIdd.1": "i-1"}),
        400,
        "UnknownParameter",
    )
    assert "InstanceIdd" in message


def test_dry_run_says_the_request_would_have_succeeded(server: Running, demo_key: Credentials) -> None:
    _error(
        _signed(server, demo_key, {"Action": "DescribeInstances", "DryRun": "true"}), 412, "DryRunOperation"
    )


def test_user_data_that_is_not_base64_is_refused_naming_it(server: Running, demo_key: Credentials) -> None:
    form = {
        "Action": "RunInstances",
        "ImageId": "ami-0123456789abcdef0",
        "InstanceType": "small",
        "MinCount": "1",
        "MaxCount": "1",
        "UserData": "not base64!",
    }
    assert "UserData" in _error(_signed(server, demo_key, form), 400, "InvalidParameterValue")
    form["UserData"] = base64.b64encode(b"\xff\xfe").decode()
    assert "UserData" in _error(_signed(server, demo_key, form), 400, "InvalidParameterValue")


def test_requests_without_a_valid_signature_are_refused_with_ec2s_codes(
    server: Running, demo_key: Credentials
) -> None:
    body = urlencode({"Action": "DescribeRegions", "Version": API_VERSION})
    plain = httpx.post(
        f"{server.url}/ec2/", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    _error(plain, 401, "MissingAuthenticationToken")
    wrong = Credentials(demo_key.access_key_id, "x" * 40)
    _error(_signed(server, wrong, {"Action": "DescribeRegions"}), 403, "SignatureDoesNotMatch")
    unknown = Credentials("AKIA" + "Z" * 16, demo_key.secret_access_key)
    _error(_signed(server, unknown, {"Action": "DescribeRegions"}), 401, "AuthFailure")


def test_a_deleted_access_key_is_refused_from_the_next_request(server: Running) -> None:
    keys = server.service.access_keys
    assert keys is not None
    made = keys.create("demo")
    key = Credentials(made.key.id, made.secret)
    assert _signed(server, key, {"Action": "DescribeRegions"}).status_code == 200
    keys.delete("demo", made.key.id)
    _error(_signed(server, key, {"Action": "DescribeRegions"}), 401, "AuthFailure")


def test_a_key_deleted_by_another_process_is_refused_from_the_next_request(server: Running) -> None:
    keys = server.service.access_keys
    assert keys is not None
    made = keys.create("demo")
    key = Credentials(made.key.id, made.secret)
    for _ in range(2):  # the second is checked against what the server keeps in memory
        assert _signed(server, key, {"Action": "DescribeRegions"}).status_code == 200
    elsewhere = make_engine(server.service.engine.url.render_as_string(hide_password=False))
    try:  # the CLI's way: its own engine on the same store
        AccessKeys(elsewhere, keys.box).delete("demo", made.key.id)
    finally:
        elsewhere.dispose()
    _error(_signed(server, key, {"Action": "DescribeRegions"}), 401, "AuthFailure")


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"Action": "DescribeRegions", "Version": "2014-10-01"}, "NoSuchVersion"),
        ({}, "MissingAction"),
        (
            {"Action": "DescribeInstances", "InstanceId.1": "i-1", "InstanceId.1.x": "2"},
            "InvalidParameterValue",
        ),
        ({"Action": "DescribeInstances", "MaxResults": "ten"}, "InvalidParameterValue"),
        ({"Action": "StopInstances"}, "MissingParameter"),
        ({"Action": "StopInstances", "InstanceId.1": "web-1"}, "InvalidInstanceID.Malformed"),
    ],
)
def test_a_malformed_request_is_a_400_naming_what_is_wrong(
    server: Running, demo_key: Credentials, form: dict[str, str], code: str
) -> None:
    _error(_signed(server, demo_key, form), 400, code)


def test_other_methods_are_refused_with_an_error_document(server: Running) -> None:
    response = httpx.put(f"{server.url}/ec2/", content=b"")
    _error(response, 405, "InvalidAction")
    assert response.headers["allow"] == "GET, POST"


def test_a_body_past_the_bound_is_refused_in_ec2s_words(server: Running) -> None:
    big = b"Action=DescribeRegions&Pad=" + b"x" * (2 * 1024 * 1024)
    response = httpx.post(
        f"{server.url}/ec2/", content=big, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    _error(response, 413, "RequestEntityTooLarge")
