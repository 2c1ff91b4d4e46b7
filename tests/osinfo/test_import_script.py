"""scripts/import-osinfo-db.sh, the install step that brings a current osinfo-db.

The full import runs for real: a private apt configuration fetches Debian's newest osinfo-db
package from the package archive (the one network the project may use) and imports it below
a temp root, so the machine's /etc/osinfo and apt state are never touched by the test.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.osinfo.groundtruth import OSINFO_ROOTS

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "import-osinfo-db.sh"


def _floor() -> int:
    found = re.search(r"^min_version=(\d+)", SCRIPT.read_text(), re.MULTILINE)
    assert found, "the script names the oldest osinfo-db it accepts"
    return int(found.group(1))


def _version(directory: Path) -> int:
    try:
        return int((directory / "VERSION").read_text().strip())
    except (OSError, ValueError):
        return 0


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEARTH_OSINFO_ROOT": str(root)}
    return subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=300, env=env, check=False
    )


def test_the_database_libosinfo_loads_is_as_new_as_the_install_step_requires() -> None:
    assert max(_version(d) for d in OSINFO_ROOTS) >= _floor(), (
        f"no current osinfo-db in {', '.join(map(str, OSINFO_ROOTS))}: "
        "run scripts/import-osinfo-db.sh (make deps does)"
    )


def test_a_current_local_database_is_left_alone_without_fetching(tmp_path: Path) -> None:
    local = tmp_path / "etc" / "osinfo"
    local.mkdir(parents=True)
    (local / "VERSION").write_text(f"{_floor() + 1}\n")
    done = run(tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"is {_floor() + 1}" in done.stdout and "looking for" not in done.stdout
    assert sorted(p.name for p in local.iterdir()) == ["VERSION"]


def test_an_unknown_option_is_refused_with_the_usage() -> None:
    done = subprocess.run(["bash", str(SCRIPT), "--latest"], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "usage:" in done.stderr


def test_an_old_local_database_is_replaced_by_debians_newest(tmp_path: Path) -> None:
    local = tmp_path / "etc" / "osinfo"
    local.mkdir(parents=True)
    (local / "VERSION").write_text("20221130\n")
    done = run(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _version(local) >= _floor()
    assert f"(database {_version(local)}) into {local}" in done.stdout
    for new in ("debian.org/debian-13.xml", "ubuntu.com/ubuntu-24.04.xml", "microsoft.com/win-2k25.xml"):
        assert (local / "os" / new).is_file(), new
    again = run(tmp_path)
    assert again.returncode == 0 and "looking for" not in again.stdout
