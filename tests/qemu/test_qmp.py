"""The QMP client, launch errors and death detection against a real QEMU.

These use ``-machine none`` QEMUs: a real QEMU process and monitor with no guest to boot,
so they run in a fraction of a second each.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hearth.errors import BackendTimeout, InvalidState
from hearth.qemu import QMP, VM, Backend, FdSetEntry, LaunchError, Machine, QMPCommandError, SyncQMP, VMState
from hearth.qemu import devices as dev
from hearth.qemu.runtime import RuntimeDir


def bare(name: str) -> Machine:
    return Machine(name=name, machine_type="none", memory_mib=64)


@pytest.fixture
async def vm(state_dir: Path) -> AsyncIterator[VM]:
    machine = await VM.launch(bare("bare"), RuntimeDir(state_dir, "bare"))
    yield machine
    await machine.kill()


async def test_every_command_carries_its_own_id(vm: VM) -> None:
    await vm.status()
    await vm.qmp.execute("query-version")
    await vm.qmp.execute("query-name")
    sent = vm.qmp.sent_commands
    assert [c for c, _ in sent][:1] == ["qmp_capabilities"]
    assert {"query-status", "query-version", "query-name"} <= {c for c, _ in sent}
    ids = [i for _, i in sent]
    assert all(i and i != "None" for i in ids)
    assert len(set(ids)) == len(ids)


async def test_capabilities_are_negotiated(vm: VM) -> None:
    assert vm.qmp.greeting["QMP"]["version"]["qemu"]["major"] >= 7
    assert "oob" in vm.qmp.capabilities
    # Commands other than qmp_capabilities only work once negotiation is done.
    assert (await vm.qmp.execute("query-name")) == {"name": "bare"}


async def test_events_fan_out_and_can_be_awaited_with_a_filter(vm: VM) -> None:
    seen: list[str] = []
    vm.qmp.subscribe(callback=lambda e: seen.append(e.name))
    with vm.qmp.listen(["STOP", "RESUME"]) as sub:
        await vm.pause()
        assert (await sub.get(5)).name == "STOP"
        await vm.resume()
        assert (await sub.get(5)).name == "RESUME"
    assert vm.state == VMState.RUNNING
    waiter = asyncio.ensure_future(vm.qmp.wait_event("STOP", lambda e: e.timestamp > 0, timeout=5))
    await asyncio.sleep(0)
    await vm.qmp.execute("stop")
    assert (await waiter).name == "STOP"
    assert vm.state == VMState.PAUSED
    assert seen == ["STOP", "RESUME", "STOP"]


async def test_completion_event_wait_times_out_with_a_clear_error(vm: VM) -> None:
    with pytest.raises(BackendTimeout, match="query-status was accepted but NEVER_HAPPENS did not follow"):
        await vm.qmp.execute_and_wait("query-status", None, "NEVER_HAPPENS", timeout=2.0)


async def test_refused_command_is_a_typed_error(vm: VM) -> None:
    with pytest.raises(QMPCommandError, match="QEMU refused no-such-command") as info:
        await vm.qmp.execute("no-such-command")
    assert info.value.details["error_class"] == "CommandNotFound"


async def test_second_client_over_the_unix_socket_path(vm: VM) -> None:
    other = QMP("second")
    await other.connect(vm.runtime.qmp_socket, timeout=5)
    try:
        assert (await other.execute("query-status"))["running"] is True
    finally:
        await other.close()
    assert (await vm.status())["running"] is True


def test_sync_facade_over_a_unix_socket(state_dir: Path) -> None:
    async def launch() -> VM:
        return await VM.launch(bare("sync"), RuntimeDir(state_dir, "sync"))

    async def main() -> None:
        vm = await launch()
        try:
            # The facade runs its own loop thread; drive it from a worker thread here.
            def use() -> tuple[dict[str, object], str]:
                qmp = SyncQMP.connect(vm.runtime.qmp_socket, timeout=5)
                try:
                    status = qmp.execute("query-status")
                    _, event = qmp.execute_and_wait("stop", None, "STOP", timeout=5)
                    return status, event.name
                finally:
                    qmp.close()

            status, event = await asyncio.to_thread(use)
            assert status["status"] == "running"
            assert event == "STOP"
        finally:
            await vm.kill()

    asyncio.run(main())


async def test_fd_passing_through_an_fdset(state_dir: Path, tmp_path: Path) -> None:
    image = tmp_path / "raw.img"
    image.write_bytes(b"\0" * 1024 * 1024)
    fd = os.open(image, os.O_RDWR)
    try:
        machine = bare("fds")
        machine.fdsets.append(FdSetEntry(fd=fd, set_id=3))
        machine.backends.append(
            Backend(
                "blockdev",
                {
                    "driver": "raw",
                    "node-name": "viafd",
                    "file": {"driver": "file", "filename": "/dev/fdset/3"},
                },
            )
        )
        vm = await VM.launch(machine, RuntimeDir(state_dir, "fds"))
    finally:
        os.close(fd)
    try:
        nodes = await vm.qmp.execute("query-named-block-nodes")
        assert any(n["node-name"] == "viafd" and n["image"]["virtual-size"] == 1024 * 1024 for n in nodes)
        fdsets = await vm.qmp.execute("query-fdsets")
        assert [s["fdset-id"] for s in fdsets] == [3]
    finally:
        await vm.kill()


async def test_launch_failure_carries_stderr_and_argv(state_dir: Path) -> None:
    # Valid by the property lists, but "-machine none" has no PCI bus: only QEMU can tell.
    machine = bare("fails").add(dev.balloon("b0"))
    with pytest.raises(LaunchError, match="QEMU failed to start .*status 1.*b0") as info:
        await VM.launch(machine, RuntimeDir(state_dir, "fails"))
    err = info.value
    assert "virtio-balloon-pci" in err.stderr
    assert err.argv[0] == "qemu-system-x86_64" and "virtio-balloon-pci,id=b0" in err.argv
    assert err.details["argv"] == err.argv
    record = RuntimeDir(state_dir, "fails").read_exit()
    assert record is not None and record.state == "crashed"


async def test_killed_qemu_is_noticed_as_crashed(vm: VM) -> None:
    exits: list[VMState] = []
    vm.on_exit(lambda _vm, ended: exits.append(ended.state))
    os.kill(vm.pid, signal.SIGKILL)
    ended = await vm.wait_exit(10)
    assert ended.state == VMState.CRASHED
    assert ended.signal == signal.SIGKILL and "SIGKILL" in ended.reason
    assert exits == [VMState.CRASHED]
    record = vm.runtime.read_exit()
    assert record is not None and record.state == "crashed" and "SIGKILL" in record.reason
    with pytest.raises(InvalidState, match="crashed"):
        await vm.pause()


async def test_sigterm_from_outside_is_an_orderly_shutoff(vm: VM) -> None:
    os.kill(vm.pid, signal.SIGTERM)
    ended = await vm.wait_exit(10)
    assert ended.state == VMState.SHUTOFF
    assert ended.reason == "QEMU stopped by a signal"


async def test_shutdown_escalates_when_the_power_button_is_ignored(vm: VM) -> None:
    # "-machine none" has no ACPI: the power button goes nowhere, so quit must follow.
    ended = await vm.shutdown(graceful_timeout=0.5, quit_timeout=5)
    assert ended.state == VMState.SHUTOFF
    assert ended.reason == "quit over QMP"
    assert vm.process.exit is not None and vm.process.exit.returncode == 0
