"""Open vSwitch bridges, from ``ovs-vsctl``'s JSON output (the OVSDB is the only source of truth).

A stopped ovsdb-server makes ovs-vsctl wait forever by default, so every call carries a timeout
and a missing or stopped OVS is one clear error instead of a hung request.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hearth.errors import BackendError, BackendTimeout, NotSupported

OVS_VSCTL = "ovs-vsctl"
TIMEOUT_SECONDS = 5

Runner = Callable[[Sequence[str]], str]


class OvsBridge(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    datapath_type: str  # "system" (kernel) or "netdev" (userspace)
    ports: list[str] = Field(default_factory=list)


def run_vsctl(args: Sequence[str], *, db: str | None = None) -> str:
    """Run ovs-vsctl against the local OVSDB (or ``db``, e.g. ``unix:/path/db.sock``)."""
    exe = shutil.which(OVS_VSCTL)
    if exe is None:
        raise NotSupported("Open vSwitch is not installed on this host (no ovs-vsctl)")
    argv = [exe, f"--timeout={TIMEOUT_SECONDS}", *([f"--db={db}"] if db else []), *args]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_SECONDS + 2, check=False)
    except subprocess.TimeoutExpired:
        raise BackendTimeout(f"ovs-vsctl did not answer within {TIMEOUT_SECONDS}s") from None
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["no message"])[-1]
        if "database connection failed" in detail or "No such file" in detail or "timeout" in detail.lower():
            raise BackendError(f"Open vSwitch is not running on this host ({detail})")
        raise BackendError(f"ovs-vsctl failed: {detail}")
    return done.stdout


def list_ovs_bridges(run: Runner = run_vsctl) -> list[OvsBridge]:
    """Every OVS bridge with its ports, sorted by name."""
    bridges = _table(run, "Bridge", ("name", "datapath_type", "ports"))
    ports = {row["_uuid"]: row["name"] for row in _table(run, "Port", ("_uuid", "name"))}
    out = [
        OvsBridge(
            name=str(b["name"]),
            datapath_type=str(b["datapath_type"] or "system"),
            ports=sorted(ports.get(u, u) for u in _as_list(b["ports"])),
        )
        for b in bridges
    ]
    return sorted(out, key=lambda b: b.name)


def _table(run: Runner, table: str, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    raw = run(["--format=json", "--data=json", f"--columns={','.join(columns)}", "list", table])
    try:
        doc = json.loads(raw)
        headings: list[str] = doc["headings"]
        return [{h: _atom(v) for h, v in zip(headings, row, strict=True)} for row in doc["data"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise BackendError(f"ovs-vsctl printed something that is not its JSON table ({exc})") from None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _atom(value: Any) -> Any:
    """OVSDB JSON: ["uuid", u] → u, ["set", [...]] → list, ["map", ...] → dict; a lone set element
    is written bare, so sets come back as lists either way where the caller expects them."""
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str):
        tag, body = value
        if tag in ("uuid", "named-uuid"):
            return body
        if tag == "set":
            return [_atom(v) for v in body]
        if tag == "map":
            return {_atom(k): _atom(v) for k, v in body}
    return value
