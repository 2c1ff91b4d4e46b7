"""No URI password reaches anyone, and no backend URI or host path reaches a tenant.

The backend is the real libvirt driver pointed at a ``qemu+tcp`` URI with credentials where
nothing listens (loopback port 1), so every call to it fails with libvirt's own message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from hearth.redact import RedactingFilter, for_tenant, redact

from .conftest import ADMIN, DEMO, Running, assert_error, serve_driver

SECRET = "SecretURIpw9"
URI = f"qemu+tcp://alice:{SECRET}@127.0.0.1:1/system"


@pytest.fixture(scope="module")
def unreachable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    from hearth.drivers.libvirt import open_driver

    tmp = tmp_path_factory.mktemp("redact")
    with serve_driver(tmp, lambda e: open_driver(uris=[URI], state_dir=tmp, engine=e), "libvirt") as running:
        yield running


def test_a_tenant_sees_the_backend_failure_in_hearths_words_with_a_reference(
    unreachable: Running, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, "hearth.api"), unreachable.client(DEMO) as demo:
        r = demo.get("/v1/instances")
    body = assert_error(r, 502, "BackendError")
    assert SECRET not in r.text and "qemu+tcp" not in r.text and "alice" not in r.text
    assert "<backend URI>" in body["message"]
    ref = body["details"]["reference"]
    logged = [rec.getMessage() for rec in caplog.records if ref in rec.getMessage()]
    assert logged and "qemu+tcp://alice:***@127.0.0.1:1/system" in logged[0]
    assert SECRET not in caplog.text


def test_an_admin_sees_the_backend_uri_but_never_its_password(unreachable: Running) -> None:
    with unreachable.client(ADMIN) as admin:
        r = admin.get("/v1/instances")
    body = assert_error(r, 502, "BackendError")
    assert "qemu+tcp://alice:***@127.0.0.1:1/system" in body["message"] and SECRET not in r.text


def test_the_redaction_helpers_mask_passwords_paths_and_sockets() -> None:
    assert redact(f"cannot connect to {URI}") == "cannot connect to qemu+tcp://alice:***@127.0.0.1:1/system"
    assert redact("GET /x?token=abc&a=1") == "GET /x?token=***&a=1"
    shown = for_tenant("cannot open /var/lib/hearth/qemu/i-1/qmp.sock for 10.0.0.0/24 at /v1/instances")
    assert shown == "cannot open <host path> for 10.0.0.0/24 at /v1/instances"
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed: %s", (URI,), None)
    RedactingFilter().filter(record)
    assert SECRET not in record.getMessage()


def test_a_log_line_with_a_uri_password_is_redacted_by_the_server_filter(tmp_path: Path) -> None:
    handler = logging.StreamHandler(open(tmp_path / "log", "w"))  # noqa: SIM115
    handler.addFilter(RedactingFilter())
    log = logging.getLogger("hearth.test.redact")
    log.addHandler(handler)
    try:
        log.error("libvirt said: %s", URI)
        try:
            raise RuntimeError(f"boom {URI}")
        except RuntimeError:
            log.exception("with a traceback")
    finally:
        log.removeHandler(handler)
        handler.close()
    text = (tmp_path / "log").read_text()
    assert "alice:***@" in text and SECRET not in text
