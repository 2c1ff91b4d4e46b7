"""SigV4 verification against the real signers: botocore's own ``SigV4Auth`` and ``SigV4QueryAuth``,
and boto3's EC2 client over real HTTP on loopback.

Every request here was signed by botocore, never by code of ours, so the verifier is checked
against what clients really send; each refusal is checked for the EC2 code boto3 maps.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

import boto3
import pytest
from botocore.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hearth.api.ec2.sigv4 import AuthCode, SignatureRefused, SignedRequest, Signer, verify

from .signing import KEY_ID, SECRET, URL, header, lookup, sign, signed_at, signed_at_or_none, with_header

RESERVED = "héllo wörld/&=+?*~%;:,@!$'()[]#\"<>\\^`{|}\u00a0\u2603\U0001f525"

SHAPES: dict[str, Callable[[], SignedRequest]] = {
    "a POST form body": lambda: sign(
        data={"Action": "DescribeInstances", "Version": "2016-11-15", "InstanceId.1": "i-0123456789abcdef0"}
    ),
    "a GET query from parameters": lambda: sign(
        "GET", params={"Action": "DescribeRegions", "Version": "2016-11-15"}
    ),
    "a GET query already in the URL": lambda: sign("GET", URL + "?Version=2016-11-15&Action=DescribeRegions"),
    "unicode and reserved characters in a body": lambda: sign(
        data={"Action": "CreateTags", "Tag.1.Key": RESERVED, "Tag.1.Value": RESERVED}
    ),
    "unicode and reserved characters in a query": lambda: sign(
        "GET", params={"Action": "CreateTags", RESERVED: RESERVED, "Tag.1.Value": " leading and trailing "}
    ),
    "repeated query keys": lambda: sign(
        "GET", URL + "?Filter.1.Value.1=b&Action=DescribeInstances&Filter.1.Value.1=a&Filter.1.Value.1="
    ),
    "a query key without a value": lambda: sign("GET", URL + "?Action=DescribeRegions&DryRun"),
    "a repeated header and runs of spaces": lambda: sign(
        data={"Action": "DescribeRegions"}, headers=[("X-Extra", "one"), ("X-Extra", "  two   spaced\tout ")]
    ),
    "an empty body": lambda: sign("POST"),
    "an empty GET": lambda: sign("GET"),
    "a Date header instead of x-amz-date": lambda: sign(
        data={"Action": "DescribeRegions"}, headers=[("Date", formatdate(usegmt=True))]
    ),
    "a declared x-amz-content-sha256": lambda: sign(
        data=b"Action=DescribeRegions",
        headers=[("X-Amz-Content-SHA256", hashlib.sha256(b"Action=DescribeRegions").hexdigest())],
    ),
    "an unsigned payload with an empty body": lambda: sign("GET", context={"payload_signing_enabled": False}),
    "a path with dot segments, double slashes and encoded characters": lambda: sign(
        "GET", "http://127.0.0.1:8773/ec2//a%20b/./c/../d%2Fe/~x/"
    ),
    "a path without a trailing slash": lambda: sign("GET", "http://127.0.0.1:8773/ec2"),
    "another region": lambda: sign(data={"Action": "DescribeRegions"}, region="eu-west-3"),
    "a presigned GET": lambda: sign("GET", params={"Action": "DescribeRegions"}, presign=True),
    "a presigned POST (botocore moves the body into the query)": lambda: sign(
        data={"Action": "DescribeInstances", "InstanceId.1": "i-1"}, presign=True
    ),
    "a presigned query with unicode and reserved characters": lambda: sign(
        "GET", params={"Action": "CreateTags", "Tag.1.Value": RESERVED}, presign=True
    ),
}


def _check(request: SignedRequest, *, now: datetime | None = None, **kwargs: object) -> Signer:
    """Verified at ``now``, by default at the moment botocore signed (a mutated date: the clock's)."""
    when = now or signed_at_or_none(request) or datetime.now(UTC)
    return verify(request, lookup().get, now=when, **kwargs)  # type: ignore[arg-type]


def _refused(request: SignedRequest, **kwargs: object) -> SignatureRefused:
    with pytest.raises(SignatureRefused) as caught:
        _check(request, **kwargs)
    refusal = caught.value
    assert SECRET not in str(refusal) and SECRET not in repr(refusal.details)
    assert refusal.details["ec2_code"] == refusal.code.value
    return refusal


@pytest.mark.parametrize("shape", SHAPES)
def test_requests_botocore_signs_verify(shape: str) -> None:
    request = SHAPES[shape]()
    signer = _check(request)
    assert signer.access_key_id == KEY_ID and signer.service == "ec2"
    assert signer.signed_at == signed_at(request)
    assert signer.presigned == ("X-Amz-Signature=" in request.query)
    assert signer.region == ("eu-west-3" if shape == "another region" else "us-east-1")


def test_headers_may_come_as_a_mapping() -> None:
    request = sign(data={"Action": "DescribeRegions"})
    as_mapping = replace(request, headers={name: value for name, value in request.headers})  # type: ignore[misc]
    assert _check(as_mapping).access_key_id == KEY_ID


def _body(r: SignedRequest) -> SignedRequest:
    return replace(r, body=r.body.replace(b"i-0123456789abcdef0", b"i-0123456789abcdef1"))


HEADER_TAMPERING: dict[str, Callable[[SignedRequest], SignedRequest]] = {
    "the method": lambda r: replace(r, method="PUT"),
    "the path": lambda r: replace(r, path="/ec2/other"),
    "a query parameter added": lambda r: replace(r, query="DryRun=true"),
    "the body": _body,
    "a byte appended to the body": lambda r: replace(r, body=r.body + b"&"),
    "the host": lambda r: with_header(r, "Host", "127.0.0.1:8774"),
    "a signed header's value": lambda r: with_header(r, "Content-Type", "text/plain"),
    "a signed header dropped": lambda r: with_header(r, "Content-Type", None),
    "x-amz-date, a second later": lambda r: with_header(
        r, "X-Amz-Date", (signed_at(r) + timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")
    ),
    "the signature": lambda r: with_header(
        r,
        "Authorization",
        header(r, "Authorization")[:-1] + ("0" if header(r, "Authorization")[-1] != "0" else "1"),
    ),
    "the signed header list": lambda r: with_header(
        r,
        "Authorization",
        header(r, "Authorization").replace("SignedHeaders=content-type;", "SignedHeaders="),
    ),
}


@pytest.mark.parametrize("part", HEADER_TAMPERING)
def test_altering_any_signed_part_of_a_header_signed_request_is_refused(part: str) -> None:
    request = sign(data={"Action": "DescribeInstances", "InstanceId.1": "i-0123456789abcdef0"})
    assert _check(request)
    tampered = HEADER_TAMPERING[part](request)
    assert tampered != request
    assert _refused(tampered).code is AuthCode.signature_does_not_match


def _query_swap(old: str, new: str) -> Callable[[SignedRequest], SignedRequest]:
    def swap(r: SignedRequest) -> SignedRequest:
        assert old in r.query, (old, r.query)
        return replace(r, query=r.query.replace(old, new))

    return swap


QUERY_TAMPERING: dict[str, Callable[[SignedRequest], SignedRequest]] = {
    "a parameter's value": _query_swap("InstanceId.1=i-1", "InstanceId.1=i-2"),
    "a parameter added": lambda r: replace(r, query=r.query + "&DryRun=true"),
    "a parameter dropped": _query_swap("InstanceId.1=i-1&", ""),
    "X-Amz-Expires": _query_swap("X-Amz-Expires=300", "X-Amz-Expires=3000"),
    "X-Amz-SignedHeaders": _query_swap("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=host%3Bx-extra"),
    "the host": lambda r: with_header(r, "Host", "localhost:8773"),
    "the path": lambda r: replace(r, path="/"),
    "the method": lambda r: replace(r, method="DELETE"),
    "a body added": lambda r: replace(r, body=b"Action=TerminateInstances"),
}


@pytest.mark.parametrize("part", QUERY_TAMPERING)
def test_altering_any_signed_part_of_a_presigned_request_is_refused(part: str) -> None:
    request = sign("GET", params={"Action": "DescribeInstances", "InstanceId.1": "i-1"}, presign=True)
    assert _check(request)
    tampered = QUERY_TAMPERING[part](request)
    if part == "X-Amz-SignedHeaders":
        tampered = with_header(tampered, "X-Extra", "smuggled")
    assert _refused(tampered).code is AuthCode.signature_does_not_match


def test_a_signature_by_another_secret_does_not_match() -> None:
    refusal = _refused(
        sign(data={"Action": "DescribeRegions"}, secret="another-secret-another-secret-another-se")
    )
    assert refusal.code is AuthCode.signature_does_not_match
    assert "does not match" in refusal.message


def test_an_unknown_access_key_is_an_auth_failure_and_the_lookup_is_asked_for_it() -> None:
    asked: list[str] = []

    def secret_for(key_id: str) -> str | None:
        asked.append(key_id)
        return None

    request = sign(data={"Action": "DescribeRegions"}, key_id="AKIAUNKNOWNUNKNOWN00")
    with pytest.raises(SignatureRefused) as caught:
        verify(request, secret_for, now=signed_at(request))
    assert caught.value.code is AuthCode.auth_failure and asked == ["AKIAUNKNOWNUNKNOWN00"]
    presigned = sign("GET", presign=True, key_id="AKIAUNKNOWNUNKNOWN00")
    assert _refused(presigned).code is AuthCode.auth_failure


@pytest.mark.parametrize("presign", [False, True], ids=["header", "presigned"])
def test_a_request_outside_the_clock_skew_window_has_expired(presign: bool) -> None:
    request = sign("GET", params={"Action": "DescribeRegions"}, presign=presign, expires=3600)
    at = signed_at(request)
    assert _check(request, now=at - timedelta(minutes=4, seconds=59))
    assert _refused(request, now=at - timedelta(minutes=5, seconds=1)).code is AuthCode.request_expired
    if not presign:  # a presigned request stays valid for its X-Amz-Expires instead
        assert _check(request, now=at + timedelta(minutes=4, seconds=59))
        assert _refused(request, now=at + timedelta(minutes=5, seconds=1)).code is AuthCode.request_expired
    # The window is a parameter.
    assert _refused(request, now=at - timedelta(seconds=31), max_skew=timedelta(seconds=30)).code is (
        AuthCode.request_expired
    )
    assert _check(request, now=at - timedelta(minutes=9), max_skew=timedelta(minutes=10))


def test_a_presigned_request_expires_after_x_amz_expires() -> None:
    request = sign("GET", params={"Action": "DescribeRegions"}, presign=True, expires=60)
    at = signed_at(request)
    assert _check(request, now=at + timedelta(seconds=60))
    refusal = _refused(request, now=at + timedelta(seconds=61))
    assert refusal.code is AuthCode.request_expired and "60 s" in refusal.message


def test_the_credential_scope_must_name_this_service_and_an_accepted_region() -> None:
    s3 = _refused(sign(data={"Action": "DescribeRegions"}, service="s3"))
    assert s3.code is AuthCode.signature_does_not_match and "'ec2'" in s3.message
    elsewhere = sign(data={"Action": "DescribeRegions"}, region="mars-north-1")
    assert _check(elsewhere).region == "mars-north-1"  # any region, unless the frontend says which
    refusal = _refused(elsewhere, regions={"us-east-1", "eu-west-3"})
    assert refusal.code is AuthCode.signature_does_not_match and "mars-north-1" in refusal.message
    assert _check(elsewhere, service="ec2", regions={"mars-north-1"})


def _authorization(r: SignedRequest, old: str, new: str) -> SignedRequest:
    value = header(r, "Authorization")
    assert old in value, (old, value)
    return with_header(r, "Authorization", value.replace(old, new, 1))


def _scope_date(r: SignedRequest) -> str:
    return signed_at(r).strftime("%Y%m%d")


def _next_day(r: SignedRequest) -> str:
    return (signed_at(r) + timedelta(days=1)).strftime("%Y%m%d")


MALFORMED: dict[str, tuple[Callable[[SignedRequest], SignedRequest], AuthCode]] = {
    "no signature at all": (
        lambda r: with_header(r, "Authorization", None),
        AuthCode.missing_authentication_token,
    ),
    "another scheme": (
        lambda r: with_header(r, "Authorization", "Basic ZGVtbzpkZW1v"),
        AuthCode.incomplete_signature,
    ),
    "an empty Authorization header": (
        lambda r: with_header(r, "Authorization", ""),
        AuthCode.incomplete_signature,
    ),
    "SigV4 with another algorithm": (
        lambda r: _authorization(r, "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"),
        AuthCode.incomplete_signature,
    ),
    "no Signature field": (
        lambda r: with_header(r, "Authorization", header(r, "Authorization").split(", Signature=")[0]),
        AuthCode.incomplete_signature,
    ),
    "no SignedHeaders field": (
        lambda r: _authorization(r, "SignedHeaders=", "Signedheaders="),
        AuthCode.incomplete_signature,
    ),
    "a field twice": (
        lambda r: with_header(r, "Authorization", header(r, "Authorization") + ", Signature=" + "0" * 64),
        AuthCode.incomplete_signature,
    ),
    "a credential of four parts": (
        lambda r: _authorization(r, "/us-east-1/ec2/", "/us-east-1ec2/"),
        AuthCode.incomplete_signature,
    ),
    "a credential without a key id": (
        lambda r: _authorization(r, KEY_ID + "/", "/"),
        AuthCode.incomplete_signature,
    ),
    "a scope date that is no date": (
        lambda r: _authorization(r, "/" + _scope_date(r) + "/", "/today/"),
        AuthCode.incomplete_signature,
    ),
    "another day in the scope": (
        lambda r: _authorization(r, "/" + _scope_date(r) + "/", "/" + _next_day(r) + "/"),
        AuthCode.signature_does_not_match,
    ),
    "another terminator": (
        lambda r: _authorization(r, "/aws4_request", "/aws4_reqest"),
        AuthCode.signature_does_not_match,
    ),
    "host not signed": (
        lambda r: _authorization(r, "SignedHeaders=content-type;host;", "SignedHeaders=content-type;"),
        AuthCode.incomplete_signature,
    ),
    "signed headers out of order": (
        lambda r: _authorization(r, "SignedHeaders=content-type;host;", "SignedHeaders=host;content-type;"),
        AuthCode.incomplete_signature,
    ),
    "signed headers in capitals": (
        lambda r: _authorization(r, "SignedHeaders=content-type;host;", "SignedHeaders=Content-Type;host;"),
        AuthCode.incomplete_signature,
    ),
    "a signature that is not 64 hex digits": (
        lambda r: with_header(r, "Authorization", header(r, "Authorization")[:-1] + "z"),
        AuthCode.incomplete_signature,
    ),
    "a signature in capitals": (
        lambda r: with_header(
            r, "Authorization", header(r, "Authorization")[:-64] + header(r, "Authorization")[-64:].upper()
        ),
        AuthCode.incomplete_signature,
    ),
    "no date": (lambda r: with_header(r, "X-Amz-Date", None), AuthCode.incomplete_signature),
    "an x-amz-date in another format": (
        lambda r: with_header(r, "X-Amz-Date", signed_at(r).isoformat()),
        AuthCode.incomplete_signature,
    ),
    "an impossible x-amz-date": (
        lambda r: with_header(r, "X-Amz-Date", "20261332T256161Z"),
        AuthCode.incomplete_signature,
    ),
    "x-amz-date twice": (
        lambda r: replace(r, headers=[*r.headers, ("X-Amz-Date", header(r, "X-Amz-Date"))]),  # type: ignore[misc]
        AuthCode.incomplete_signature,
    ),
    "Authorization twice": (
        lambda r: replace(r, headers=[*r.headers, ("Authorization", header(r, "Authorization"))]),  # type: ignore[misc]
        AuthCode.incomplete_signature,
    ),
    "both an Authorization header and a presigned query": (
        lambda r: replace(r, query="X-Amz-Algorithm=AWS4-HMAC-SHA256"),
        AuthCode.incomplete_signature,
    ),
    "an x-amz-content-sha256 that is not the body's": (
        lambda r: with_header(r, "X-Amz-Content-SHA256", hashlib.sha256(b"something else").hexdigest()),
        AuthCode.signature_does_not_match,
    ),
    "an x-amz-content-sha256 that is no hash": (
        lambda r: with_header(r, "X-Amz-Content-SHA256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        AuthCode.incomplete_signature,
    ),
    "an unsigned payload with a body": (
        lambda r: with_header(r, "X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"),
        AuthCode.incomplete_signature,
    ),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_header_signature_is_refused_with_ec2s_code(case: str) -> None:
    mutate, code = MALFORMED[case]
    request = sign(data={"Action": "DescribeRegions"})
    assert _refused(mutate(request)).code is code


PRESIGN_MALFORMED: dict[str, tuple[str, str]] = {
    "another algorithm": ("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1"),
    "no credential": ("X-Amz-Credential=", "X-Amz-Credentials="),
    "no date": ("X-Amz-Date=", "X-Amz-Dates="),
    "no expiry": ("X-Amz-Expires=", "X-Amz-Expiry="),
    "an expiry that is no number": ("X-Amz-Expires=300", "X-Amz-Expires=soon"),
    "an expiry of more than a week": ("X-Amz-Expires=300", "X-Amz-Expires=604801"),
    "a zero expiry": ("X-Amz-Expires=300", "X-Amz-Expires=0"),
    "no signed headers": ("X-Amz-SignedHeaders=", "X-Amz-SignedHeader="),
    "host not signed": ("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=x-extra"),
    "no signature": ("X-Amz-Signature=", "X-Amz-Signatures="),
    "a signature twice": ("&X-Amz-Signature=", "&X-Amz-Signature=" + "0" * 64 + "&X-Amz-Signature="),
    "a credential that is not UTF-8": ("X-Amz-Credential=", "X-Amz-Credential=%FF"),
}


@pytest.mark.parametrize("case", PRESIGN_MALFORMED)
def test_a_malformed_presigned_query_is_an_incomplete_signature(case: str) -> None:
    old, new = PRESIGN_MALFORMED[case]
    request = sign("GET", params={"Action": "DescribeRegions"}, presign=True)
    assert _refused(_query_swap(old, new)(request)).code is AuthCode.incomplete_signature


def test_no_signature_at_all_is_a_missing_authentication_token() -> None:
    bare = SignedRequest("POST", "/ec2/", "", [("Host", "127.0.0.1:8773")], b"Action=DescribeRegions")
    refusal = _refused(bare, now=datetime.now(UTC))
    assert refusal.code is AuthCode.missing_authentication_token


def test_a_date_header_outside_the_window_has_expired() -> None:
    request = sign(data={"Action": "DescribeRegions"}, headers=[("Date", formatdate(usegmt=True))])
    assert _refused(request, now=signed_at(request) + timedelta(minutes=6)).code is AuthCode.request_expired


# --- any parameters, by hypothesis ---------------------------------------------------------------

PARAM_NAMES = st.text(min_size=1, max_size=12).filter(lambda n: not n.startswith("X-Amz-"))
PARAMS = st.dictionaries(PARAM_NAMES, st.text(max_size=24), max_size=5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=PARAMS, method=st.sampled_from(["GET", "POST"]), presign=st.booleans())
def test_any_parameters_botocore_signs_verify_and_any_addition_is_refused(
    params: dict[str, str], method: str, presign: bool
) -> None:
    if method == "GET":
        request = sign("GET", params=params, presign=presign)
    else:
        request = sign("POST", data=params, presign=presign)
    assert _check(request).presigned is presign
    added = (
        replace(request, body=request.body + b"&DryRun=true")
        if request.body
        else replace(request, query=request.query + "&DryRun=true")
    )
    assert _refused(added).code is AuthCode.signature_does_not_match


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_changing_any_one_character_of_a_signed_query_is_refused(data: st.DataObject) -> None:
    request = sign("GET", params={"Action": "DescribeInstances", "InstanceId.1": "i-0abc", "Tag": RESERVED})
    at = data.draw(st.integers(0, len(request.query) - 1))
    new = data.draw(st.sampled_from("abcXYZ019%+&=-_.~"))
    query = request.query[:at] + new + request.query[at + 1 :]
    tampered = replace(request, query=query)
    if _same_meaning(request.query, query):
        assert _check(tampered)
    else:
        assert _refused(tampered).code in (AuthCode.signature_does_not_match, AuthCode.incomplete_signature)


def _same_meaning(a: str, b: str) -> bool:
    """Whether two queries decode to the same pairs (a '%41' for an 'A'): one signature covers both."""
    from urllib.parse import parse_qsl

    return sorted(parse_qsl(a, True, encoding="latin-1")) == sorted(parse_qsl(b, True, encoding="latin-1"))


# --- boto3's EC2 client, over HTTP ---------------------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    """Keeps each request exactly as it arrived and answers like EC2 would, minimally."""

    seen: list[SignedRequest]

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        self.seen.append(
            SignedRequest(self.command, parts.path, parts.query, list(self.headers.items()), body)
        )
        reply = (
            b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
            b"<requestId>r-1</requestId><regionInfo/><return>true</return></Response>"
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/xml;charset=UTF-8")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = _record

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[SignedRequest]]]:
    seen: list[SignedRequest] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ec2", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _client(endpoint: str, key_id: str = KEY_ID, secret: str = SECRET) -> object:
    return boto3.client(
        "ec2",
        endpoint_url=endpoint,
        region_name="eu-central-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def test_boto3s_ec2_client_over_http_verifies(recorder: tuple[str, list[SignedRequest]]) -> None:
    endpoint, seen = recorder
    ec2 = _client(endpoint)
    ec2.describe_regions()  # type: ignore[attr-defined]
    ec2.create_tags(  # type: ignore[attr-defined]
        Resources=["i-0123456789abcdef0", "vol-1"], Tags=[{"Key": RESERVED, "Value": RESERVED}]
    )
    ec2.describe_instances(  # type: ignore[attr-defined]
        Filters=[{"Name": "instance-state-name", "Values": ["running", "stopped"]}], MaxResults=5
    )
    assert [r.method for r in seen] == ["POST", "POST", "POST"]
    for request in seen:
        signer = verify(request, lookup().get, regions={"eu-central-1"})
        assert signer == Signer(KEY_ID, "eu-central-1", "ec2", signer.signed_at, presigned=False)
        assert (
            _refused(_body_changed(request), now=signer.signed_at).code is AuthCode.signature_does_not_match
        )


def _body_changed(request: SignedRequest) -> SignedRequest:
    return replace(request, body=request.body.replace(b"Version=", b"Version=1", 1))


def test_boto3_presigned_urls_fetched_over_http_verify(recorder: tuple[str, list[SignedRequest]]) -> None:
    """boto3 signs an EC2 presigned URL for the operation's method (POST, with an empty body)
    unless told otherwise; the method is signed, so the URL works only with that method."""
    endpoint, seen = recorder
    ec2 = _client(endpoint)
    params = {"InstanceIds": ["i-0123456789abcdef0"]}
    as_post = ec2.generate_presigned_url("describe_instances", Params=params, ExpiresIn=120)  # type: ignore[attr-defined]
    as_get = ec2.generate_presigned_url(  # type: ignore[attr-defined]
        "describe_instances", Params=params, ExpiresIn=120, HttpMethod="GET"
    )
    for url, method in ((as_post, "POST"), (as_get, "GET"), (as_post, "GET")):
        with urlopen(
            Request(url, data=b"" if method == "POST" else None, method=method), timeout=30
        ) as answer:
            assert answer.status == 200
    posted, got, post_url_got = seen
    for request in (posted, got):
        signer = verify(request, lookup().get)
        assert signer.presigned and signer.access_key_id == KEY_ID and signer.region == "eu-central-1"
        assert (
            _refused(request, now=signer.signed_at + timedelta(seconds=121)).code is AuthCode.request_expired
        )
        swapped = replace(request, query=request.query.replace("i-0123456789abcdef0", "i-0123456789abcdef1"))
        assert _refused(swapped, now=signer.signed_at).code is AuthCode.signature_does_not_match
    assert _refused(post_url_got).code is AuthCode.signature_does_not_match


def test_boto3_with_a_wrong_secret_or_an_unknown_key(recorder: tuple[str, list[SignedRequest]]) -> None:
    endpoint, seen = recorder
    _client(endpoint, secret="not-the-secret-not-the-secret-not-the-se").describe_regions()  # type: ignore[attr-defined]
    _client(endpoint, key_id="AKIAUNKNOWNUNKNOWN00").describe_regions()  # type: ignore[attr-defined]
    wrong, unknown = seen
    assert _refused(wrong, now=None).code is AuthCode.signature_does_not_match
    assert _refused(unknown, now=None).code is AuthCode.auth_failure


def test_a_declared_payload_hash_must_be_the_bodys() -> None:
    """The canonical request carries the declared hash, not the body: a body swapped under a kept
    x-amz-content-sha256 would verify if the declaration were not checked against the body."""
    body = b"Action=DescribeInstances&InstanceId.1=i-1"
    request = sign(data=body, headers=[("X-Amz-Content-SHA256", hashlib.sha256(body).hexdigest())])
    assert _check(request)
    swapped = replace(request, body=b"Action=TerminateInstances&InstanceId.1=i-1")
    refusal = _refused(swapped)
    assert refusal.code is AuthCode.signature_does_not_match and "x-amz-content-sha256" in refusal.message
    upper = sign(data=body, headers=[("X-Amz-Content-SHA256", hashlib.sha256(body).hexdigest().upper())])
    assert _check(upper)
