"""The traversal corpus: hostile media paths against every entry point that takes one.

Each path must be refused with a HearthError (400/403/404), and -- checked with a real
CPython audit hook -- nothing outside the source may be opened or listed while trying.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from hearth.errors import Forbidden, HearthError, NotFound, ValidationError
from hearth.service.media.catalogue import locate
from hearth.service.media.listing import list_dir
from hearth.service.media.model import MediaSource, SourceType
from hearth.service.media.paths import _walk_open, open_dir_inside, open_file_inside, real_root
from hearth.service.media.upload import Uploads
from tests.media.conftest import build_iso

HOSTILE: list[str] = [
    "../outside.iso",
    "../../../../../../etc/passwd",
    "/etc/passwd",
    "//etc/passwd",
    "isos/../../outside.iso",
    "isos/../..",
    "..",
    "./../outside.iso",
    "isos/./../../outside.iso",
    "~/../outside.iso",
    "%2e%2e/outside.iso",
    "%2E%2E%2Foutside.iso",
    "..%2foutside.iso",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "isos/%2e%2e/%2e%2e/outside.iso",
    "%252e%252e/outside.iso",
    "%25252e%25252e%25252foutside.iso",
    "..%252foutside.iso",
    "%2fetc%2fpasswd",
    "%252fetc%252fpasswd",
    "isos/debian.iso\x00.txt",
    "\x00",
    "%00",
    "isos%00/../../outside.iso",
    "isos/\r\n../outside.iso",
    "\t../outside.iso",
    "..\\outside.iso",
    "isos\\..\\..\\outside.iso",
    "%5c..%5coutside.iso",
    "escape.iso",  # symlink to a file outside
    "dirlink/outside.iso",  # symlinked directory leading outside
    "dirlink",
    "isos/uplink/outside.iso",  # ../.. link inside a subdirectory
    "chain.iso",  # link to a link that leads outside
    "abs.iso",  # link with an absolute target
    "a" * 5000,
    "a/" * 2100,
    "x" * 300,
    "\uff0e\uff0e/outside.iso",  # fullwidth full stops
    "\u2025/outside.iso",  # two-dot leader, NFKC '..'
    "isos\u2215..\u2215..\u2215outside.iso",  # division slash
    "..\u2044outside.iso",  # fraction slash
    "%c0%ae%c0%ae/outside.iso",  # overlong UTF-8 dots
    "%e0%80%ae%e0%80%ae/outside.iso",
    "%ed%a0%80",  # an encoded surrogate
    "\udcff../outside.iso",
    ".hearth-uploads/x.partial",
    "isos/..;/..;/outside.iso",
    "file:///etc/passwd",
    "%u002e%u002e/outside.iso",
]


@pytest.fixture
def hostile_tree(media_tree: Path, tmp_path: Path) -> Path:
    outside = build_iso(tmp_path / "outside.iso", "SECRET")
    (media_tree / "escape.iso").symlink_to(outside)
    (media_tree / "dirlink").symlink_to(tmp_path)
    (media_tree / "isos" / "uplink").symlink_to("../..")
    (media_tree / "hop.iso").symlink_to("escape.iso")
    (media_tree / "chain.iso").symlink_to("hop.iso")
    (media_tree / "abs.iso").symlink_to("/etc/passwd")
    (media_tree / ".hearth-uploads").mkdir()
    build_iso(media_tree / ".hearth-uploads" / "x.partial", "HALF")
    return media_tree


class _Audit:
    """Records every path CPython opens or lists while ``active``; one hook per process."""

    events: list[tuple[str, Any]] = []
    active = threading.local()

    @classmethod
    def hook(cls, event: str, args: tuple[Any, ...]) -> None:
        if getattr(cls.active, "on", False) and event in ("open", "os.listdir", "os.scandir", "os.chdir"):
            cls.events.append((event, args[0] if args else None))


sys.addaudithook(_Audit.hook)


@contextmanager
def audited() -> Iterator[list[tuple[str, Any]]]:
    _Audit.events = []
    _Audit.active.on = True
    try:
        yield _Audit.events
    finally:
        _Audit.active.on = False


def _assert_stayed_inside(root: Path, events: list[tuple[str, Any]]) -> None:
    """Absolute opens must lie in the root; relative ones are single components under a checked dir fd."""
    real = real_root(root)
    for event, target in events:
        if isinstance(target, int) or target is None:
            continue
        text = os.fsdecode(target)
        if os.path.isabs(text):
            assert text == str(real) or text.startswith(str(real) + os.sep), f"{event} outside: {text}"
        else:
            assert "/" not in text and text not in ("..", "."), f"{event} with a path: {text!r}"


def test_the_corpus_is_big_enough() -> None:
    assert len(HOSTILE) >= 40 and len(set(HOSTILE)) == len(HOSTILE)


ENTRY_POINTS: dict[str, Callable[[Path, str], object]] = {
    "open_file_inside": lambda root, p: os.close(open_file_inside(root, p)),
    "open_dir_inside": lambda root, p: os.close(open_dir_inside(root, p)[0]),
    "list_dir": lambda root, p: list_dir("s", str(root), p, recursive=True),
    "locate": lambda root, p: locate(
        MediaSource("s", "s", SourceType.dir, path=str(root), root=str(root)), p
    ),
    "upload_start": lambda root, p: Uploads(root).start(p, 4096),
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("path", HOSTILE, ids=[repr(p)[:40] for p in HOSTILE])
def test_hostile_path_never_escapes(hostile_tree: Path, entry: str, path: str) -> None:
    with audited() as events, pytest.raises(HearthError) as caught:
        ENTRY_POINTS[entry](hostile_tree, path)
    if caught.value.status == 409:
        # Only an upload onto an existing name (a planted link) may be a conflict: link() never follows it.
        assert entry == "upload_start" and os.path.lexists(hostile_tree / path), caught.value
    else:
        assert isinstance(caught.value, ValidationError | Forbidden | NotFound), caught.value
    _assert_stayed_inside(hostile_tree, events)
    assert "SECRET" not in caught.value.message


def test_traversal_errors_say_what_is_wrong(hostile_tree: Path) -> None:
    cases = {
        "../outside.iso": (Forbidden, "leaves its source"),
        "/etc/passwd": (Forbidden, "absolute"),
        "%252e%252e/outside.iso": (Forbidden, "percent-decoded"),
        "a\x00b": (ValidationError, "NUL"),
        "..\\x": (ValidationError, "backslash"),
        "escape.iso": (Forbidden, "resolves outside"),
        "\uff0e\uff0e/x": (Forbidden, "Unicode"),
    }
    for path, (kind, words) in cases.items():
        with pytest.raises(kind, match=words):
            open_file_inside(hostile_tree, path)


def test_a_link_swapped_in_after_the_check_is_not_followed(media_tree: Path, tmp_path: Path) -> None:
    """The race the O_NOFOLLOW walk exists for: the check saw a directory, the open meets a link."""
    real = real_root(media_tree)
    target = real / "isos" / "tools.iso"
    (tmp_path / "evil").mkdir()
    build_iso(tmp_path / "evil" / "tools.iso", "SECRET")
    os.rename(real / "isos", real / "isos.moved")
    (real / "isos").symlink_to(tmp_path / "evil")
    with pytest.raises(Forbidden, match="changed"):
        _walk_open(real, target, os.O_RDONLY)


def test_the_audit_hook_sees_what_is_opened(media_tree: Path, tmp_path: Path) -> None:
    """Guards the corpus test against passing vacuously: an outside open is recorded and caught."""
    with audited() as events:
        os.close(open_file_inside(media_tree, "isos/debian.iso"))
    assert ("open", str(real_root(media_tree))) in events
    assert ("open", "debian.iso") in events
    with audited() as events:
        (tmp_path / "elsewhere").write_text("x")
    with pytest.raises(AssertionError, match="outside"):
        _assert_stayed_inside(media_tree, events)


def test_legitimate_odd_names_still_work(media_tree: Path) -> None:
    for name in ("100%.iso", "a..b.iso", "...iso", "spaced name.iso", "ünïcode.iso"):
        build_iso(media_tree / name, "ODD")
        os.close(open_file_inside(media_tree, name))
        os.close(open_file_inside(media_tree, f"./isos/../{name}".replace("isos/../", "")))
