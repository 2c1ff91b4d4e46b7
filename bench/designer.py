"""Designer throughput in-process, and `hearth design` vs `virt-install --print-xml` per call.

Prints designs_per_second last. The CLI comparison runs side by side in the same run (the
machines are noisy), the two tools alternating call by call; it is skipped, saying so, when
virt-install is not installed. The hearth calls use an osinfo cache of their own, warmed
first, so another process rewriting the shared one cannot slow them down.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hearth.designer import Designer
from hearth.osinfo import default_db

OSES = ("debian12", "fedora41", "win10", "winxp", "ubuntu24.04")


def in_process(n: int, disk: Path) -> float:
    db = default_db()
    for os_ in OSES:
        db.get(os_)  # warm the lookup: we measure designing, not loading osinfo
    start = time.perf_counter()
    for i in range(n):
        d = Designer(db).setup(OSES[i % len(OSES)], arch="x86_64")
        d.add_disk(disk).add_cdrom("https://mirror.example/os.iso?x=1")
        d.add_interface("network", "default").add_interface("macvtap", "eth0", mode="vepa")
        d.build().to_xml()
    return n / (time.perf_counter() - start)


def timed(cmds: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, float]:
    """Median seconds per command, the commands taking turns so load changes hit them alike."""
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(runs):
        for name, cmd in cmds.items():
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=env)
            times[name].append(time.perf_counter() - t)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=5000, help="in-process designs")
    ap.add_argument("--runs", type=int, default=7, help="CLI runs per tool")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        disk = Path(tmp) / "root.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "1G"], check=True)
        hearth = str(Path(sys.executable).with_name("hearth"))
        env = {**os.environ, "HEARTH_CACHE_DIR": str(Path(tmp) / "cache")}
        common = ["--disk", str(disk), "--network", "default"]
        cmds = {"hearth": [hearth, "design", "--os", "debian12", *common]}
        subprocess.run(cmds["hearth"], check=True, capture_output=True, env=env)  # warm the cache
        if shutil.which("virt-install"):
            cmds["virt-install"] = [
                "virt-install", "--connect", "test:///default", "--print-xml", "--dry-run", "--name", "b",
                "--osinfo", "debian12", "--disk", str(disk), "--network", "network=default",
                "--noautoconsole",
            ]  # fmt: skip
        medians = timed(cmds, args.runs, env)
        print(f"hearth_design_cli_ms={medians['hearth'] * 1000:.1f}")
        if "virt-install" in medians:
            print(f"virt_install_cli_ms={medians['virt-install'] * 1000:.1f}")
            print(f"cli_speedup_vs_virt_install={medians['virt-install'] / medians['hearth']:.2f}")
        else:
            print("virt-install not installed: CLI comparison skipped")
        rate = in_process(args.n, disk)
    print(f"designs_per_second={rate:.0f}")


if __name__ == "__main__":
    main()
