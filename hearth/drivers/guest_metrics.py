"""What every backend's metrics share: which states have figures, and the figures derived from
raw counters the same way everywhere (cpu utilisation over the guest's life, sectors from bytes).

Counters are read from the running guest process; a STOPPED guest has no process to read, so
asking is an InvalidState (409) naming the states that have figures, rather than zeros that
would look like an idle guest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hearth.errors import InvalidState
from hearth.vocab.instance_states import InstanceState

from .resources import METRICS_STATES, SECTOR_BYTES, InstanceMetrics, Metric, MetricName, metric

MEASURABLE = METRICS_STATES


def require_measurable(instance_id: str, state: InstanceState) -> None:
    if state not in MEASURABLE:
        names = ", ".join(sorted(s.value for s in MEASURABLE))
        raise InvalidState(
            f"instance {instance_id} is {state.value}: metrics are read from a guest that is {names}"
        )


@dataclass(frozen=True)
class Counters:
    """Raw figures a backend read; None where it cannot read that one (left out of the answer)."""

    cpu_seconds: float | None = None
    uptime_seconds: float | None = None
    vcpus: int = 1
    memory_used: int | None = None
    memory_available: int | None = None
    disk_read_requests: int | None = None
    disk_write_requests: int | None = None
    disk_read_bytes: int | None = None
    disk_write_bytes: int | None = None
    nic_rx_bytes: int | None = None
    nic_rx_packets: int | None = None
    nic_tx_bytes: int | None = None
    nic_tx_packets: int | None = None


def build(instance_id: str, c: Counters, at: datetime) -> InstanceMetrics:
    """The contract's figures from raw counters: utilisation is cpu time over wall time times
    vCPUs since the guest started (capped at 100, as a percentage of the guest's CPUs)."""
    out: list[Metric] = []

    def put(name: MetricName, value: float | None) -> None:
        if value is not None:
            out.append(metric(name, max(0.0, float(value)), at))

    if c.cpu_seconds is not None and c.uptime_seconds:
        share = c.cpu_seconds / (c.uptime_seconds * max(1, c.vcpus))
        put(MetricName.cpu_utilization, round(min(100.0, 100.0 * share), 3))
    put(MetricName.cpu_time, c.cpu_seconds)
    put(MetricName.memory_used, c.memory_used)
    put(MetricName.memory_available, c.memory_available)
    put(MetricName.disk_read_request_count, c.disk_read_requests)
    put(MetricName.disk_write_request_count, c.disk_write_requests)
    put(MetricName.disk_read_byte, c.disk_read_bytes)
    put(MetricName.disk_write_byte, c.disk_write_bytes)
    put(MetricName.disk_read_sector, None if c.disk_read_bytes is None else c.disk_read_bytes // SECTOR_BYTES)
    put(
        MetricName.disk_write_sector,
        None if c.disk_write_bytes is None else c.disk_write_bytes // SECTOR_BYTES,
    )
    put(MetricName.nic_input_byte, c.nic_rx_bytes)
    put(MetricName.nic_input_packet, c.nic_rx_packets)
    put(MetricName.nic_output_byte, c.nic_tx_bytes)
    put(MetricName.nic_output_packet, c.nic_tx_packets)
    return InstanceMetrics(instance_id=instance_id, timestamp=at, metrics=out)
