"""Golden argv for whole machines, and the accelerator choice."""

from __future__ import annotations

from pathlib import Path

import pytest

from hearth.errors import NotSupported, ValidationError
from hearth.qemu import FdSetEntry, Firmware, Machine, QmpFd, QmpSocket, render_argv
from hearth.qemu import accel as accel_mod
from hearth.qemu import devices as dev


def test_full_machine_argv_is_exact() -> None:
    machine = Machine(
        name="web1",
        uuid="12345678-1234-5678-1234-567812345678",
        memory_mib=512,
        smp=2,
        machine_type="q35",
        kernel=Path("/boot/vmlinuz"),
        initrd=Path("/boot/initrd"),
        append="console=ttyS0 root=/dev/vda,x",
        console_log=Path("/run/vm,1/console.log"),
        pidfile=Path("/run/vm/qemu.pid"),
        start_paused=True,
    )
    machine.add(dev.disk("hd0", "/img/a.qcow2", bootindex=1)).add(dev.nic("net0", mac="52:54:00:00:00:01"))
    argv = render_argv(machine, accel="tcg", monitors=[QmpFd(7), QmpSocket(Path("/run/vm/qmp.sock"))])
    assert argv.args == [
        "qemu-system-x86_64",
        "-name", "guest=web1",
        "-uuid", "12345678-1234-5678-1234-567812345678",
        "-machine", "q35",
        "-accel", "tcg",
        "-cpu", "max",
        "-m", "512",
        "-smp", "2",
        "-nodefaults", "-no-user-config", "-display", "none",
        "-kernel", "/boot/vmlinuz",
        "-initrd", "/boot/initrd",
        "-append", "console=ttyS0 root=/dev/vda,x",
        "-S",
        "-pidfile", "/run/vm/qemu.pid",
        "-chardev", "socket,id=hearth-qmp0,fd=7",
        "-mon", "chardev=hearth-qmp0,mode=control",
        "-chardev", "socket,id=hearth-qmp1,path=/run/vm/qmp.sock,server=on,wait=off",
        "-mon", "chardev=hearth-qmp1,mode=control",
        "-chardev", "file,id=hearth-console,path=/run/vm,,1/console.log",
        "-serial", "chardev:hearth-console",
        "-blockdev",
        "driver=qcow2,node-name=drive-hd0,read-only=off,file.driver=file,file.filename=/img/a.qcow2",
        "-netdev", "user,id=net-net0",
        "-device", "virtio-blk-pci,id=hd0,drive=drive-hd0,bootindex=1",
        "-device", "virtio-net-pci,id=net0,netdev=net-net0,mac=52:54:00:00:00:01",
    ]  # fmt: skip
    assert argv.pass_fds == (7,)


def test_kvm_gets_host_cpu_and_fdsets_and_firmware() -> None:
    machine = Machine(
        name="uefi",
        firmware=Firmware(code=Path("/fw/code.fd"), vars=Path("/vm/vars.fd")),
        fdsets=[FdSetEntry(fd=9, set_id=1, opaque="disk,a")],
        machine_props={"usb": False},
    )
    args = render_argv(machine, accel="kvm").args
    assert args[args.index("-machine") + 1] == "q35,usb=off,pflash0=hearth-pflash0,pflash1=hearth-pflash1"
    assert args[args.index("-cpu") + 1] == "host"
    assert args[args.index("-add-fd") + 1] == "fd=9,set=1,opaque=disk,,a"
    blockdevs = [args[i + 1] for i, a in enumerate(args) if a == "-blockdev"]
    assert blockdevs == [
        "driver=raw,node-name=hearth-pflash0,read-only=on,file.driver=file,file.filename=/fw/code.fd,file.read-only=on",
        "driver=raw,node-name=hearth-pflash1,read-only=off,file.driver=file,file.filename=/vm/vars.fd,file.read-only=off",
    ]
    assert render_argv(machine, accel="kvm").pass_fds == (9,)


def test_host_cpu_under_tcg_is_refused() -> None:
    with pytest.raises(ValidationError, match="needs KVM"):
        render_argv(Machine(name="x", cpu="host"), accel="tcg")


@pytest.mark.parametrize(
    ("field", "value"),
    [("append", "quiet\n-device evil"), ("kernel", Path("/boot/vmlinuz\n")), ("name", "bad name")],
)
def test_hostile_machine_values_are_rejected(field: str, value: object) -> None:
    machine = Machine(name="ok", kernel=Path("/boot/vmlinuz"))
    setattr(machine, field, value)
    with pytest.raises(ValidationError):
        render_argv(machine, accel="tcg")


def test_bad_uuid_is_refused() -> None:
    with pytest.raises(ValidationError, match="invalid uuid"):
        render_argv(Machine(name="x", uuid="not-a-uuid"), accel="tcg")


def test_environment_forces_the_accelerator() -> None:
    assert accel_mod.resolve("kvm", env={"HEARTH_ACCEL": "tcg"}) == "tcg"
    assert accel_mod.resolve("auto", env={"HEARTH_ACCEL": "TCG"}) == "tcg"
    with pytest.raises(ValidationError, match="HEARTH_ACCEL"):
        accel_mod.resolve("auto", env={"HEARTH_ACCEL": "xen"})
    with pytest.raises(ValidationError, match="not one of"):
        accel_mod.resolve("hvf", env={})


def test_auto_uses_kvm_only_when_the_device_is_usable(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-kvm")
    assert accel_mod.kvm_usable(missing) is False
    assert accel_mod.resolve("auto", env={}, device=missing) == "tcg"
    with pytest.raises(NotSupported, match="KVM was requested"):
        accel_mod.resolve("kvm", env={}, device=missing)
    # A regular file opens read-write but does not answer the KVM ioctl: not usable.
    fake = tmp_path / "kvm"
    fake.write_bytes(b"")
    assert accel_mod.kvm_usable(str(fake)) is False
    assert accel_mod.resolve("auto", env={}, device=str(fake)) == "tcg"


def test_real_dev_kvm_probe_agrees_with_resolve() -> None:
    expected = "kvm" if accel_mod.kvm_usable() else "tcg"
    assert accel_mod.resolve("auto", env={}) == expected


def test_console_log_path_is_recovered_from_argv() -> None:
    from hearth.qemu.vm import console_path

    args = render_argv(Machine(name="c", console_log=Path("/logs/a,b/console.log")), accel="tcg").args
    assert console_path(args) == Path("/logs/a,b/console.log")
    assert console_path(render_argv(Machine(name="c"), accel="tcg").args) is None


def test_a_served_console_is_a_socket_chardev_that_still_logs_and_a_screen_listens_on_a_unix_socket() -> None:
    from hearth.qemu.vm import console_path

    machine = Machine(
        name="c",
        console_log=Path("/logs/a,b/console.log"),
        console_socket=Path("/run/c/serial.sock"),
        vnc_socket=Path("/run/c/vnc.sock"),
    )
    args = render_argv(machine, accel="tcg").args
    assert (
        "socket,id=hearth-console,path=/run/c/serial.sock,server=on,wait=off,logfile=/logs/a,,b/console.log"
        in args
    )
    assert args[args.index("-vnc") + 1] == "unix:/run/c/vnc.sock"
    assert console_path(args) == Path("/logs/a,b/console.log")
    with pytest.raises(ValidationError, match="comma"):
        render_argv(Machine(name="c", vnc_socket=Path("/run/a,b/vnc.sock")), accel="tcg")
