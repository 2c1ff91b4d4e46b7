"""Boot the test guest through hearth.qemu and with a bare hand-written QEMU command, side by side.

Each round boots both (order alternating, same kernel, initramfs, memory and accelerator)
and times launch → ready marker on the serial console. The difference of the medians is
what hearth adds: validation, the runtime directory, two QMP monitors and the handshake.
Then it times ``query-status`` round trips on a running guest, through the blocking facade
scripts use and directly on the asyncio client.

Prints ``overhead_ms`` and ``qmp_rtt_us`` (the facade's median) last. Targets: < 100 ms, < 500 µs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from hearth.qemu import Machine, Supervisor, SyncVM
from hearth.testing.guest import MARKER, GuestImage, guest_image

MEMORY_MIB = 256


def wait_marker(log: Path, start: float, timeout: float = 120.0) -> float:
    """Seconds from ``start`` until the ready marker is in ``log`` (same poll loop for both)."""
    needle = MARKER.encode()
    while time.perf_counter() - start < timeout:
        try:
            if needle in log.read_bytes():
                return time.perf_counter() - start
        except FileNotFoundError:
            pass
        time.sleep(0.002)
    raise TimeoutError(f"no {MARKER} in {log} after {timeout}s")


def bare_boot(guest: GuestImage, work: Path, accel: str) -> float:
    log = work / "bare-console.log"
    log.unlink(missing_ok=True)
    argv = ["qemu-system-x86_64", "-machine", "q35", "-accel", accel, "-cpu", "max", "-m", str(MEMORY_MIB)]
    argv += ["-smp", "1", "-nodefaults", "-no-user-config", "-display", "none"]
    argv += ["-kernel", str(guest.kernel), "-initrd", str(guest.initrd), "-append", guest.append("wait")]
    argv += ["-serial", f"file:{log}"]
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        return wait_marker(log, start)
    finally:
        proc.kill()
        proc.wait()


def machine(guest: GuestImage, name: str) -> Machine:
    return Machine(
        name=name,
        accel="auto",
        memory_mib=MEMORY_MIB,
        kernel=guest.kernel,
        initrd=guest.initrd,
        append=guest.append("wait"),
    )


def hearth_boot(sup: Supervisor, guest: GuestImage, name: str) -> float:
    start = time.perf_counter()
    vm = sup.launch(machine(guest, name))
    try:
        return wait_marker(vm.console_log, start)
    finally:
        vm.kill()


def qmp_round_trips(vm: SyncVM, count: int) -> tuple[float, float]:
    """Median query-status round trip in µs: via the blocking facade, and on the loop itself."""
    facade = []
    for _ in range(count):
        t = time.perf_counter()
        vm.qmp.execute("query-status")
        facade.append(time.perf_counter() - t)

    async def on_loop() -> list[float]:
        out = []
        for _ in range(count):
            t = time.perf_counter()
            await vm.vm.qmp.execute("query-status")
            out.append(time.perf_counter() - t)
        return out

    future = asyncio.run_coroutine_threadsafe(on_loop(), vm.loop)
    direct = future.result(120)
    return statistics.median(facade) * 1e6, statistics.median(direct) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=7, help="boots of each kind (default 7)")
    parser.add_argument("--rtt", type=int, default=500, help="query-status round trips (default 500)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "hearth-guest-cache")
    args = parser.parse_args()
    os.environ.setdefault("HEARTH_ACCEL", "tcg")
    accel = os.environ["HEARTH_ACCEL"] if os.environ["HEARTH_ACCEL"] != "auto" else "tcg"
    guest = guest_image(args.cache)
    work = Path(tempfile.mkdtemp(prefix="hb-", dir="/tmp"))
    try:
        with Supervisor(work / "state") as sup:
            hearth_boot(sup, guest, "warmup")  # fills the capability cache; not timed
            bare, ours = [], []
            for i in range(args.n):
                order = (0, 1) if i % 2 == 0 else (1, 0)
                for which in order:
                    if which == 0:
                        bare.append(bare_boot(guest, work, accel))
                    else:
                        ours.append(hearth_boot(sup, guest, f"b{i}"))
            vm = sup.launch(machine(guest, "rtt"))
            try:
                wait_marker(vm.console_log, time.perf_counter())
                rtt_facade, rtt_direct = qmp_round_trips(vm, args.rtt)
            finally:
                vm.kill()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"accel={accel}")
    print(f"boots_each={args.n}")
    print("bare_boots_ms=" + ",".join(f"{t * 1e3:.0f}" for t in bare))
    print("hearth_boots_ms=" + ",".join(f"{t * 1e3:.0f}" for t in ours))
    print(f"bare_boot_ms_median={statistics.median(bare) * 1e3:.1f}")
    print(f"hearth_boot_ms_median={statistics.median(ours) * 1e3:.1f}")
    print(f"qmp_rtt_asyncio_us={rtt_direct:.0f}")
    print(f"overhead_ms={(statistics.median(ours) - statistics.median(bare)) * 1e3:.1f}")
    print(f"qmp_rtt_us={rtt_facade:.0f}")


if __name__ == "__main__":
    main()
