"""Designer throughput in-process, and `hearth design` vs `virt-install --print-xml` per call.

Prints designs_per_second last. The CLI comparison runs side by side in the same run (the
machines are noisy); it is skipped, saying so, when virt-install is not installed.
"""

from __future__ import annotations

import argparse
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


def timed(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=5000, help="in-process designs")
    ap.add_argument("--runs", type=int, default=7, help="CLI runs per tool")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        disk = Path(tmp) / "root.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "1G"], check=True)
        hearth = str(Path(sys.executable).with_name("hearth"))
        common = ["--disk", str(disk), "--network", "default"]
        subprocess.run(
            [hearth, "design", "--os", "debian12", *common], check=True, capture_output=True
        )  # warm cache
        hearth_s = timed([hearth, "design", "--os", "debian12", *common], args.runs)
        print(f"hearth_design_cli_ms={hearth_s * 1000:.1f}")
        if shutil.which("virt-install"):
            vi = [
                "virt-install", "--connect", "test:///default", "--print-xml", "--dry-run", "--name", "b",
                "--osinfo", "debian12", "--disk", str(disk), "--network", "network=default",
                "--noautoconsole",
            ]  # fmt: skip
            vi_s = timed(vi, args.runs)
            print(f"virt_install_cli_ms={vi_s * 1000:.1f}")
            print(f"cli_speedup_vs_virt_install={vi_s / hearth_s:.2f}")
        else:
            print("virt-install not installed: CLI comparison skipped")
        rate = in_process(args.n, disk)
    print(f"designs_per_second={rate:.0f}")


if __name__ == "__main__":
    main()
