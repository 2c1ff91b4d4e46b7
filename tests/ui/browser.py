"""The web UI in headless Chromium: logging in through the form, waiting on the page, screenshots.

Screenshots go to ``$HEARTH_ARTIFACTS`` when it is set (CI keeps that directory), else to the
test's own temporary directory; the test prints where.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from ..webdriver import Browser


def artifacts(tmp_path: Path, name: str) -> Path:
    root = Path(os.environ["HEARTH_ARTIFACTS"]) / name if os.environ.get("HEARTH_ARTIFACTS") else tmp_path
    root.mkdir(parents=True, exist_ok=True)
    print(f"screenshots of {name}: {root}")
    return root


def log_in(b: Browser, url: str, name: str, password: str) -> None:
    """Through the login form, as a person does (logging out a session the browser still holds
    first); ends on the instances page, following the event stream. A page load that Chromium
    aborts because the host's network changed (other tests make and remove devices) is tried
    again."""
    for _ in range(30):
        b.go(f"{url}/")
        if b.all("form.logout"):
            b.follow(b.find("form.logout button"))
        elif b.all("form.login-form"):
            b.type(b.find("input[name=name]"), name)
            b.type(b.find("input[name=password]"), password)
            b.follow(b.find("form.login-form button"))
            if b.all("main#main"):
                break
        time.sleep(0.3)  # Chromium's own error page or an aborted step: again, after a moment
    b.find("table.instances")
    b.until("return document.body.dataset.stream === 'open'")  # what changes from now on shows


def flash(b: Browser) -> str:
    """The error banner's text once it shows."""
    b.until("const f = document.getElementById('flash'); return !f.hidden && f.textContent")
    return b.text(b.find("#flash"))


def go(b: Browser, hash_path: str, ready_css: str) -> None:
    """Go to a view by its #/path and wait until ``ready_css`` shows in it."""
    b.execute("location.hash = arguments[0]", hash_path)
    b.find(f"main {ready_css}")
