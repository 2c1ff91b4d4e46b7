"""A headless Chromium driven over the W3C WebDriver protocol (Debian's chromium and
chromium-driver), spoken with httpx.

Selenium is not a dependency: the protocol is a few JSON requests to chromedriver, httpx is
already here, and the handful of calls below is all a page test needs (navigate, find, type,
click, read). Chromium starts with the flags that keep it off the network (this machine has
none) and with a fresh profile, so nothing carries over between runs.
"""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference
_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1000,1400",
)


class WebDriverError(AssertionError):
    pass


class Browser:
    """One WebDriver session: the page's URL, title and source, and its elements by CSS."""

    def __init__(self, wd: httpx.Client, session: str) -> None:
        self._wd = wd
        self._base = f"/session/{session}"

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        r = self._wd.request(method, self._base + path, json=body if method == "POST" else None)
        value = r.json().get("value")
        if r.status_code != 200:
            raise WebDriverError(f"{method} {path}: {r.status_code} {value}")
        return value

    def go(self, url: str) -> None:
        self._call("POST", "/url", {"url": url})

    @property
    def url(self) -> str:
        return str(self._call("GET", "/url"))

    @property
    def title(self) -> str:
        return str(self._call("GET", "/title"))

    @property
    def source(self) -> str:
        return str(self._call("GET", "/source"))

    def all(self, css: str) -> list[str]:
        found = self._call("POST", "/elements", {"using": "css selector", "value": css})
        return [e[ELEMENT] for e in found]

    def find(self, css: str, timeout: float = 10.0) -> str:
        """The first element ``css`` selects, waiting up to ``timeout`` for it to appear."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.all(css)
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise WebDriverError(f"no {css!r} on {self.url}:\n{self.source}")
            time.sleep(0.05)

    def link(self, text: str) -> str:
        found = self._call("POST", "/elements", {"using": "link text", "value": text})
        if not found:
            raise WebDriverError(f"no link {text!r} on {self.url}")
        return str(found[0][ELEMENT])

    def click(self, element: str) -> None:
        self._call("POST", f"/element/{element}/click", {})

    def follow(self, element: str, timeout: float = 10.0) -> None:
        """Click a link or a form's button and wait for the page it leads to: the click returns
        once the event is dispatched, the old page's root goes stale when the new one replaces it."""
        old = self.find("html")
        self.click(element)
        deadline = time.monotonic() + timeout
        while True:
            r = self._wd.get(f"{self._base}/element/{old}/name")
            if r.status_code != 200:  # stale: the old document is gone
                break
            if time.monotonic() > deadline:
                raise WebDriverError(f"clicking did not leave {self.url}")
            time.sleep(0.02)
        while (
            self._call("POST", "/execute/sync", {"script": "return document.readyState", "args": []})
            != "complete"
        ):
            if time.monotonic() > deadline:
                raise WebDriverError(f"{self.url} did not finish loading")
            time.sleep(0.02)

    def type(self, element: str, text: str) -> None:
        self._call("POST", f"/element/{element}/value", {"text": text})

    def text(self, element: str) -> str:
        return str(self._call("GET", f"/element/{element}/text"))

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self._call("GET", "/screenshot")))

    def execute(self, script: str, *args: Any) -> Any:
        """Run ``script`` (a function body; ``arguments`` holds ``args``) in the page, its value back."""
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def execute_async(self, script: str, *args: Any) -> Any:
        """Run ``script``, which calls ``arguments[arguments.length - 1]`` with its value when done."""
        return self._call("POST", "/execute/async", {"script": script, "args": list(args)})

    def set_script_timeout(self, seconds: float) -> None:
        """How long ``execute_async`` waits for its script's callback."""
        self._call("POST", "/timeouts", {"script": int(seconds * 1000)})

    def resize(self, width: int, height: int) -> None:
        self._call("POST", "/window/rect", {"width": width, "height": height})

    def until(self, script: str, timeout: float = 30.0, *args: Any) -> Any:
        """Wait until ``script`` returns something truthy in the page; that value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.execute(script, *args)
            if value:
                return value
            if time.monotonic() > deadline:
                raise WebDriverError(f"waited {timeout:.0f}s on {self.url} for: {script}")
            time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def chromium() -> Iterator[Browser]:
    """A new headless Chromium session; chromedriver and the browser end with the block."""
    for program in (CHROMIUM, CHROMEDRIVER):
        if shutil.which(program) is None:
            raise WebDriverError(f"{program} is missing: install Debian's chromium and chromium-driver")
    port = _free_port()
    with tempfile.TemporaryDirectory() as profile:
        driver = subprocess.Popen(
            [CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as wd:
                deadline = time.monotonic() + 20
                while True:
                    try:
                        if wd.get("/status").json()["value"]["ready"]:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline:
                        raise WebDriverError("chromedriver did not become ready")
                    time.sleep(0.05)
                options = {"binary": CHROMIUM, "args": [*_ARGS, f"--user-data-dir={profile}"]}
                caps = {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}
                r = wd.post("/session", json={"capabilities": caps})
                if r.status_code != 200:
                    raise WebDriverError(f"no browser session: {r.text}")
                session = r.json()["value"]["sessionId"]
                try:
                    yield Browser(wd, session)
                finally:
                    wd.delete(f"/session/{session}")
        finally:
            driver.terminate()
            try:
                driver.wait(10)
            except subprocess.TimeoutExpired:
                driver.kill()
                driver.wait()
