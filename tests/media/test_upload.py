"""Chunked, resumable uploads into a real dir source, including a real crash mid-upload."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from hearth.errors import Conflict, NotFound, ValidationError
from hearth.service.media.content import MediaType
from hearth.service.media.listing import list_dir
from hearth.service.media.paths import UPLOAD_DIR
from hearth.service.media.upload import Uploads
from tests.media.conftest import build_iso

CHUNK = 64 << 10


def chunks(data: bytes, start: int, end: int) -> list[bytes]:
    return [data[i : min(i + CHUNK, end)] for i in range(start, end, CHUNK)]


def test_chunked_upload_becomes_visible_only_when_verified(tmp_path: Path) -> None:
    root = tmp_path / "src"
    (root / "isos").mkdir(parents=True)
    data = build_iso(tmp_path / "u.iso", "UPLOADED", bootable=True).read_bytes()
    up = Uploads(root)
    state = up.start("isos/new.iso", len(data), hashlib.sha256(data).hexdigest())
    assert state.received == 0 and state.path == "isos/new.iso"
    up.write(state.id, 0, chunks(data, 0, len(data) // 2))
    assert up.status(state.id).received == len(data) // 2
    assert [i.path for i in list_dir("s", str(root), recursive=True).items] == ["isos"]  # invisible
    with pytest.raises(Conflict, match="of"):
        up.finish(state.id)
    with pytest.raises(Conflict, match="may not start after"):
        up.write(state.id, len(data) // 2 + 1, [b"x"])
    up.write(state.id, len(data) // 2, chunks(data, len(data) // 2, len(data)))
    facts = up.finish(state.id)
    assert facts.type is MediaType.iso and facts.volume_id == "UPLOADED" and facts.bootable
    assert (root / "isos" / "new.iso").read_bytes() == data
    assert oct((root / "isos" / "new.iso").stat().st_mode & 0o777) == "0o644"
    assert list((root / UPLOAD_DIR).iterdir()) == []
    with pytest.raises(NotFound):
        up.status(state.id)


def test_a_crash_mid_upload_leaves_a_resumable_invisible_partial(tmp_path: Path) -> None:
    root = tmp_path / "src"
    root.mkdir()
    iso = build_iso(tmp_path / "c.iso", "CRASHED")
    data = iso.read_bytes()
    half = len(data) // 2
    script = (
        "import os, sys\n"
        "from hearth.service.media.upload import Uploads\n"
        f"data = open({str(iso)!r}, 'rb').read()\n"
        f"up = Uploads({str(root)!r})\n"
        "st = up.start('crash.iso', len(data))\n"
        "print(st.id, flush=True)\n"
        f"up.write(st.id, 0, [data[:{half}]])\n"
        "os._exit(7)\n"  # die without any cleanup, as a killed server would
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        check=False,
    )
    assert proc.returncode == 7, proc.stderr
    upload_id = proc.stdout.strip()
    assert not (root / "crash.iso").exists()
    up = Uploads(root)
    assert [(p.id, p.received) for p in up.pending()] == [(upload_id, half)]
    # a client that resends a little overlap is fine: data from its offset on is replaced
    up.write(upload_id, half - 100, [data[half - 100 :]])
    up.finish(upload_id)
    assert (root / "crash.iso").read_bytes() == data


def test_uploads_refuse_bad_input(tmp_path: Path) -> None:
    root = tmp_path / "src"
    root.mkdir()
    build_iso(root / "taken.iso", "TAKEN")
    up = Uploads(root)
    with pytest.raises(Conflict, match="already exists"):
        up.start("taken.iso", 10)
    with pytest.raises(ValidationError, match="size"):
        up.start("x.iso", 0)
    with pytest.raises(ValidationError, match="start with"):
        up.start(".hidden.iso", 10)
    with pytest.raises(NotFound):
        up.start("no/such/dir/x.iso", 10)
    with pytest.raises(NotFound):
        up.status("../../etc/passwd")
    text = up.start("notes.iso", 5)
    up.write(text.id, 0, [b"hello"])
    with pytest.raises(ValidationError, match="not an ISO"):
        up.finish(text.id)
    with pytest.raises(ValidationError, match="exceed"):
        up.write(text.id, 0, [b"hello!"])
    up.abort(text.id)
    assert not (root / "notes.iso").exists()
    data = build_iso(tmp_path / "s.iso", "SUMS").read_bytes()
    bad = up.start("sums.iso", len(data), "ab" * 32)
    up.write(bad.id, 0, [data])
    with pytest.raises(ValidationError, match="sha256"):
        up.finish(bad.id)
    assert not (root / "sums.iso").exists()


def test_a_name_taken_during_the_upload_is_not_overwritten(tmp_path: Path) -> None:
    root = tmp_path / "src"
    root.mkdir()
    data = build_iso(tmp_path / "r.iso", "RACE").read_bytes()
    up = Uploads(root)
    st = up.start("race.iso", len(data))
    up.write(st.id, 0, [data])
    (root / "race.iso").write_text("someone else's file")
    with pytest.raises(Conflict, match="appeared"):
        up.finish(st.id)
    assert (root / "race.iso").read_text() == "someone else's file"
