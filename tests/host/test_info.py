"""hearth.host.info: the host's facts, checked against the kernel's own files."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import pytest

from hearth.errors import BackendError
from hearth.host import Accelerator, host_info
from hearth.qemu.accel import kvm_usable


def test_facts_match_the_kernel() -> None:
    info = host_info()
    assert info.arch == platform.machine()
    assert info.cpus == os.cpu_count()
    total_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    assert info.memory_mib == total_kib // 1024
    assert info.kernel == os.uname().release
    assert info.kvm_usable == kvm_usable()


def test_accelerator_follows_hearth_accel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_ACCEL", "tcg")
    info = host_info()
    assert info.accelerator is Accelerator.tcg and info.accelerator_forced
    monkeypatch.delenv("HEARTH_ACCEL")
    info = host_info()
    assert not info.accelerator_forced
    assert info.accelerator is (Accelerator.kvm if kvm_usable() else Accelerator.tcg)
    monkeypatch.setenv("HEARTH_ACCEL", "warp")
    with pytest.raises(BackendError) as err:
        host_info()
    assert "HEARTH_ACCEL" in err.value.message
