"""A running guest's figures from its QEMU: QMP for what QEMU counts (block I/O per device, the
vCPUs, the guest's RAM size) and the host's /proc for what the process costs (its CPU time, its
resident memory, its age).

QEMU 7.2's ``query-stats`` serves only KVM's counters, so under TCG the process's CPU time is the
guest's CPU time, as libvirt's ``cpu.time`` is for a QEMU domain. QEMU's user-mode network has no
counters in QMP, so the network figures are left out rather than reported as zeros.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hearth.errors import BackendError
from hearth.qemu.sync import SyncVM

from .. import guest_metrics
from ..resources import InstanceMetrics

_PROC = Path("/proc")


def _process(pid: int) -> tuple[float, float, int]:
    """CPU seconds, seconds since start, and resident bytes of process ``pid`` (from /proc)."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
        statm = (_PROC / str(pid) / "statm").read_text().split()
        uptime = float((_PROC / "uptime").read_text().split()[0])
    except OSError as exc:
        raise BackendError(f"cannot read QEMU process {pid}'s figures: {exc.strerror}") from None
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": field 3 onward
    tick = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14, 15)
    started = int(fields[19]) / tick  # starttime (field 22), in ticks since boot
    resident = int(statm[1]) * os.sysconf("SC_PAGE_SIZE")
    return cpu, max(0.0, uptime - started), resident


def _block_totals(stats: list[dict[str, Any]]) -> tuple[int, int, int, int]:
    """Read/write requests and bytes summed over the guest's block devices."""
    rd_ops = wr_ops = rd_bytes = wr_bytes = 0
    for device in stats:
        s = device.get("stats", {})
        rd_ops += int(s.get("rd_operations", 0))
        wr_ops += int(s.get("wr_operations", 0))
        rd_bytes += int(s.get("rd_bytes", 0))
        wr_bytes += int(s.get("wr_bytes", 0))
    return rd_ops, wr_ops, rd_bytes, wr_bytes


def read_metrics(instance_id: str, handle: SyncVM) -> InstanceMetrics:
    at = datetime.now(UTC)
    vcpus = len(handle.qmp.execute("query-cpus-fast") or []) or 1
    memory = handle.qmp.execute("query-memory-size-summary") or {}
    rd_ops, wr_ops, rd_bytes, wr_bytes = _block_totals(handle.qmp.execute("query-blockstats") or [])
    cpu, age, resident = _process(handle.pid)
    ram = memory.get("base-memory")
    counters = guest_metrics.Counters(
        cpu_seconds=cpu,
        uptime_seconds=age,
        vcpus=vcpus,
        memory_used=resident if ram is None else min(resident, int(ram)),
        memory_available=None if ram is None else int(ram),
        disk_read_requests=rd_ops,
        disk_write_requests=wr_ops,
        disk_read_bytes=rd_bytes,
        disk_write_bytes=wr_bytes,
    )
    return guest_metrics.build(instance_id, counters, at)
