"""The driver's file handling every part shares: failures as BackendError, trees removed, and
paths from outside checked to lie inside the media roots before anything opens them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from hearth.errors import BackendError, HearthError, ValidationError


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
