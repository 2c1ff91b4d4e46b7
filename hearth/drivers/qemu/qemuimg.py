"""``qemu-img``, the one tool that creates, copies and snapshots the driver's disk files.

Every call names the input format explicitly (``-f``/``-F``): letting qemu-img probe would let
a raw guest disk that happens to start with a qcow2 header be opened as qcow2 and read host
files through its backing path. Failures become BackendError with qemu-img's own message.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from hearth.errors import BackendError, BackendTimeout

BINARY = "qemu-img"
GiB = 1024**3
# Copying a big disk takes a while; creating or snapshotting is quick.
QUICK_TIMEOUT = 60.0
COPY_TIMEOUT = 3600.0


def _run(args: list[str], what: str, timeout: float = QUICK_TIMEOUT) -> str:
    try:
        done = subprocess.run(
            [BINARY, *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise BackendTimeout(f"qemu-img did not finish {what} within {timeout:g}s") from None
    except OSError as exc:
        raise BackendError(f"cannot run qemu-img to {what}: {exc.strerror}") from None
    if done.returncode != 0:
        message = (done.stderr.strip() or done.stdout.strip() or "no error output").splitlines()[-1]
        raise BackendError(f"qemu-img failed to {what}: {message}", returncode=done.returncode)
    return done.stdout


def create(path: Path, size_bytes: int, fmt: str = "qcow2") -> None:
    """A new empty disk."""
    _run(["create", "-q", "-f", fmt, str(path), str(size_bytes)], f"create {path.name}")


def create_overlay(path: Path, base: Path, base_format: str, size_bytes: int | None = None) -> None:
    """A qcow2 overlay on ``base``; the backing path is stored relative so the state dir can move."""
    backing = os.path.relpath(base, path.parent)
    args = ["create", "-q", "-f", "qcow2", "-b", backing, "-F", base_format, str(path)]
    if size_bytes is not None:
        args.append(str(size_bytes))
    _run(args, f"create an overlay on {base.name}")


def convert(
    src: Path,
    dest: Path,
    *,
    src_format: str,
    dest_format: str = "qcow2",
    snapshot: str | None = None,
    force_share: bool = False,
) -> None:
    """Copy ``src`` (flattening any backing chain) into a new standalone ``dest``.

    ``snapshot`` copies that internal snapshot instead of the current state; ``force_share``
    reads a file a running QEMU holds open (only sound for data nobody writes, like a snapshot).
    """
    args = ["convert", "-q", "-f", src_format, "-O", dest_format]
    if force_share:
        args.append("-U")
    if snapshot is not None:
        args += ["-l", f"snapshot.name={snapshot}"]
    _run([*args, str(src), str(dest)], f"copy {src.name}", COPY_TIMEOUT)


def resize(path: Path, size_bytes: int, fmt: str = "qcow2") -> None:
    _run(["resize", "-q", "-f", fmt, str(path), str(size_bytes)], f"resize {path.name}")


def info(path: Path, fmt: str, *, force_share: bool = False) -> dict[str, Any]:
    args = ["info", "--output=json", "-f", fmt]
    if force_share:
        args.append("-U")
    out = _run([*args, str(path)], f"inspect {path.name}")
    try:
        data = json.loads(out)
    except ValueError:
        raise BackendError(f"qemu-img info printed something that is not JSON for {path.name}") from None
    if not isinstance(data, dict):
        raise BackendError(f"qemu-img info gave no description of {path.name}")
    return data


def virtual_size(path: Path, fmt: str, *, force_share: bool = False) -> int:
    return int(info(path, fmt, force_share=force_share).get("virtual-size", 0))


def _qcow2_opts(path: Path) -> str:
    """``qemu-img snapshot`` has no ``-f``: name the format in image options instead."""
    return "driver=qcow2,file.filename=" + str(path).replace(",", ",,")


def snapshot_create(path: Path, tag: str) -> None:
    args = ["snapshot", "-q", "--image-opts", "-c", tag, _qcow2_opts(path)]
    _run(args, f"snapshot {path.name}")


def snapshot_delete(path: Path, tag: str) -> None:
    args = ["snapshot", "-q", "--image-opts", "-d", tag, _qcow2_opts(path)]
    _run(args, f"delete a snapshot of {path.name}")


def snapshot_tags(path: Path, *, force_share: bool = False) -> list[str]:
    snaps = info(path, "qcow2", force_share=force_share).get("snapshots", [])
    return [str(s.get("name")) for s in snaps if isinstance(s, dict)]
