"""One step of a command run in a forked child, so what it imports and allocates dies with it.

``hearth serve`` migrates and seeds its store this way: Alembic (with Mako and Pygments) and the
scrypt hashes of new demo users would otherwise stay in the server's memory for its whole life
(glibc keeps freed heap, Python keeps imported modules). The child is forked before the server
starts a thread, so it copies nothing but the parent's memory, and its user-facing error (a
``HearthError``'s one line) is carried back over a pipe and raised again in the parent.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable

from hearth.errors import HearthError

__all__ = ["run_in_child"]


def run_in_child(step: Callable[[], None], what: str) -> None:
    """Run ``step`` in a forked child and wait for it; its HearthError is raised here with the
    same message. Anything else it raises is printed there, and fails here naming ``what``."""
    sys.stdout.flush()  # else what the parent has buffered would be written twice
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the parent's code
        os.close(read_end)
        code = 0
        try:
            step()
        except HearthError as exc:
            os.write(write_end, exc.message.encode("utf-8", "replace"))
            code = 2
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        message = pipe.read().decode("utf-8", "replace")
    _, status = os.waitpid(pid, 0)
    if message:
        raise HearthError(message)
    if status != 0:
        code = os.waitstatus_to_exitcode(status)
        raise HearthError(f"{what} failed in its child process (exit status {code}); see above")
