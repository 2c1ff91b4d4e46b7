"""The qemu driver's instance lifecycle against real QEMU: crashes, self-shutdown, failed starts."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from hearth.drivers import Caller, wait_for_state
from hearth.drivers.qemu import QemuDriver, open_qemu_driver
from hearth.drivers.resources import Action, InstanceCreate
from hearth.errors import Conflict, NotFound
from hearth.testing.guest import GuestImage, wait_for_console
from hearth.vocab.instance_states import InstanceState

from .case import GUEST_IMAGE, GUEST_OS, WAIT

pytestmark = pytest.mark.guest
ALICE = Caller("alice")


def _boot(driver: QemuDriver, image: str = GUEST_IMAGE, **fields: object) -> str:
    req = InstanceCreate.model_validate({"image_id": image, "hwp_id": "small", **fields})
    inst = driver.create_instance(ALICE, req)
    return wait_for_state(driver, ALICE, inst.id, InstanceState.RUNNING, timeout=WAIT).id


def _console(driver: QemuDriver, instance_id: str) -> Path:
    return driver.context.layout.run / instance_id / "console.log"


def test_a_crashed_qemu_is_error_with_its_reason_and_can_be_destroyed(qemu: QemuDriver) -> None:
    iid = _boot(qemu)
    pid = int((qemu.context.layout.run / iid / "qemu.pid").read_text())
    os.kill(pid, signal.SIGKILL)
    inst = wait_for_state(qemu, ALICE, iid, InstanceState.ERROR, timeout=WAIT)
    assert inst.state_reason is not None and "SIGKILL" in inst.state_reason
    assert inst.actions == [Action.destroy]
    assert qemu.destroy_instance(ALICE, iid).state is InstanceState.FINISHED
    assert not (qemu.context.layout.run / iid).exists() and not qemu.context.layout.instance_dir(iid).exists()
    with pytest.raises(NotFound):
        qemu.get_instance(ALICE, iid)


def test_a_guest_that_powers_itself_off_is_stopped(qemu: QemuDriver, guest: GuestImage) -> None:
    qemu.register_image(
        "poweroff-guest",
        image_id="poweroff-guest",
        os=GUEST_OS,
        kernel=guest.kernel,
        initrd=guest.initrd,
        cmdline=guest.append("poweroff"),
    )
    inst = qemu.create_instance(ALICE, InstanceCreate(image_id="poweroff-guest", hwp_id="small"))
    off = wait_for_state(qemu, ALICE, inst.id, InstanceState.STOPPED, timeout=WAIT)
    assert off.state_reason == "the guest powered off"
    assert set(off.actions) == {Action.start, Action.destroy}


def test_a_graceful_stop_reaches_a_guest_that_was_still_booting(qemu: QemuDriver) -> None:
    """The power button is pressed again until the guest listens; it is not simply forced off."""
    inst = qemu.create_instance(ALICE, InstanceCreate(image_id=GUEST_IMAGE, hwp_id="small"))
    stopping = qemu.stop_instance(ALICE, inst.id, timeout=WAIT)
    assert stopping.state in (InstanceState.STOPPING, InstanceState.STOPPED)
    off = wait_for_state(qemu, ALICE, inst.id, InstanceState.STOPPED, timeout=WAIT + 15)
    assert off.state_reason == "the guest powered off"
    assert "HEARTH-GUEST-POWERDOWN" in _console(qemu, inst.id).read_text(errors="replace")


def test_qemu_refusing_to_start_is_error_with_its_complaint(qemu: QemuDriver, tmp_path: Path) -> None:
    bogus = tmp_path / "not-a-kernel"
    bogus.write_bytes(b"\0" * 4096)  # QEMU takes it for an ancient kernel that cannot load an initrd
    qemu.register_image("bogus", image_id="bogus", os=GUEST_OS, kernel=bogus, initrd=bogus)
    inst = qemu.create_instance(ALICE, InstanceCreate(image_id="bogus", hwp_id="small"))
    assert inst.state is InstanceState.ERROR
    assert inst.state_reason is not None and inst.state_reason.startswith("QEMU did not start")
    assert "kernel" in inst.state_reason.lower()
    assert qemu.destroy_instance(ALICE, inst.id).state is InstanceState.FINISHED


def test_reboot_resets_the_guest(qemu: QemuDriver) -> None:
    iid = _boot(qemu)
    log = _console(qemu, iid)
    wait_for_console(log, "HEARTH-GUEST-READY", WAIT)
    mark = log.stat().st_size
    assert qemu.reboot_instance(ALICE, iid).state is InstanceState.RUNNING
    wait_for_console(log, "HEARTH-GUEST-READY", WAIT, start=mark)
    qemu.stop_instance(ALICE, iid, force=True)


def test_one_manager_per_state_directory(qemu: QemuDriver) -> None:
    with pytest.raises(Conflict) as err:
        open_qemu_driver(qemu.context.layout.state, run_dir=qemu.context.layout.run)
    assert str(os.getpid()) in err.value.message
