"""`scripts/conformance.sh` (what `make conformance` and `make conformance-libvirt` run): a fresh
server (the seeded mock, or libvirt with the test guest as its image), Deltacloud's live suite
against it, the suite's status or its comparison with a list of expected failures, nothing left
behind. Needs Ruby and the suite's gems (scripts/system-packages.txt) and the suite kept in the
repository (conformance/deltacloud-tests); the libvirt cases need libvirtd (qemu:///system)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from hearth.testing.conformance import compare, read_failures
from tests.libvirt_host import SYSTEM_URI

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "conformance.sh"
HEARTH = str(Path(sys.executable).with_name("hearth"))


def _run(*collections: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The script with these arguments (collections and options) and environment."""
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--driver", "xen", "realms"], "unknown driver 'xen' (known: mock, libvirt)"),
        (["--driver=qemu"], "unknown driver 'qemu' (known: mock, libvirt)"),
        (["--driver"], "--driver needs a value: mock or libvirt"),
        (["--drivers", "libvirt"], "unknown option --drivers (known: --driver mock|libvirt"),
        (["--expected-failures"], "--expected-failures needs a file"),
    ],
)
def test_bad_options_are_clear_errors_before_anything_starts(
    tmp_path: Path, args: list[str], message: str
) -> None:
    done = _run(*args, TMPDIR=str(tmp_path), LIBVIRT_RUN_ROOT=str(tmp_path))
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_a_missing_expected_failures_file_is_a_clear_error(tmp_path: Path) -> None:
    done = _run("--expected-failures", str(tmp_path / "none.txt"), "realms", TMPDIR=str(tmp_path))
    assert done.returncode == 2
    assert f"no expected-failures file at {tmp_path / 'none.txt'}" in done.stderr
    assert _leftovers(tmp_path) == []


def test_an_unreachable_libvirt_is_a_clear_error(tmp_path: Path) -> None:
    uri = f"qemu+unix:///system?socket={tmp_path}/no-libvirtd.sock"
    done = _run("--driver", "libvirt", "realms", LIBVIRT_URI=uri, LIBVIRT_RUN_ROOT=str(tmp_path))
    assert done.returncode == 2
    assert f"cannot reach libvirt at {uri} (is libvirtd running?)" in done.stderr
    assert list(tmp_path.iterdir()) == []


# What run.sh prints for two collections, one with two errors (its summary format).
FAKE_OUTPUT = """\
base_api               17 tests,   0 failures,   2 errors,   0 skips
      1) Error:
    Deltacloud API Entry Point#test_0013_must change the driver when using X-Deltacloud-Driver HTTP header:
    RestClient::InternalServerError: 500 Internal Server Error
      2) Error:
    Deltacloud API Entry Point#test_0014_must change the features when driver is swapped:
    RestClient::InternalServerError: 500 Internal Server Error
realms                 14 tests,   0 failures,   0 errors,   0 skips
TOTAL: 31 tests, 0 failures, 2 errors, 0 skips
"""


def _fake_suite(tmp: Path, output: str) -> Path:
    """A suite whose run.sh prints ``output`` and fails, as the real one does on failures."""
    suite = tmp / "suite"
    suite.mkdir()
    (suite / "output.txt").write_text(output)
    run = suite / "run.sh"
    run.write_text('#!/bin/bash\ncat "$(dirname "$0")/output.txt"\nexit 1\n')
    run.chmod(0o755)
    return suite


@pytest.mark.parametrize(
    ("listed", "status", "said"),
    [
        # exactly the failing tests (an entry of a collection not run is not looked at)
        ("base_api test_0013  why\nbase_api test_0014\nkeys test_0001 not run\n", 0, ["2 expected failures"]),
        ("# comment\nbase_api test_0013  why\n", 1, ["UNEXPECTED failure: base_api test_0014"]),
        (
            "base_api test_0013\nbase_api test_0014\nrealms test_0002  was broken\n",
            1,
            ["realms test_0002 passes now: take it off", "(was broken)"],
        ),
        ("base_api 13\n", 2, [":1: want COLLECTION TEST_ID (e.g. base_api test_0013)"]),
    ],
)
def test_expected_failures_are_exactly_the_listed_ones(
    tmp_path: Path, listed: str, status: int, said: list[str]
) -> None:
    suite = _fake_suite(tmp_path, FAKE_OUTPUT)
    expected = tmp_path / "expected.txt"
    expected.write_text(listed)
    done = _run("--expected-failures", str(expected), DELTACLOUD_TESTS=str(suite), TMPDIR=str(tmp_path))
    assert done.returncode == status, done.stdout + done.stderr
    for words in said:
        assert words in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert _leftovers(tmp_path) == []


