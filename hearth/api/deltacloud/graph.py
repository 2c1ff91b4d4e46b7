"""``/api/instance_states`` as a picture: a Graphviz dot document (``?format=gv``) and its PNG
rendering (``?format=png``), as Deltacloud served them.

The dot text is built from the same state table the XML and JSON answers show, so the picture
cannot drift from them. PNG rendering runs Graphviz's ``dot`` in a subprocess with a timeout;
without Graphviz installed the request gets a 500 saying so, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import Mapping, Sequence

from .faults import DeltacloudError

GV_TYPE = "text/vnd.graphviz"  # Deltacloud labelled it application/ghostscript, which it is not
PNG_TYPE = "image/png"
DOT_TIMEOUT = 10.0
# Deltacloud's look: pseudo-states start/finish as green/red double circles, the rest grey boxes,
# automatic transitions labelled "auto" in green italics.
_ENDS = {"start": ("#449944", "#88DD88"), "finished": ("#994444", "#DD8888")}
_DOT_ARGS = ("-Kdot", "-Gpad=0.2,0.2", "-Gsize=5.0,8.0", "-Gdpi=180", "-Tpng")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def state_graph(states: Mapping[str, Sequence[Mapping[str, str]]]) -> str:
    """The dot document of ``states`` (name → transitions with ``to`` and ``action`` or ``auto``)."""
    lines = ["digraph instance_states {", "  rankdir=LR;"]
    for name in states:
        label = name.replace("_", " ").title()
        if name in _ENDS:
            color, fill = _ENDS[name]
            style = f'shape="doublecircle", color="{color}", fillcolor="{fill}"'
        else:
            style = 'shape="rect", color="#999999", fillcolor="#DDDDDD"'
        lines.append(
            f'  {_quote(name)} [label={_quote(label)}, fontname="Liberation Sans Bold", '
            f'fontsize="12.0", style="filled", {style}, height=0.5];'
        )
    for name, transitions in states.items():
        for t in transitions:
            auto = t.get("auto") == "true"
            label = "auto" if auto else t.get("action", "")
            font = (
                'fontcolor="#227722", fontname="Liberation Sans Bold Italic"'
                if auto
                else 'fontcolor="#333333", fontname="Liberation Sans Bold"'
            )
            lines.append(
                f'  {_quote(name)} -> {_quote(t["to"])} [label={_quote(label)}, fontsize="14.0", '
                f'penwidth="2.0", color="#CCCCCC", {font}];'
            )
    lines.append("}")
    return "\n".join(lines) + "\n"


async def render_png(dot: str, *, timeout: float = DOT_TIMEOUT, program: str = "dot") -> bytes:
    """``dot`` rendered to PNG by Graphviz; DeltacloudError(500) with the reason when it cannot."""
    path = shutil.which(program)
    if path is None:
        raise DeltacloudError(
            500, "rendering the state graph as PNG needs Graphviz's dot, which is not installed"
        )
    proc = await asyncio.create_subprocess_exec(
        path,
        *_DOT_ARGS,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(dot.encode()), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise DeltacloudError(
            500, f"Graphviz's dot did not render the state graph within {timeout:g} s"
        ) from None
    if proc.returncode != 0 or not out:
        reason = err.decode(errors="replace").strip().splitlines()
        detail = f": {reason[0]}" if reason else ""
        raise DeltacloudError(500, f"Graphviz's dot failed (exit {proc.returncode}){detail}")
    return out
