"""What kind of host this is: architecture, CPUs, memory, and the accelerator guests will get.

The accelerator follows the QEMU layer's rule (``HEARTH_ACCEL`` wins; otherwise KVM when
/dev/kvm really works, else TCG), so what the API reports is what a new guest will run with.
"""

from __future__ import annotations

import os
import platform
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from hearth.errors import BackendError, HearthError

PROC = Path("/proc")


class Accelerator(StrEnum):
    kvm = "kvm"
    tcg = "tcg"


class HostInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    hostname: str
    arch: str
    cpus: int
    cpu_model: str | None = None
    memory_mib: int
    kernel: str
    accelerator: Accelerator
    accelerator_forced: bool  # HEARTH_ACCEL chose it
    kvm_usable: bool


def host_info(proc: Path = PROC) -> HostInfo:
    from hearth.qemu import accel  # lazily: the QEMU package is heavy to import

    usable = accel.kvm_usable()
    try:
        wanted = accel.requested("auto")
    except HearthError as exc:
        raise BackendError(f"the server's accelerator setting is wrong: {exc.message}") from None
    chosen = Accelerator.tcg if wanted == "tcg" or (wanted == "auto" and not usable) else Accelerator.kvm
    uname = os.uname()
    return HostInfo(
        hostname=uname.nodename,
        arch=platform.machine(),
        cpus=os.cpu_count() or 1,
        cpu_model=_cpu_model(proc / "cpuinfo"),
        memory_mib=_mem_total_kib(proc / "meminfo") // 1024,
        kernel=uname.release,
        accelerator=chosen,
        accelerator_forced=bool(os.environ.get(accel.ENV_VAR, "").strip()),
        kvm_usable=usable,
    )


def _mem_total_kib(path: Path) -> int:
    try:
        for line in path.read_text().splitlines():
            key, _, rest = line.partition(":")
            if key == "MemTotal":
                return int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    raise BackendError(f"cannot read the host's memory size from {path}")


def _cpu_model(path: Path) -> str | None:
    try:
        text = path.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "cpu model", "Processor", "cpu"):
            return value.strip() or None
    return None
