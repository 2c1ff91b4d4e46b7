"""`hearth design` as a user runs it: a real subprocess, XML on stdout, one line on errors."""

from __future__ import annotations

import os
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
        (["--os", "debian11", "--memory", "lots"], "argument --memory: invalid int value: 'lots'"),
        (["--os", "debian11", "--force"], "--force needs --connect"),
        (
            ["--os", "debian11", "--connect", "qemu+unix:///system?socket=/nonexistent"],
            "cannot connect to libvirt",
        ),
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


def test_hearth_accel_tcg_gives_an_emulated_guest_as_the_library_does() -> None:
    env = {**os.environ, "HEARTH_ACCEL": "tcg"}
    res = subprocess.run(
        [*HEARTH, "design", "--os", "win10", "--arch", "x86_64"], capture_output=True, text=True, env=env
    )
    assert res.returncode == 0, res.stderr
    dom = parse(res.stdout)
    assert (dom.type, dom.cpu.mode, dom.features.hyperv_relaxed) == ("qemu", "maximum", None)
    env["HEARTH_ACCEL"] = "kvm"
    out = subprocess.run(
        [*HEARTH, "design", "--os", "win10", "--virt-type", "qemu"], capture_output=True, text=True, env=env
    )
    assert parse(out.stdout).type == "qemu"  # an explicit --virt-type wins


def test_connect_designs_for_that_host_and_refuses_a_disk_in_use(qcow2: Path, tmp_path: Path) -> None:
    """The host is libvirt's test driver loaded from a file: one domain, 'db1', using the image."""
    node = tmp_path / "node.xml"
    node.write_text(
        "<node><domain type='test'><name>db1</name><memory>65536</memory><os><type>hvm</type></os>"
        f"<devices><disk type='file' device='disk'><source file='{qcow2}'/><target dev='vda'/></disk>"
        "</devices></domain></node>"
    )
    uri = f"test://{node}"
    res = run("design", "--os", "debian11", "--connect", uri)
    assert res.returncode == 0, res.stderr
    assert parse(res.stdout).type == "test"
    res = run("design", "--os", "debian11", "--connect", uri, "--disk", str(qcow2))
    assert (res.returncode, res.stdout) == (2, "")
    assert res.stderr == f"hearth: error: disk '{qcow2}' is already in use by domain 'db1'; " + (
        "mark both uses shareable, or force it if sharing is really intended\n"
    )
    res = run("design", "--os", "debian11", "--connect", uri, "--disk", str(qcow2), "--force")
    assert res.returncode == 0, res.stderr
    assert parse(res.stdout).devices.disks[0].source_file == str(qcow2)


def test_design_imports_neither_typer_nor_libvirt() -> None:
    """Start-up is most of a `hearth design` run: it must not pay for the rest of the CLI."""
    code = (
        "import sys; sys.argv = ['hearth', 'design', '--os', 'debian11', '--arch', 'x86_64']\n"
        "import atexit; atexit.register(lambda: print(sorted(m for m in ('typer', 'libvirt', 'rich') "
        "if m in sys.modules), file=sys.stderr))\n"
        "from hearth.cli.main import main; main()"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stderr.strip().splitlines()[-1] == "[]"


def test_the_full_cli_still_lists_design_and_passes_its_arguments_through() -> None:
    res = subprocess.run([*HEARTH, "--help"], capture_output=True, text=True)
    assert "design" in res.stdout and "Design a VM from host facts" in res.stdout
    from typer.testing import CliRunner

    from hearth.cli.main import app

    out = CliRunner().invoke(app, ["design", "--os", "debian11", "--arch", "x86_64", "--no-network"])
    assert out.exit_code == 0, out.output
    assert len(parse(out.output).devices.interfaces) == 0
