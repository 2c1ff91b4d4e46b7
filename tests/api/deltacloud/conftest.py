"""A real Hearth server (mock driver) on loopback for the Deltacloud /api tests, and XML helpers."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree as ET

import httpx
import pytest

from ..conftest import DEMO, Running, serve_driver


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with serve_driver(tmp_path_factory.mktemp("deltacloud")) as running:
        yield running


@pytest.fixture
def api(server: Running) -> Iterator[httpx.Client]:
    """A client with demo's Basic credentials and no Accept header (Deltacloud's XML default)."""
    with httpx.Client(base_url=server.url, auth=DEMO, timeout=30, headers={"accept": ""}) as c:
        yield c


@pytest.fixture
def anonymous(server: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30, headers={"accept": ""}) as c:
        yield c


def xml(response: httpx.Response) -> ET.Element:
    assert response.headers["content-type"] == "application/xml", response.text
    return ET.fromstring(response.content)
