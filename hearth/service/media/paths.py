"""Confine every path that comes from outside to the root of its media source.

A relative path is first judged as text (so encoded or look-alike traversal is refused with a
clear error, not merely neutralised), then resolved with symlinks followed and checked to lie
inside the root's own resolved path, and only then opened -- component by component from the
root's directory descriptor with ``O_NOFOLLOW``, so a symlink swapped in after the check cannot
redirect the open either.
"""

from __future__ import annotations

import errno
import os
import stat
import unicodedata
from pathlib import Path
from urllib.parse import unquote

from hearth.errors import Forbidden, NotFound, ValidationError

# Where uploads are assembled inside a dir source: never listed, never reachable as a media path.
UPLOAD_DIR = ".hearth-uploads"
MAX_PATH = 4096
MAX_COMPONENT = 255  # bytes, as the kernel counts them
_DECODE_ROUNDS = 4  # how deep percent-encoding is unwrapped when looking for hidden traversal
_LOOKALIKE_SLASHES = "\u2215\u2044\u29f8\uff0f\u2571"  # division/fraction slash, big solidus...


def _shown(path: str) -> str:
    """The path as it may appear in an error: short and without control characters."""
    text = path if len(path) <= 80 else path[:77] + "..."
    return text.encode("unicode_escape").decode("ascii")


def _refuse_traversal(path: str, variant: str, why: str) -> None:
    if variant.startswith("/"):
        raise Forbidden(f"media path {_shown(path)!r} is absolute{why}; give a path relative to the source")
    for component in variant.split("/"):
        if component.strip() == "..":
            raise Forbidden(f"media path {_shown(path)!r} leaves its source{why}")
    if "\\" in variant:
        raise ValidationError(f"media path {_shown(path)!r} contains a backslash{why}")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in variant):
        raise ValidationError(f"media path {_shown(path)!r} contains a NUL or control character{why}")


def split_relpath(path: str) -> tuple[str, ...]:
    """The components of a user-given path relative to a source root; '' means the root itself.

    Refused: absolute paths, '..', backslashes, control characters (NUL included), traversal
    hidden behind one or more rounds of percent-encoding or Unicode compatibility forms
    (fullwidth dots, look-alike slashes), unencodable text and names longer than Linux allows.
    """
    if not isinstance(path, str):
        raise ValidationError("media path must be a string")
    if len(path) > MAX_PATH:
        raise ValidationError(f"media path is {len(path)} characters long; the limit is {MAX_PATH}")
    _refuse_traversal(path, path, "")
    variant = path
    for _ in range(_DECODE_ROUNDS):
        try:
            decoded = unquote(variant, errors="strict") if "%" in variant else variant
        except UnicodeDecodeError:
            raise ValidationError(f"media path {_shown(path)!r} percent-decodes to invalid UTF-8") from None
        if decoded == variant:
            break
        _refuse_traversal(path, decoded, " once percent-decoded")
        variant = decoded
    folded = unicodedata.normalize("NFKC", path)
    if folded != path:
        _refuse_traversal(path, folded, " once Unicode-normalised")
    if any(c in path for c in _LOOKALIKE_SLASHES):
        raise ValidationError(f"media path {_shown(path)!r} contains a look-alike slash character")
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(f"media path {_shown(path)!r} is not valid UTF-8 text") from None
    parts = tuple(p for p in path.split("/") if p not in ("", "."))
    if UPLOAD_DIR in parts:
        raise Forbidden(f"media path {_shown(path)!r} names unfinished uploads, which are not media")
    for part in parts:
        if len(part.encode("utf-8")) > MAX_COMPONENT:
            raise ValidationError(
                f"a component of media path {_shown(path)!r} is longer than {MAX_COMPONENT} bytes"
            )
    return parts


def real_root(root: str | os.PathLike[str]) -> Path:
    """The source root with its own symlinks resolved; it must be an existing directory."""
    resolved = Path(os.path.realpath(root))
    if not resolved.is_dir():
        raise NotFound(f"media source directory {str(root)!r} does not exist")
    return resolved


def resolve_inside(root: str | os.PathLike[str], path: str) -> Path:
    """The real location of ``path`` under ``root``; refused unless it stays inside ``root``.

    Symlinks are followed here on purpose (a link to another file in the source is fine); the
    result, not the request, is what must lie inside the root.
    """
    base = real_root(root)
    parts = split_relpath(path)
    target = Path(os.path.realpath(base.joinpath(*parts))) if parts else base
    if target != base and base not in target.parents:
        raise Forbidden(f"media path {_shown(path)!r} resolves outside its source")
    if not target.exists():
        raise NotFound(f"media path {_shown(path)!r} does not exist in the source")
    return target


def _walk_open(base: Path, target: Path, final_flags: int) -> int:
    """Open ``target`` (already resolved, inside ``base``) one component at a time without following links."""
    rel = target.relative_to(base).parts
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for i, part in enumerate(rel):
            last = i == len(rel) - 1
            flags = (final_flags if last else os.O_RDONLY | os.O_DIRECTORY) | os.O_NOFOLLOW | os.O_CLOEXEC
            try:
                nxt = os.open(part, flags, dir_fd=fd)
            except OSError as exc:
                # A component that became a link (or a file) after the check: someone is racing us.
                if exc.errno == errno.ELOOP or (exc.errno == errno.ENOTDIR and not last):
                    raise Forbidden("media path changed into a link while it was being opened") from None
                raise
            os.close(fd)
            fd = nxt
        return fd
    except BaseException:
        os.close(fd)
        raise


def open_file_inside(root: str | os.PathLike[str], path: str) -> int:
    """A read-only descriptor of the regular file ``path`` under ``root`` (caller closes it)."""
    base = real_root(root)
    target = resolve_inside(base, path)
    # O_NONBLOCK: a FIFO planted in a source must not hang the open; it is refused just below.
    try:
        fd = _walk_open(base, target, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise NotFound(f"media path {_shown(path)!r} does not exist in the source") from None
    except PermissionError:
        raise Forbidden(f"media path {_shown(path)!r} is not readable") from None
    except IsADirectoryError:
        raise ValidationError(f"media path {_shown(path)!r} is a directory, not a file") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ValidationError(f"media path {_shown(path)!r} is a directory, not a file")
        raise ValidationError(f"media path {_shown(path)!r} is not a regular file")
    os.set_blocking(fd, True)
    return fd


def open_dir_inside(root: str | os.PathLike[str], path: str) -> tuple[int, Path]:
    """A descriptor of the directory ``path`` under ``root`` and its resolved location."""
    base = real_root(root)
    target = resolve_inside(base, path)
    try:
        fd = _walk_open(base, target, os.O_RDONLY | os.O_DIRECTORY)
    except NotADirectoryError:
        raise ValidationError(f"media path {_shown(path)!r} is a file, not a directory") from None
    except FileNotFoundError:
        raise NotFound(f"media path {_shown(path)!r} does not exist in the source") from None
    except PermissionError:
        raise Forbidden(f"media path {_shown(path)!r} is not readable") from None
    return fd, target
