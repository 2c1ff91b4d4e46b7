"""What ``hearth serve`` runs on: named HTTP, loop and WebSocket implementations, one malloc arena,
and a store prepared in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import types
from pathlib import Path

import pytest

from hearth.cli import serve
from hearth.cli.allocator import limit_arenas
from hearth.errors import HearthError, NotSupported, ValidationError


def test_serve_names_the_c_parser_loop_and_websocket_library() -> None:
    assert (serve.HTTP_IMPL, serve.LOOP_IMPL, serve.WS_IMPL) == ("httptools", "uvloop", "websockets")
    serve._check_server_libraries()  # both installed with uvicorn[standard]


def test_serve_without_its_http_parser_refuses_to_start_saying_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(serve, "HTTP_IMPL", "hearth_no_such_parser")
    with pytest.raises(NotSupported, match=r"needs hearth_no_such_parser: pip install 'uvicorn\[standard\]'"):
        serve._check_server_libraries()


def test_one_malloc_arena_takes_effect_on_glibc_and_threads_still_allocate() -> None:
    assert limit_arenas(1) is True
    sizes: list[int] = []
    workers = [threading.Thread(target=lambda: sizes.append(len(bytes(1 << 20)))) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sizes == [1 << 20] * 4


def test_a_step_run_in_a_child_leaves_the_parent_untouched_and_its_error_comes_back(tmp_path: Path) -> None:
    from hearth.cli.child import run_in_child

    def step() -> None:
        (tmp_path / "ran").write_text(str(os.getpid()))
        sys.modules["hearth_child_only"] = types.ModuleType("hearth_child_only")

    run_in_child(step, "the step")
    assert int((tmp_path / "ran").read_text()) != os.getpid()  # it ran, elsewhere
    assert "hearth_child_only" not in sys.modules

    def refused() -> None:
        raise ValidationError("the store is not one line of 'x'")

    with pytest.raises(HearthError, match="the store is not one line of 'x'"):
        run_in_child(refused, "the step")


def test_a_step_that_crashes_in_its_child_fails_naming_the_step(capfd: pytest.CaptureFixture[str]) -> None:
    from hearth.cli.child import run_in_child

    def crash() -> None:
        raise RuntimeError("a bug")

    failed = r"preparing the store failed in its child process \(exit status 1\)"
    with pytest.raises(HearthError, match=failed):
        run_in_child(crash, "preparing the store")
    assert "RuntimeError: a bug" in capfd.readouterr().err  # the child printed what went wrong


def test_the_server_opens_a_migrated_seeded_store_and_loads_no_module_it_has_no_use_for_yet(
    tmp_path: Path,
) -> None:
    """Run as ``hearth serve`` opens it, in a process of its own (this one has imported them all):
    no migrations, no secrets, no EC2 call and no domain XML until one is needed."""
    code = f"""
import sys
from pathlib import Path
from hearth.api import create_app
from hearth.cli.serve import open_server_service
from hearth.service import load_config
service = open_server_service(load_config(None).with_overrides(state_dir=Path({str(tmp_path)!r})))
create_app(service)
caller = service.authenticate("demo", "demo-password")  # seeded by the child, read here
unused = ("alembic", "cryptography", "mako", "hearth.api.ec2.frontend", "hearth.domain", "lxml")
print(bool(caller.user_id), sorted(m for m in unused if m in sys.modules))
service.close()
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "True []"


_BLOCKS = """
import ctypes, sys
from hearth.cli.allocator import pin_thresholds
pinned = sys.argv[1] == "pinned" and pin_thresholds()
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096
before = rss()
for _ in range(3):  # as scrypt checks do: 16 MiB, written through, freed
    block = libc.malloc(16 << 20)
    ctypes.memset(block, 1, 16 << 20)
    libc.free(block)
print(pinned, (rss() - before) >> 20)
"""


def test_pinned_thresholds_hand_every_large_block_back_when_it_is_freed() -> None:
    """Unpinned, glibc serves the second 16 MiB block from the heap and keeps it there."""
    argv = [sys.executable, "-c", _BLOCKS, "pinned"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    pinned, kept_mib = done.stdout.split()
    assert pinned == "True"
    assert int(kept_mib) < 2
