"""A real server over the real qemu driver, for the API tests that need guests (under TCG)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from hearth.drivers.qemu import QemuDriver
from hearth.testing.guest import GuestImage
from tests.drivers.qemu.case import register_guest, short_dir

from .conftest import Running, serve_driver


@contextmanager
def qemu_serving(tmp: Path, guest: GuestImage | None = None) -> Iterator[Running]:
    """Serve the qemu driver (the test guest registered when given); guests end with the block."""
    os.environ.setdefault("HEARTH_ACCEL", "tcg")
    run = short_dir("hqa-")
    made: list[QemuDriver] = []

    def factory(engine: Engine) -> QemuDriver:
        made.append(QemuDriver(engine, tmp / "qemu", run_dir=run))
        if guest is not None:
            register_guest(made[0], guest)
        return made[0]

    try:
        with serve_driver(tmp, factory, "qemu") as running:
            try:
                yield running
            finally:
                made[0].power_off_all()
                made[0].remove_host_networks()
    finally:
        shutil.rmtree(run, ignore_errors=True)
