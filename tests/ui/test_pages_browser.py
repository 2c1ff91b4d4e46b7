"""Every page of the web UI on the mock driver in headless Chromium: it renders from /v1, a state
change shows without a reload, actions are the instance's own, and a refused request shows the
API's message. A screenshot of each page at 1280x800 and at phone width is kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..api.conftest import ADMIN, DEMO, Running, new_instance
from ..media.conftest import build_iso
from ..webdriver import Browser, chromium
from .browser import artifacts, flash, go, log_in

PAGES = [
    ("#/instances", "table.instances"),
    ("#/create", "form.create-image"),
    ("#/templates", "form.template-form"),
    ("#/images", "table.grid"),
    ("#/networks", "form.create-network"),
    ("#/pools", "table.grid"),
    ("#/volumes", "form.create-volume"),
    ("#/media", "form.create-source"),
    ("#/tasks", "table.grid"),
    ("#/keys", "form.create-key"),
    ("#/host", "dl.facts"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        b.resize(1280, 800)
        yield b


@pytest.fixture
def page(browser: Browser, server: Running) -> Browser:
    """The browser with the demo user freshly logged in, on the instances page."""
    log_in(browser, server.url, *DEMO)
    return browser


def test_every_page_renders_at_desktop_and_phone_width(
    page: Browser, server: Running, tmp_path: Path
) -> None:
    b = page
    shots = artifacts(tmp_path, "ui-pages")
    for width, height, tag in ((1280, 800, "desktop"), (390, 844, "phone")):
        b.resize(width, height)
        for path, ready in PAGES:
            go(b, path, ready)
            assert b.execute("return document.getElementById('flash').hidden"), (
                path,
                b.text(b.find("#flash")),
            )
            b.screenshot(shots / f"{tag}-{path.strip('#/')}.png")
        overflow = b.execute("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the {tag} layout is wider than the window by {overflow}px"
    b.resize(1280, 800)


def test_a_state_change_reaches_the_list_without_a_reload(
    page: Browser, server: Running, demo: httpx.Client
) -> None:
    b = page
    made = new_instance(demo, name="ui-live")
    row = f"tr#i-{made['id']}"
    b.find(row)  # listed: the stream announced it
    b.until(f"return document.querySelector('{row}')?.dataset.state === 'RUNNING'")
    marker = b.execute("window.__same_page = 1; return 1")
    buttons = b.execute(f"return [...document.querySelectorAll('{row} button')].map(x => x.dataset.action)")
    assert "stop" in buttons and "start" not in buttons
    b.click(b.find(f"{row} button[data-action=stop]"))
    b.until(f"return document.querySelector('{row}')?.dataset.state === 'STOPPED'")
    b.until(f"return document.querySelector('{row} button[data-action=start]')")
    assert b.execute("return window.__same_page") == marker  # no reload happened
    b.click(b.find(f"{row} button[data-action=delete]"))
    b.until(f"return !document.querySelector('{row}')")


def test_a_refused_request_shows_the_apis_message(page: Browser, server: Running, demo: httpx.Client) -> None:
    b = page
    taken = new_instance(demo, name="ui-taken")
    go(b, "#/create", "form.create-image")
    b.type(b.find("form.create-image input[name=name]"), "ui-taken")
    b.click(b.find("form.create-image button[type=submit]"))
    same = demo.post("/v1/instances", json={"image_id": "debian-12", "hwp_id": "small", "name": "ui-taken"})
    assert same.status_code == 409
    assert flash(b) == same.json()["message"]
    go(b, "#/networks", "form.create-network")
    b.type(b.find("form.create-network input[name=name]"), "ui-bad-net")
    b.type(b.find("form.create-network input[name=block]"), "not-a-cidr")
    b.click(b.find("form.create-network button[type=submit]"))
    bad = demo.post("/v1/networks", json={"name": "ui-bad-net", "address_blocks": ["not-a-cidr"]})
    assert bad.status_code in (400, 422) and flash(b) == bad.json()["message"]
    demo.post(f"/v1/instances/{taken['id']}/stop")
    demo.delete(f"/v1/instances/{taken['id']}")


def test_logging_out_ends_the_session_in_the_browser(page: Browser, server: Running) -> None:
    b = page
    b.follow(b.find("form.logout button"))
    b.find("form.login-form")
    b.go(f"{server.url}/#/keys")
    b.find("form.login-form")


def test_the_console_tab_is_a_terminal_on_the_instance_and_the_screen_tab_says_why_not(
    page: Browser, server: Running, demo: httpx.Client, tmp_path: Path
) -> None:
    """The mock's serial console (its console log, then an echo: a documented simulation) in
    xterm.js over the WebSocket; the mock has no screen, and the tab shows the API's 501."""
    b = page
    shots = artifacts(tmp_path, "ui-consoles-mock")
    made = new_instance(demo, name="ui-console")
    iid = made["id"]
    go(b, f"#/instances/{iid}", "nav.tabs")
    b.until("return document.getElementById('state')?.textContent === 'RUNNING'")
    log = demo.get(f"/v1/instances/{iid}/console/log").json()["output"]
    first_line = next(line for line in log.splitlines() if line.strip())
    b.click(b.find("nav.tabs button[data-tab=console]"))
    b.until("return document.querySelector('.console-status')?.textContent === 'connected'")
    b.until(
        "return document.querySelector('.terminal')?.textContent.includes(arguments[0])", 10, first_line[:40]
    )
    b.type(b.find(".terminal textarea"), "echo-from-ui")
    b.until("return document.querySelector('.terminal')?.textContent.includes('echo-from-ui')")
    b.screenshot(shots / "console.png")
    b.click(b.find("nav.tabs button[data-tab=screen]"))
    refused = demo.post(f"/v1/instances/{iid}/vnc/ticket")
    assert refused.status_code == 501
    assert flash(b) == refused.json()["message"]
    demo.post(f"/v1/instances/{iid}/stop")


