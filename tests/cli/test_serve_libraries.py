"""What ``hearth serve`` runs on: named HTTP, loop and WebSocket implementations, one malloc arena."""

from __future__ import annotations

import threading

import pytest

from hearth.cli import serve
from hearth.cli.allocator import limit_arenas
from hearth.errors import NotSupported


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
