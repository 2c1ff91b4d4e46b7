"""/api in a real headless Chromium: a person logs in with Basic auth, goes from the entry point
to the instances, launches one with the form, stops it and destroys it with its buttons, then
creates a key and deletes it — clicking only what the pages show, no JavaScript."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from ...webdriver import Browser, chromium
from ..conftest import DEMO, Running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def _login(b: Browser, server: Running) -> None:
    """Credentials in the URL of a page that demands them: Chromium answers the challenge and
    keeps them for every later page on the server, as a person's browser does after the prompt."""
    user, password = (quote(part, safe="") for part in DEMO)
    netloc = urlsplit(server.url).netloc
    b.go(f"http://{user}:{password}@{netloc}/api?force_auth=1")
    assert b.title.startswith("Deltacloud API"), b.source


def _until(b: Browser, css: str, timeout: float = 10.0) -> str:
    """Reload the page through its own id link (a GET) until ``css`` shows."""
    deadline = time.monotonic() + timeout
    while not b.all(css):
        assert time.monotonic() < deadline, f"{css} never showed on {b.url}:\n{b.source}"
        b.follow(b.find("td.id a"))
        time.sleep(0.05)
    return b.find(css)


def test_a_person_launches_stops_and_destroys_an_instance_then_makes_and_deletes_a_key(
    browser: Browser, server: Running
) -> None:
    b = browser
    _login(b, server)
    b.follow(b.link("instances"))
    assert urlsplit(b.url).path == "/api/instances"
    b.click(b.find("form.create select[name=image_id] option[value='debian-12']"))
    b.click(b.find("form.create select[name=hwp_id] option[value='small']"))
    b.type(b.find("form.create input[name=name]"), "from-chromium")
    b.follow(b.find("form.create button"))
    assert b.title.startswith("Deltacloud API - instance "), b.source
    assert "from-chromium" in b.source
    ident = b.text(b.find("td.id a"))

    b.follow(_until(b, "form.stop button"))
    assert b.title == f"Deltacloud API - instance {ident}"
    assert "STOP" in b.source  # STOPPING or STOPPED: the instance's page answers the action

    b.follow(_until(b, "form.destroy button"))
    assert urlsplit(b.url).path == "/api/instances"  # sent on to the collection, as Deltacloud did
    assert b.title == "Deltacloud API - instances"
    rows = [b.text(e) for e in b.all("table.collection tr")]
    assert not any(ident in row and "RUNNING" in row for row in rows), rows

    b.follow(b.link("Home"))
    b.follow(b.link("keys"))
    b.type(b.find("form.create input[name=name]"), "chromium-key")
    b.follow(b.find("form.create button"))
    assert "PRIVATE KEY" in b.source  # shown this once, on the new key's page
    b.follow(b.find("form.destroy button"))
    assert urlsplit(b.url).path == "/api/keys"
    assert "chromium-key" not in b.source


def test_markup_in_blob_metadata_stays_text_in_the_browser(
    browser: Browser, server: Running, tmp_path: Path
) -> None:
    """A blob's metadata may hold anything; its page shows it as text and runs no script."""
    b = browser
    _login(b, server)
    b.follow(b.link("buckets"))
    b.type(b.find("form.create input[name=name]"), "chromium-bucket")
    b.follow(b.find("form.create button"))
    assert urlsplit(b.url).path == "/api/buckets/chromium-bucket"
    evil = "<script>document.title='owned'</script>"
    form = "form.create[enctype='multipart/form-data']"
    b.type(b.find(f"{form} input[name=blob_id]"), "evil.txt")
    upload = tmp_path / "evil.txt"
    upload.write_bytes(b"hello")
    b.type(b.find(f"{form} input[name=blob_data]"), str(upload))
    b.type(b.find(f"{form} input[name=meta_name1]"), "note")
    b.type(b.find(f"{form} input[name=meta_value1]"), evil)
    b.follow(b.find(f"{form} button"))
    assert b.title == "Deltacloud API - blob evil.txt", b.source
    assert evil in b.text(b.find("table.member"))  # shown as the text it is
    assert b.all("script") == []
