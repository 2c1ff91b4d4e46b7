"""Driver benchmarks: mock listing at 1k and 10k instances, and (later) libvirt create → RUNNING.

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
from hearth.drivers.resources import InstanceState
from hearth.store import default_url, new_id
from hearth.store.models import MockInstance

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
    with driver.engine.begin() as conn:
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


def create_to_running_ms() -> float | None:
    """LIBVIRT DRIVER AUTHOR: fill in — create the test guest with the libvirt driver and time
    create → RUNNING; then print ``create_to_running_ms=<n>`` as the LAST line (see main)."""
    return None


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
