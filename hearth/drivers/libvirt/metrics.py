"""A running domain's figures from libvirt's domain stats (``virConnectGetAllDomainStats`` for one
domain): ``cpu.time``, ``balloon.*``, ``block.<n>.*`` and ``net.<n>.*``, summed over devices.

libvirt has no uptime, which cpuUtilization needs: on a local qemu:///system host the QEMU
process's start (``/run/libvirt/qemu/<name>.pid`` and /proc) gives it; elsewhere utilisation is
left out rather than guessed.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import libvirt

from .. import guest_metrics
from ..resources import InstanceMetrics

_STATS = (
    libvirt.VIR_DOMAIN_STATS_CPU_TOTAL
    | libvirt.VIR_DOMAIN_STATS_BALLOON
    | libvirt.VIR_DOMAIN_STATS_INTERFACE
    | libvirt.VIR_DOMAIN_STATS_BLOCK
)
_PID_DIR = Path("/run/libvirt/qemu")


def _sum(stats: dict[str, Any], group: str, key: str) -> int | None:
    """``<group>.<n>.<key>`` summed over the group's devices (None when libvirt has none)."""
    count = stats.get(f"{group}.count")
    if count is None:
        return None
    values = [stats.get(f"{group}.{i}.{key}") for i in range(int(count))]
    return sum(int(v) for v in values if v is not None)


def _uptime(name: str) -> float | None:
    """Seconds the domain's local QEMU process has run, when its pid file is readable here."""
    try:
        pid = int((_PID_DIR / f"{name}.pid").read_text().strip())
        stat = Path(f"/proc/{pid}/stat").read_text()
        since_boot = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError):
        return None
    started = int(stat[stat.rindex(")") + 2 :].split()[19]) / os.sysconf("SC_CLK_TCK")
    return max(0.0, since_boot - started)


def read_metrics(
    instance_id: str, conn: libvirt.virConnect, dom: libvirt.virDomain, local: bool
) -> InstanceMetrics:
    at = datetime.now(UTC)
    _, _, memory_kib, vcpus, cpu_ns = dom.info()
    got = conn.domainListGetStats([dom], _STATS)
    stats: dict[str, Any] = got[0][1] if got else {}
    cpu = int(stats.get("cpu.time", cpu_ns)) / 1e9
    actual = int(stats.get("balloon.current", memory_kib)) * 1024
    rss = stats.get("balloon.rss")
    used = min(actual, int(rss) * 1024) if rss is not None else None
    counters = guest_metrics.Counters(
        cpu_seconds=cpu,
        uptime_seconds=_uptime(dom.name()) if local else None,
        vcpus=int(vcpus),
        memory_used=used,
        memory_available=actual,
        disk_read_requests=_sum(stats, "block", "rd.reqs"),
        disk_write_requests=_sum(stats, "block", "wr.reqs"),
        disk_read_bytes=_sum(stats, "block", "rd.bytes"),
        disk_write_bytes=_sum(stats, "block", "wr.bytes"),
        nic_rx_bytes=_sum(stats, "net", "rx.bytes"),
        nic_rx_packets=_sum(stats, "net", "rx.pkts"),
        nic_tx_bytes=_sum(stats, "net", "tx.bytes"),
        nic_tx_packets=_sum(stats, "net", "tx.pkts"),
    )
    return guest_metrics.build(instance_id, counters, at)
