"""Driver benchmarks: mock listing at 1k and 10k instances, and libvirt create → RUNNING.

Prints the figures as name=value; the headline comes last. The 1k/10k ratio is measured in the
same run because these machines are noisy: growth should be linear (ratio within 12).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from hearth.drivers import Caller
from hearth.drivers.mock import MockDriver, open_mock_driver
from hearth.drivers.mock.tables import MockInstance
from hearth.store import default_url, new_id
from hearth.vocab.instance_states import InstanceState

OWNER = Caller("bench-user")
RUNS = 7


def populate(driver: MockDriver, count: int) -> None:
    """Insert instances straight into the store: creating 10,000 one by one would only time SQLite."""
    now = datetime.now(UTC)
    rows = [
        {
            "id": new_id(),
            "name": f"bench-{i}",
            "owner_id": OWNER.user_id,
            "created": now,
            "state": InstanceState.RUNNING.value,
            "next_state": None,
            "next_at": None,
            "state_reason": None,
            "image_id": "debian-12",
            "template_id": None,
            "realm_id": "local",
            "hwp_id": "flexible",
            "hwp_overrides": {"memory": 2048} if i % 2 else {},
            "key_name": None,
            "user_data": None,
        }
        for i in range(count)
    ]
    with driver.context.engine.begin() as conn:
        conn.execute(insert(MockInstance), rows)


def list_ms(driver: MockDriver, expected: int) -> float:
    """Median wall time of listing everything the owner has, in milliseconds."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        got = driver.list_instances(OWNER)
        times.append((time.perf_counter() - start) * 1000)
        if len(got) != expected:
            raise SystemExit(f"listed {len(got)} instances, expected {expected}")
    return statistics.median(times)


def bench_list(workdir: Path) -> tuple[float, float]:
    results = []
    for count in (1_000, 10_000):
        driver = open_mock_driver(default_url(workdir / f"n{count}"))
        try:
            populate(driver, count)
            driver.list_instances(OWNER)  # warm caches and the connection pool
            results.append(list_ms(driver, count))
        finally:
            driver.close()
    return results[0], results[1]


def create_to_running_ms(runs: int = 3) -> float | None:
    """Median time from create to RUNNING for the test guest on qemu:///system under TCG.

    RUNNING is libvirt's word that QEMU runs the guest; how long the guest itself takes to reach
    userspace is printed as ``guest_ready_ms`` (from its console marker) for comparison.
    """
    import os
    import secrets
    import shutil

    import libvirt

    from hearth.drivers import wait_for_state
    from hearth.drivers.libvirt import Host, LibvirtConfig, open_libvirt_driver
    from hearth.drivers.resources import InstanceCreate
    from hearth.testing.guest import MARKER, guest_image, wait_for_console

    os.environ.setdefault("HEARTH_ACCEL", "tcg")
    root = Path("/var/tmp/hearth-bench")  # QEMU runs unprivileged: its files must be reachable
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    cache = root / "guest-cache"
    cache.mkdir(exist_ok=True)
    cache.chmod(0o755)
    state = root / f"run-{secrets.token_hex(4)}"
    prefix = f"hb{secrets.token_hex(3)}-"
    pool_dir = state / "pool"  # the bench's own pool: never the host's default one
    pool_dir.mkdir(parents=True)
    state.chmod(0o755)
    config = LibvirtConfig(
        hosts=(Host("local", "qemu:///system"),),
        state_dir=state,
        prefix=prefix,
        accel="tcg",
        pool=f"{prefix}pool",
        pool_path=str(pool_dir),
    )
    guest = guest_image(cache)
    driver = open_libvirt_driver(config)
    created, ready = [], []
    try:
        driver.register_image(
            name="test-guest",
            image_id="test-guest",
            os="debian11",
            kernel=guest.kernel,
            initrd=guest.initrd,
            cmdline=guest.append("wait"),
        )
        request = InstanceCreate(image_id="test-guest", hwp_id="small")
        for _ in range(runs):
            start = time.perf_counter()
            inst = driver.create_instance(OWNER, request)
            wait_for_state(driver, OWNER, inst.id, InstanceState.RUNNING, timeout=120)
            created.append((time.perf_counter() - start) * 1000)
            wait_for_console(state / "local" / "consoles" / f"{inst.id}.log", MARKER, timeout=120)
            ready.append((time.perf_counter() - start) * 1000)
            driver.stop_instance(OWNER, inst.id, force=True)
            wait_for_state(driver, OWNER, inst.id, InstanceState.STOPPED, timeout=60)
            driver.destroy_instance(OWNER, inst.id)
    finally:
        driver.close()
        conn = libvirt.open("qemu:///system")
        for dom in conn.listAllDomains(0):
            if dom.name().startswith(prefix):
                if dom.isActive():
                    dom.destroy()
                dom.undefine()
        for pool in conn.listAllStoragePools(0):
            if pool.name().startswith(prefix):
                for vol in pool.listAllVolumes(0):
                    vol.delete(0)
                pool.destroy()
                pool.undefine()
        conn.close()
        shutil.rmtree(state, ignore_errors=True)
    print(f"guest_ready_ms={statistics.median(ready):.0f}")
    return statistics.median(created)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="hearth-bench-") as tmp:
        ms_1k, ms_10k = bench_list(Path(tmp))
    print(f"list_1k_ms={ms_1k:.1f}")
    print(f"list_growth_10k_over_1k={ms_10k / ms_1k:.2f}")
    running = create_to_running_ms()
    print(f"list_10k_ms={ms_10k:.1f}")
    if running is not None:
        print(f"create_to_running_ms={running:.0f}")  # the headline once the libvirt driver exists
    return 0


if __name__ == "__main__":
    sys.exit(main())
