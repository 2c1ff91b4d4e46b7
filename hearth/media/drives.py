"""Rules for removable drives that every driver applies, so all backends accept and refuse alike.

A medium changes on the running guest and in the persistent definition while the instance is
RUNNING, in the definition alone while it is STOPPED. Drives are not hot-plugged (IDE/SATA
cannot be): a running instance gets media through an empty drive it already has, and a new
drive is added only while it is stopped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from hearth.errors import InvalidState, NotFound, ValidationError
from hearth.vocab import instance_states
from hearth.vocab.device_names import DISK_DEV_PATTERN
from hearth.vocab.disk_devices import RemovableType
from hearth.vocab.instance_states import InstanceState


def parse_dev(dev: str) -> str:
    if not re.fullmatch(DISK_DEV_PATTERN, dev):
        raise ValidationError(f"{dev[:20]!r} is not a drive name such as sdb, hdc or fda", dev=dev[:20])
    return dev


def check_changeable(instance_id: str, state: InstanceState) -> None:
    instance_states.check_changeable(instance_id, state, "media")


def no_empty_drive(instance_id: str, kind: RemovableType) -> InvalidState:
    return InvalidState(
        f"instance {instance_id} is running and has no empty {kind.value} drive; drives cannot be "
        f"hot-plugged: eject one with PUT .../disks/{{dev}}, or stop the instance to add a drive",
        instance=instance_id,
        type=kind.value,
    )


def not_found(instance_id: str, dev: str) -> NotFound:
    return NotFound(f"instance {instance_id} has no drive {dev}", kind="disk", instance=instance_id, dev=dev)


def not_removable(instance_id: str, dev: str, kind: str) -> ValidationError:
    return ValidationError(
        f"drive {dev} of instance {instance_id} is a {kind}, not a cdrom or floppy: its medium cannot change",
        instance=instance_id,
        dev=dev,
    )


DEFAULT_MACHINE = "pc"
"""The board a definition without ``<os><type machine>`` gets: libvirt's default for x86, and
what ``hearth.qemu`` builds such a definition as."""


def is_q35(machine: str | None) -> bool:
    """A q35 board (``q35``, ``pc-q35-8.2``): PCIe, SATA (AHCI) for drives, no floppy controller."""
    return (machine or DEFAULT_MACHINE).startswith(("q35", "pc-q35"))


def has_floppy_controller(machine: str | None) -> bool:
    """Only the i440fx PC boards (``pc``, ``pc-i440fx-8.2``, ``pc-1.0``) and ``isapc`` have the
    ISA floppy controller built in; q35 and the boards of other architectures have none."""
    board = machine or DEFAULT_MACHINE
    return board == "isapc" or (board.startswith("pc") and not is_q35(board))


def new_drive(kind: RemovableType, used: Iterable[str], *, machine: str | None) -> tuple[str, str]:
    """(target dev, bus) for a new drive on ``machine`` (None: ``DEFAULT_MACHINE``): cdroms on
    SATA (q35) or IDE (pc), floppies on the floppy controller of a board that has one."""
    taken = set(used)
    if kind is RemovableType.floppy:
        if not has_floppy_controller(machine):
            raise ValidationError(
                f"the {machine} machine has no floppy controller; use a cdrom", machine=machine
            )
        for dev in ("fda", "fdb"):
            if dev not in taken:
                return dev, "fdc"
        raise ValidationError("the floppy controller has no free unit (fda and fdb are taken)")
    prefix, bus, units = ("sd", "sata", 6) if is_q35(machine) else ("hd", "ide", 4)
    for i in range(units):
        dev = prefix + chr(ord("a") + i)
        if dev not in taken:
            return dev, bus
    raise ValidationError(f"the {bus} controller has no free unit for another cdrom")