def test_an_admin_uploads_a_medium_with_a_progress_bar_and_browses_it(
    browser: Browser, server: Running, admin: httpx.Client, tmp_path: Path
) -> None:
    b = browser
    library = tmp_path / "library"
    library.mkdir()
    made = admin.post("/v1/media/sources", json={"name": "ui-uploads", "type": "dir", "path": str(library)})
    assert made.status_code == 201, made.text
    local = tmp_path / "tools.iso"
    build_iso(local, "UIUPLOAD", pad_to=4 << 20)
    log_in(b, server.url, *ADMIN)
    go(b, "#/media", "form.upload-media")
    b.type(b.find("form.upload-media input[type=file]"), str(local))
    b.type(b.find("form.upload-media input[name=path]"), "uploaded.iso")
    b.click(b.find("form.upload-media button[type=submit]"))
    b.until("return document.querySelector('progress.upload-progress').value === 100", 60)
    b.until("return document.querySelector('section.listing')?.textContent.includes('uploaded.iso')", 30)
    assert (library / "uploaded.iso").read_bytes() == local.read_bytes()
    assert b.execute("return document.getElementById('flash').hidden")
    b.screenshot(artifacts(tmp_path, "ui-media-upload") / "uploaded.png")
    admin.delete(f"/v1/media/sources/{made.json()['id']}")


def test_a_template_is_refused_in_the_apis_words_then_made_and_edited(
    page: Browser, server: Running, demo: httpx.Client
) -> None:
    b = page
    go(b, "#/templates", "form.template-form")
    form = "form.template-form"
    b.type(b.find(f"{form} input[name=name]"), "ui-tpl")
    b.type(b.find(f"{form} input[name=os]"), "debian12")
    b.type(b.find(f"{form} input[name=memory]"), "512")
    b.click(b.find(f"{form} button.add-interface"))
    b.type(b.find(f"{form} .nic-row input[name=nic_source]"), "nosuchdev0")
    b.click(b.find(f"{form} button[type=submit]"))
    body = {"name": "ui-tpl", "os": "debian12", "memory": {"current": 512}, "disks": [], "networks": []}
    refused = demo.post(
        "/v1/templates", json={**body, "interfaces": [{"type": "macvtap", "source": "nosuchdev0"}]}
    )
    assert refused.status_code == 400 and flash(b) == refused.json()["message"]

    b.click(b.find(f"{form} .nic-row button.remove"))
    b.click(b.find(f"{form} button[type=submit]"))
    b.find("tr.template[data-name=ui-tpl]")
    b.click(b.find("tr.template[data-name=ui-tpl] button.edit"))
    b.until("return document.querySelector('form.template-form h2')?.textContent === 'Edit ui-tpl'")
    b.execute("document.querySelector('form.template-form input[name=memory]').value = ''")
    b.type(b.find("form.template-form input[name=memory]"), "256")
    b.click(b.find("form.template-form button[type=submit]"))
    b.until("return document.querySelector('tr.template[data-name=ui-tpl]')?.textContent.includes('256 MiB')")
    assert demo.get("/v1/templates/ui-tpl").json()["memory"]["current"] == 256
    assert demo.delete("/v1/templates/ui-tpl").status_code == 204
