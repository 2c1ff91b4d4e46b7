"""What every part of the qemu driver shares: store, file layout, supervisor, per-instance locks.

Operations on one instance are serialised by an in-process lock (the state-directory lock makes
this process the only manager), so a start cannot interleave with a destroy. The lock is
reentrant: settling a stop inside a locked operation releases the guest's host devices under it.
Reads take no lock: they look at the row and at the supervised process, and settle finished
transitions with a compare-and-set update.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from hearth.errors import BackendError, HearthError, NotFound, ValidationError
from hearth.qemu import Supervisor, SyncVM, VMInfo

from ..base import Feature
from ..stored import StoredDriver
from .layout import Layout, StateLock

# How often the power button is pressed again during a graceful stop: a guest still booting
# when it was first pressed never saw it.
PRESS_INTERVAL = 2.0


class QemuBase(StoredDriver):
    name = "qemu"
    features = frozenset(
        {
            Feature.templates,
            Feature.user_data,
            Feature.authentication_key,
            Feature.volume_name,
            Feature.instance_count,
            Feature.realm_filter,
            Feature.hardware_profile_overrides,
            Feature.create_stopped,
        }
    )

    def __init__(
        self,
        engine: Engine,
        state_dir: Path,
        *,
        run_dir: Path | None = None,
        media_roots: Sequence[Path] = (),
        binary: str = "qemu-system-x86_64",
        owns_engine: bool = False,
        press_interval: float = PRESS_INTERVAL,
    ) -> None:
        super().__init__(engine, owns_engine=owns_engine)
        self.layout = Layout.at(state_dir, run_dir)
        self.layout.prepare()
        # Spec paths (kernel, initrd, cdrom) must lie under one of these (or the images dir).
        self.media_roots = tuple(Path(os.path.realpath(r)) for r in (*media_roots, self.layout.images))
        self.press_interval = press_interval
        self._lock = StateLock(self.layout.state)
        try:
            self.sup = Supervisor(self.layout.run, binary=binary)
        except BaseException:
            self._lock.release()
            raise
        self._sup_lock = threading.RLock()
        self._locks: dict[str, threading.RLock] = {}
        self._locks_guard = threading.Lock()
        self._launching: set[str] = set()
        self._stops: dict[str, Future[Any]] = {}
        self._closed = False

    def close(self) -> None:
        """Stop managing; guests keep running and a later driver on this state dir adopts them."""
        if self._closed:
            return
        self._closed = True
        for fut in list(self._stops.values()):
            fut.cancel()
        with self._sup_lock:
            self.sup.close()
        self._lock.release()
        super().close()

    # --- instances' processes -------------------------------------------------------------------

    @contextmanager
    def _instance_lock(self, instance_id: str) -> Iterator[None]:
        with self._locks_guard:
            lock = self._locks.setdefault(instance_id, threading.RLock())
        with lock:
            yield

    def _vm_info(self, instance_id: str) -> VMInfo | None:
        """What the supervisor knows of the instance's QEMU; None if it never ran here."""
        with self._sup_lock, contextlib.suppress(NotFound):
            return self.sup.info(instance_id)
        return None

    def _live_handle(self, instance_id: str) -> SyncVM | None:
        """The handle if the instance's QEMU is running now, else None."""
        info = self._vm_info(instance_id)
        if info is None or info.pid is None:
            return None
        with contextlib.suppress(HearthError):
            return self._handle(instance_id)
        return None

    def _handle(self, instance_id: str) -> SyncVM:
        """The control handle of a running instance's QEMU (attaching to it if needed)."""
        with self._sup_lock:
            return self.sup.attach(instance_id)


@contextmanager
def file_errors(what: str) -> Iterator[None]:
    """Filesystem failures as BackendError naming the operation (never a raw OSError)."""
    try:
        yield
    except HearthError:
        raise
    except OSError as exc:
        raise BackendError(f"{what} failed: {exc.strerror or exc}") from None


def remove_tree(path: Path) -> None:
    with file_errors(f"removing {path.name}"):
        if path.exists():
            shutil.rmtree(path)


def inside_roots(path_text: str, roots: Sequence[Path], what: str) -> Path:
    """``path_text`` resolved (symlinks too), or ValidationError unless it lies under a root."""
    if not path_text or "\0" in path_text:
        raise ValidationError(f"{what} path is empty or contains NUL", field=what)
    real = Path(os.path.realpath(path_text))
    if not any(real == root or root in real.parents for root in roots):
        raise ValidationError(
            f"{what} {path_text!r} is not under a media directory this driver may read",
            field=what,
            path=path_text,
        )
    if not real.is_file() or not os.access(real, os.R_OK):
        raise ValidationError(f"{what} {path_text!r} is not a readable file", field=what, path=path_text)
    return real
