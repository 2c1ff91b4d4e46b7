"""``SyncVM`` keeps step with ``VM``: each coroutine method has a blocking twin with the same parameters."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from hearth.qemu import VM, SyncVM
from hearth.qemu.qmp import Event


def _coroutine_methods(cls: type) -> dict[str, Callable[..., Any]]:
    """Public instance coroutine methods (``launch``/``attach`` are classmethods and not counted)."""
    return {
        name: member
        for name, member in vars(cls).items()
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    }


def _drift(blocking: type, core: type) -> list[str]:
    """What ``blocking`` lacks or takes differently from the coroutine methods of ``core``."""
    problems = []
    for name, method in sorted(_coroutine_methods(core).items()):
        twin = getattr(blocking, name, None)
        if twin is None or not callable(twin):
            problems.append(f"{name}: missing")
            continue
        if inspect.iscoroutinefunction(twin):
            problems.append(f"{name}: is a coroutine function, not a blocking call")
            continue
        wanted = list(inspect.signature(method).parameters.values())[1:]
        got = list(inspect.signature(twin).parameters.values())[1:]
        if got != wanted:
            problems.append(
                f"{name}: takes ({', '.join(map(str, got))}), VM takes ({', '.join(map(str, wanted))})"
            )
    return problems


def test_every_coroutine_method_of_vm_has_a_blocking_twin_with_the_same_parameters() -> None:
    assert _coroutine_methods(VM)  # the check below must have something to check
    assert "launch" not in _coroutine_methods(VM)
    assert _drift(SyncVM, VM) == []


def test_the_check_notices_a_lost_parameter_and_a_missing_method() -> None:
    class HandWritten:
        """As SyncVM was: ``powerdown`` without ``press_interval``, and no ``unplug`` at all."""

        def powerdown(self, timeout: float | None = 60.0) -> Event | None:
            raise NotImplementedError

    problems = _drift(HandWritten, VM)
    assert any(p.startswith("powerdown: takes") and "press_interval" in p for p in problems)
    assert "unplug: missing" in problems


def test_blocking_twins_name_and_document_themselves_as_the_vm_methods_do() -> None:
    assert SyncVM.powerdown.__name__ == "powerdown"
    assert SyncVM.powerdown.__qualname__ == "SyncVM.powerdown"
    assert SyncVM.powerdown.__doc__ == VM.powerdown.__doc__
    assert "retry_interval" in inspect.signature(SyncVM.unplug).parameters
