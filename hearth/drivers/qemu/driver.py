"""The qemu driver: guests as supervised QEMU processes on this host, no libvirt needed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from hearth.errors import ValidationError
from hearth.store import default_url

from ..schema import migrated_engine
from .media import DiskOps
from .pools import PoolOps


class QemuDriver(PoolOps, DiskOps):
    """Instances, images, volumes, snapshots, keys; one realm; NICs in user mode, on Linux or OVS
    bridges and on macvtaps (no networks).

    Opening a driver on a state directory adopts the guests an earlier process left running.
    """

    def __init__(
        self,
        engine: Engine,
        state_dir: Path,
        *,
        run_dir: Path | None = None,
        media_roots: Sequence[Path] = (),
        binary: str = "qemu-system-x86_64",
        owns_engine: bool = False,
        press_interval: float = 2.0,
    ) -> None:
        super().__init__(
            engine,
            state_dir,
            run_dir=run_dir,
            media_roots=media_roots,
            binary=binary,
            owns_engine=owns_engine,
            press_interval=press_interval,
        )
        try:
            self.adopt()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> QemuDriver:
        return self


def open_qemu_driver(
    state_dir: Path,
    url: str | None = None,
    *,
    run_dir: Path | None = None,
    media_roots: Sequence[Path] = (),
) -> QemuDriver:
    """Open (migrating) the store at ``url`` (default: SQLite in ``state_dir``) and the driver."""
    Path(state_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
    with migrated_engine(url or default_url(Path(state_dir)), "qemu") as engine:
        return QemuDriver(engine, Path(state_dir), run_dir=run_dir, media_roots=media_roots, owns_engine=True)


def open_driver(
    *,
    uris: list[str],
    state_dir: Path,
    engine: Engine,
    server_id: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> QemuDriver:
    """The server's entry point (hearth.service.backends): the service's own, migrated store.

    The qemu driver manages this host only, so it takes no URIs; its instances live in its own
    state dir, so it needs no server id to tell them from another server's.
    """
    if uris:
        raise ValidationError("the qemu driver manages the local host only: it takes no --uri")
    if options:
        raise ValidationError("the qemu driver takes no driver options")
    qemu_dir = state_dir / "qemu"
    qemu_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    return QemuDriver(engine, qemu_dir)
