"""`hearth osinfo list|show` through typer's runner, and the real entry point in a subprocess
for the error path (exit code, one line on stderr, no traceback)."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from hearth.cli.osinfo import app
from tests.osinfo.groundtruth import all_os_elements, xml_resource, xml_text

runner = CliRunner(env={"COLUMNS": "200"})  # rich tables wrap at the terminal width


def hearth(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from hearth.cli.main import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_list_table() -> None:
    result = runner.invoke(app, ["list", "--family", "winnt"])
    assert result.exit_code == 0, result.output
    assert "win11" in result.output and "Microsoft Windows 11" in result.output
    assert "debian11" not in result.output
    winnt = sum(1 for n in all_os_elements() if xml_text(n, "family") == "winnt")
    assert f"{winnt} operating system(s)" in result.output


def test_list_json_search() -> None:
    result = runner.invoke(app, ["list", "--search", "jammy", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["short_id"] for r in rows] == ["ubuntu22.04"]
    assert rows[0]["release_date"] == "2022-04-21" and "ubuntujammy" in rows[0]["short_ids"]


def test_show_json_for_win11() -> None:
    result = runner.invoke(app, ["show", "win11", "--arch", "x86_64", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["short_id"] == "win11" and doc["derives_from"] == "win10"
    view = doc["for_arch"]
    assert view["arch"] == "x86_64" and view["requires_efi"] is True
    assert view["firmware"] == {"efi": True, "bios": False}
    assert view["minimum"]["ram_bytes"] == xml_resource("win11", "x86_64", "minimum", "ram")
    assert view["recommended"] is None
    assert {"e1000e", "qxl"} <= {d["name"] for d in doc["devices"]}


def test_show_text_for_ubuntu() -> None:
    result = runner.invoke(app, ["show", "ubuntujammy", "--arch", "amd64"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Ubuntu 22.04 LTS (ubuntu22.04)" in out
    assert "derives from: ubuntu21.10" in out
    assert "Resources (x86_64)" in out and "4 GiB" in out  # recommended RAM from the XML
    assert "virtio1.0-net" in out and "virtio1.0-gpu" not in out  # unsupported="false" removed
    assert "BIOS or EFI" in out


def test_show_text_says_efi_required() -> None:
    result = runner.invoke(app, ["show", "win11", "--arch", "x86_64"])
    assert result.exit_code == 0, result.output
    assert "EFI required" in result.output


def test_show_unknown_id_is_one_line_exit_2() -> None:
    result = hearth("osinfo", "show", "debain11")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hearth: error: unknown OS short-id 'debain11'")
    assert "debian11" in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_arch_and_family_exit_2() -> None:
    bad_arch = runner.invoke(app, ["show", "win11", "--arch", "vax"])
    assert bad_arch.exit_code == 2 and "unknown architecture 'vax'" in bad_arch.output
    bad_family = runner.invoke(app, ["list", "--family", "plan9"])
    assert bad_family.exit_code == 2 and "unknown OS family 'plan9'" in bad_family.output
    assert bad_family.exception is None or isinstance(bad_family.exception, SystemExit)
