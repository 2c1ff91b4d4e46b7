"""`hearth design` as a user runs it: a real subprocess, XML on stdout, one line on errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hearth.domain import parse

HEARTH = [sys.executable, "-c", "from hearth.cli.main import main; main()"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HEARTH, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def qcow2(tmp_path: Path) -> Path:
    path = tmp_path / "root.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "8M"], check=True)
    return path


def test_design_prints_domain(qcow2: Path) -> None:
    res = run(
        "design", "--os", "debian11", "--arch", "x86_64", "--disk", str(qcow2),
        "--cdrom", "https://deb.example/debian-11.iso?x=1", "--macvtap", "eth0:vepa", "--ovs", "ovsbr0",
        "--memory", "768", "--vcpus", "3", "--name", "web1",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    dom = parse(res.stdout)
    assert (dom.name, dom.memory_mib, dom.vcpus) == ("web1", 768, 3)
    assert [d.target_dev for d in dom.devices.disks] == ["vda", "sda"]
    assert dom.devices.disks[1].source_query == "x=1"
    kinds = [(i.type, i.source_mode, i.virtualport_type) for i in dom.devices.interfaces]
    assert kinds == [("bridge", None, "openvswitch"), ("direct", "vepa", None)]


def test_default_network_and_no_network() -> None:
    assert parse(run("design", "--os", "debian11", "--arch", "x86_64").stdout).devices.interfaces[
        0
    ].source_network == ("default")
    dom = parse(run("design", "--os", "debian11", "--arch", "x86_64", "--no-network").stdout)
    assert len(dom.devices.interfaces) == 0


def test_kernel_boot(tmp_path: Path) -> None:
    kernel = next(Path("/boot").glob("vmlinuz-*"))
    initrd = tmp_path / "initrd"
    initrd.write_bytes(b"x")
    res = run(
        "design", "--os", "debian11", "--kernel", str(kernel), "--initrd", str(initrd), "--cmdline", "quiet"
    )
    assert res.returncode == 0, res.stderr
    dom = parse(res.stdout)
    assert (dom.os.kernel, dom.os.initrd, dom.os.cmdline) == (str(kernel), str(initrd), "quiet")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--os", "nosuchos"], "unknown OS short-id 'nosuchos'"),
        (["--os", "debian11", "--disk", "/nonexistent.qcow2"], "'/nonexistent.qcow2' does not exist"),
        (["--os", "debian11", "--macvtap", "eth0:sideways"], "macvtap mode must be one of"),
        (["--os", "debian11", "--cdrom", "gopher://x/y.iso"], "scheme 'gopher' is not supported"),
        (["--os", "debian11", "--initrd", "/boot"], "--initrd and --cmdline need --kernel"),
        (["--os", "freebsd13.1", "--arch", "x86_64"], "no memory figures for freebsd13.1"),
        (["--os", "debian11", "--resources", "huge"], "resources must be"),
        (["--os", "debian11", "--arch", "pdp11"], "unsupported architecture"),
        (["--os", "debian11", "--virt-type", "xen"], "--virt-type must be kvm or qemu"),
    ],
)
def test_bad_input_one_line(args: list[str], message: str) -> None:
    res = run("design", *args)
    assert res.returncode == 2
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("hearth: error: ") and message in lines[0]
    assert "Traceback" not in res.stderr


def test_warning_goes_to_stderr() -> None:
    res = run("design", "--os", "ubuntu22.04", "--arch", "x86_64", "--memory", "256")
    assert res.returncode == 0
    assert "hearth: warning: 256 MiB is below the 2048 MiB minimum" in res.stderr
    parse(res.stdout)
