"""EC2's failures as Hearth's typed errors, from a real HTTP endpoint on loopback.

moto does not throttle or refuse credentials, so these use a tiny HTTP server of the test's own
that answers every request with one EC2 error response (the XML EC2 sends): boto3 signs, sends,
retries and parses exactly as against AWS. No credential ever appears in the resulting error.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hearth.drivers import Caller
from hearth.drivers.ec2 import Ec2Config, open_ec2_driver
from hearth.drivers.resources import Action
from hearth.errors import (
    AuthFailure,
    BackendError,
    Conflict,
    Forbidden,
    HearthError,
    InvalidState,
    NotFound,
    NotSupported,
    Unavailable,
    ValidationError,
)
from hearth.store import default_url
from hearth.vocab.instance_states import InstanceState

from .moto import ACCESS_KEY_ID, SECRET_ACCESS_KEY

ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{code}</Code>'
    "<Message>{message}</Message></Error></Errors><RequestID>req-1</RequestID></Response>"
)


class Endpoint:
    """Answers every request with ``status`` and ``body``; counts the requests."""

    def __init__(self) -> None:
        self.status, self.body, self.requests = 500, b"", 0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                endpoint.requests += 1
                self.send_response(endpoint.status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(endpoint.body)))
                self.end_headers()
                self.wfile.write(endpoint.body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, status: int, code: str, message: str) -> None:
        self.status, self.body = status, ERROR.format(code=code, message=message).encode()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    ep = Endpoint()
    thread = threading.Thread(target=ep.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ep
    finally:
        ep.server.shutdown()
        ep.server.server_close()


def _config(url: str) -> Ec2Config:
    return Ec2Config.from_options(
        {"endpoint_url": url, "access_key_id": ACCESS_KEY_ID, "secret_access_key": SECRET_ACCESS_KEY}
    )


def _list_realms(url: str, tmp_path: Path) -> HearthError:
    driver = open_ec2_driver(_config(url), default_url(tmp_path))
    try:
        with pytest.raises(HearthError) as err:
            driver.list_realms(Caller("alice"))
        return err.value
    finally:
        driver.close()


def _clean(err: HearthError) -> None:
    text = f"{err.message} {err.details}"
    assert ACCESS_KEY_ID not in text and SECRET_ACCESS_KEY not in text, text


def test_throttling_is_a_retryable_unavailable_after_boto3s_own_retries(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    endpoint.answer(503, "RequestLimitExceeded", "Request limit exceeded.")
    err = _list_realms(endpoint.url, tmp_path)
    assert isinstance(err, Unavailable) and err.status == 503
    assert err.retry_after > 0 and err.details["retry_after"] == err.retry_after
    assert err.details["ec2_code"] == "RequestLimitExceeded"
    assert endpoint.requests > 1, "botocore retries throttling before giving up"
    _clean(err)


def test_refused_credentials_are_an_auth_failure_that_names_no_key(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    # EC2 echoing the key id must not carry it into Hearth's message.
    endpoint.answer(401, "AuthFailure", f"AWS was not able to validate the credentials {ACCESS_KEY_ID}")
    err = _list_realms(endpoint.url, tmp_path)
    assert isinstance(err, AuthFailure) and err.status == 401
    assert "refused this server's credentials" in err.message
    _clean(err)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "IncorrectInstanceState", InvalidState),
        (400, "InvalidInstanceID.NotFound", NotFound),
        (400, "InvalidAMIID.Malformed", NotFound),
        (400, "InvalidParameterValue", ValidationError),
        (400, "MissingParameter", ValidationError),
        (400, "VolumeInUse", Conflict),
        (400, "InvalidKeyPair.Duplicate", Conflict),
        (400, "DependencyViolation", Conflict),
        (403, "UnauthorizedOperation", Forbidden),
        (400, "Unsupported", NotSupported),
        (400, "SignatureDoesNotMatch", AuthFailure),
        (500, "InternalError", BackendError),
    ],
)
def test_ec2_error_codes_map_to_typed_errors(
    endpoint: Endpoint, tmp_path: Path, status: int, code: str, expected: type[HearthError]
) -> None:
    endpoint.answer(status, code, f"something about {ACCESS_KEY_ID} went wrong")
    err = _list_realms(endpoint.url, tmp_path)
    assert type(err) is expected, (code, err)
    assert "listing availability zones failed" in err.message and err.details["ec2_code"] == code
    _clean(err)


def test_a_response_that_is_not_ec2_xml_is_a_backend_error(endpoint: Endpoint, tmp_path: Path) -> None:
    endpoint.status, endpoint.body = 500, b"<!doctype html><title>500</title>"
    err = _list_realms(endpoint.url, tmp_path)
    assert type(err) is BackendError and "not EC2's XML" in err.message


def test_an_endpoint_that_does_not_answer_is_a_backend_error(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        err = _list_realms(f"http://127.0.0.1:{port}", tmp_path)
    assert type(err) is BackendError and "cannot reach the EC2 endpoint" in err.message
    _clean(err)


def test_opening_the_driver_and_reading_its_capabilities_never_calls_ec2(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    """What ``GET /api`` with ``X-Deltacloud-Driver: ec2`` needs must work offline."""
    with open_ec2_driver(_config(endpoint.url), default_url(tmp_path)) as driver:
        caps = driver.capabilities()
        assert caps.driver == "ec2" and "instances.create" in caps.operations
        assert "instances.suspend" not in caps.operations and "templates" not in caps.features
        assert driver.allowed_actions(InstanceState.RUNNING) == [Action.stop, Action.reboot]
    assert endpoint.requests == 0