def test_a_crashed_collection_is_an_unexpected_failure(tmp_path: Path) -> None:
    crashed = "keys                 CRASHED (no minitest summary; counted as 1 error) - see keys.log\n"
    suite = _fake_suite(tmp_path, crashed)
    expected = tmp_path / "expected.txt"
    expected.write_text("")
    done = _run("--expected-failures", str(expected), DELTACLOUD_TESTS=str(suite), TMPDIR=str(tmp_path))
    assert done.returncode == 1
    assert "UNEXPECTED failure: keys CRASHED" in done.stdout


def _host_names(uri: str) -> set[str]:
    conn = libvirt.open(uri)
    try:
        return (
            {d.name() for d in conn.listAllDomains(0)}
            | {n.name() for n in conn.listAllNetworks(0)}
            | {p.name() for p in conn.listAllStoragePools(0)}
        )
    finally:
        conn.close()


def _prefix(stdout: str) -> str:
    found = re.search(
        r"Hearth libvirt on \S+ \(prefix (hc[0-9a-f]{8}-), TCG, image test-guest [0-9a-f-]{36}\)", stdout
    )
    assert found, stdout
    return found.group(1)


def test_the_libvirt_mode_on_libvirts_test_driver(tmp_path: Path) -> None:
    """Users, the test guest added as an image, mockuser's seeded key: the keys collection has
    one to look at. The test driver boots nothing, so this is the plumbing, fast."""
    done = _run(
        "--driver", "libvirt", "realms", "keys", LIBVIRT_URI="test:///default", LIBVIRT_RUN_ROOT=str(tmp_path)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    _prefix(done.stdout)
    assert "TOTAL: 28 tests, 0 failures, 0 errors, 0 skips" in done.stdout
    assert list(tmp_path.iterdir()) == []  # the run's directory (state, pool, guest) is gone


@pytest.fixture
def shared_root() -> Iterator[Path]:
    """Where the qemu:///system run's directory goes: one QEMU (libvirt-qemu) can enter, which
    pytest's private temporary directories are not."""
    root = Path(tempfile.mkdtemp(prefix="hearth-conformance-test.", dir="/var/tmp"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_the_libvirt_mode_on_qemu_system_leaves_the_host_as_it_was(shared_root: Path) -> None:
    """qemu:///system: the seeded instance boots the test guest under TCG; its domain, the pool
    and its volumes (the seeded volume, the instance's disk) carry the run's prefix and are gone
    at the end, with the run's directory."""
    root = shared_root
    before = _host_names(SYSTEM_URI)
    done = _run("--driver", "libvirt", "storage_volumes", LIBVIRT_RUN_ROOT=str(root))
    assert done.returncode == 0, done.stdout + done.stderr
    prefix = _prefix(done.stdout)
    assert "TOTAL: 14 tests, 0 failures, 0 errors, 0 skips" in done.stdout
    assert {n for n in _host_names(SYSTEM_URI) if n.startswith(prefix)} == set()
    assert before - _host_names(SYSTEM_URI) == set()  # nothing the host had is gone
    assert list(root.iterdir()) == []


def test_failures_and_errors_are_both_read_from_run_sh_output() -> None:
    """A Failure's name line ends in its file and line (``[...rb:72]:``), an Error's in ':'; the
    message lines under them are not test names."""
    output = """\
keys                   14 tests,   1 failures,   1 errors,   0 skips
      1) Failure:
    Deltacloud API keys collection::member tests#test_0001_must have some key elements  [/x/c.rb:72]:
    Expected [] to not be empty.
      2) Error:
    Deltacloud API keys collection#test_0009_must allow to create a key:
    NoMethodError: undefined method `[]' for nil:NilClass (see #test_0003_other:)
realms                 14 tests,   0 failures,   0 errors,   0 skips
""".splitlines()
    ran, failed = read_failures(output)
    assert ran == {"keys", "realms"}
    assert failed == {("keys", "test_0001"), ("keys", "test_0009")}
    result = compare({("keys", "test_0001"): "empty account"}, ran, failed)
    assert (result.matched, result.unexpected, result.passing, result.ok) == (
        [("keys", "test_0001")],
        [("keys", "test_0009")],
        [],
        False,
    )
