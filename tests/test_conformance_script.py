"""`scripts/conformance.sh` (what `make conformance` runs): a fresh seeded mock server, Deltacloud's
live suite against it, the suite's status, nothing left behind. Needs Ruby and the suite's gems
(scripts/system-packages.txt) and the suite kept in the repository (conformance/deltacloud-tests)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "conformance.sh"
HEARTH = str(Path(sys.executable).with_name("hearth"))


def _run(*collections: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *collections],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={**os.environ, "HEARTH": HEARTH, **env},
    )


def _leftovers(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("hearth-conformance.*"))


def test_the_realms_collection_passes_against_a_fresh_seeded_server(tmp_path: Path) -> None:
    done = _run("realms", TMPDIR=str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Hearth mock (Deltacloud fixtures; ec2 per request) at http://127.0.0.1:" in done.stdout
    assert "TOTAL: 14 tests, 0 failures, 0 errors" in done.stdout
    assert _leftovers(tmp_path) == []  # the server's state dir is removed


# A stand-in for `hearth serve` that answers every request with a 500: a target the suite must
# fail against, so the script is seen to pass a failure on (Hearth itself passes base_api).
BROKEN_SERVER = """#!{python}
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class Broken(BaseHTTPRequestHandler):
    def _fail(self):
        self.send_response(500)
        self.send_header("content-length", "0")
        self.end_headers()
    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _fail
    def log_message(self, *args):
        pass

host, port = sys.argv[sys.argv.index("--listen") + 1].rsplit(":", 1)
HTTPServer((host, int(port)), Broken).serve_forever()
"""


def _broken_hearth(tmp: Path) -> Path:
    path = tmp / "broken-hearth"
    path.write_text(BROKEN_SERVER.format(python=sys.executable))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_a_failing_collection_fails_the_script_with_the_suite_summary(tmp_path: Path) -> None:
    done = _run("base_api", TMPDIR=str(tmp_path), HEARTH=str(_broken_hearth(tmp_path)))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "TOTAL: " in done.stdout and "0 failures, 0 errors" not in done.stdout
    assert _leftovers(tmp_path) == []


def test_base_api_and_drivers_pass_with_ec2_offered_per_request(tmp_path: Path) -> None:
    done = _run("base_api", "drivers", TMPDIR=str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "TOTAL: 31 tests, 0 failures, 0 errors, 1 skips" in done.stdout
    assert _leftovers(tmp_path) == []


def test_a_missing_suite_is_a_clear_error(tmp_path: Path) -> None:
    done = _run("realms", DELTACLOUD_TESTS=str(tmp_path / "nowhere"), TMPDIR=str(tmp_path))
    assert done.returncode == 2
    assert f"no Deltacloud test suite at {tmp_path / 'nowhere'}" in done.stderr
