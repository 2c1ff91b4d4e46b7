"""What this QEMU binary accepts, learned from QEMU itself and cached on disk.

A typo in a device property should be one clear error before anything starts, not a VM
that dies half-configured with a message buried in stderr. Rather than keep our own list
of every driver's properties (which would rot with each QEMU release), we ask the binary:
one ``-machine none`` QEMU answers ``device-list-properties`` for every device type in
about a third of a second. Object types (``-object``) are asked about only when a machine
uses them, because listing some of them crashes or hangs an empty QEMU (7.2:
``colo-compare``, ``filter-dump``). Answers are cached per binary identity (path, size,
mtime), so a QEMU upgrade invalidates them and normal launches pay only a file read.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import select
import shutil
import subprocess
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hearth.errors import BackendError, NotFound

_FORMAT = 5
_PROBE_TIMEOUT = 20.0
# Options -device consumes itself rather than passing on as properties.
DEVICE_GENERIC_KEYS = frozenset({"driver", "id", "bus"})
OBJECT_GENERIC_KEYS = frozenset({"qom-type", "id"})


@dataclass(frozen=True)
class WidestCpu:
    """The widest CPU an accelerator offers (TCG's ``max``, KVM's ``host``) fully expanded, its
    migratable features only (flags, vendor, family, model), and the
    features each named CPU model lacks under that accelerator (QEMU's blockers)."""

    props: Mapping[str, Any]
    blockers: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Capabilities:
    """The facts one QEMU binary reported about itself.

    A property set of None means QEMU could not list that type's properties, so only
    QEMU itself can check them.
    """

    binary: str
    version: str
    machines: frozenset[str]
    cpu_models: frozenset[str]
    device_props: Mapping[str, frozenset[str] | None]
    object_types: frozenset[str]
    object_props: Mapping[str, frozenset[str] | None]
    options: Mapping[str, bool] = dataclasses.field(default_factory=dict)  # -name -> takes an argument
    # per accelerator ("tcg", and "kvm" where /dev/kvm opens): what libvirt decodes host-model from
    widest_cpus: Mapping[str, WidestCpu] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": _FORMAT,
            "binary": self.binary,
            "version": self.version,
            "machines": sorted(self.machines),
            "cpu_models": sorted(self.cpu_models),
            "device_props": {k: _list(v) for k, v in sorted(self.device_props.items())},
            "object_types": sorted(self.object_types),
            "object_props": {k: _list(v) for k, v in sorted(self.object_props.items())},
            "options": dict(sorted(self.options.items())),
            "widest_cpus": {a: dataclasses.asdict(c) for a, c in sorted(self.widest_cpus.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Capabilities:
        return cls(
            binary=data["binary"],
            version=data["version"],
            machines=frozenset(data["machines"]),
            cpu_models=frozenset(data["cpu_models"]),
            device_props={k: _set(v) for k, v in data["device_props"].items()},
            object_types=frozenset(data["object_types"]),
            object_props={k: _set(v) for k, v in data["object_props"].items()},
            options=dict(data["options"]),
            widest_cpus={
                a: WidestCpu(dict(c["props"]), {k: tuple(v) for k, v in c["blockers"].items()})
                for a, c in data["widest_cpus"].items()
            },
        )


def _list(v: frozenset[str] | None) -> list[str] | None:
    return None if v is None else sorted(v)


def _set(v: list[str] | None) -> frozenset[str] | None:
    return None if v is None else frozenset(v)


_memo: dict[str, Capabilities] = {}


def find_binary(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        raise NotFound(f"QEMU binary {binary!r} not found in PATH; install qemu-system-x86", binary=binary)
    return os.path.realpath(path)


def _identity(path: str) -> str:
    st = os.stat(path)
    return hashlib.sha256(f"{_FORMAT}:{path}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:16]


def _cache_file(cache_dir: Path | None, key: str) -> Path | None:
    return cache_dir / f"qemu-caps-{key}.json" if cache_dir is not None else None


def _save(caps: Capabilities, cache_file: Path | None) -> None:
    if cache_file is None:
        return
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache_file.with_name(f".{cache_file.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(caps.to_json()))
    os.replace(tmp, cache_file)


def load(
    binary: str = "qemu-system-x86_64", cache_dir: Path | None = None, object_types: Iterable[str] = ()
) -> Capabilities:
    """Capabilities of ``binary`` (memory, then disk cache, else a probe).

    ``object_types`` are the ``-object`` types the caller is about to use; their property
    lists are probed now if nobody asked before.
    """
    path = find_binary(binary)
    key = _identity(path)
    cache_file = _cache_file(cache_dir, key)
    caps = _memo.get(key)
    if caps is None and cache_file is not None and cache_file.is_file():
        try:
            data = json.loads(cache_file.read_text())
            if data.get("format") == _FORMAT:
                caps = Capabilities.from_json(data)
        except (OSError, ValueError, KeyError, TypeError):
            caps = None  # a damaged cache is rebuilt, not trusted
    if caps is None:
        caps = probe(path)
        _save(caps, cache_file)
    missing = sorted({t for t in object_types if t in caps.object_types and t not in caps.object_props})
    if missing:
        with ThreadPoolExecutor(max_workers=4) as pool:
            found = dict(zip(missing, pool.map(functools.partial(_object_props, path), missing), strict=True))
        caps = dataclasses.replace(caps, object_props={**caps.object_props, **found})
        _save(caps, cache_file)
    _memo[key] = caps
    return caps


def _run_qmp(
    path: str, commands: list[tuple[str, dict[str, Any]]], timeout: float = _PROBE_TIMEOUT, accel: str = "tcg"
) -> dict[str, Any]:
    """Run ``commands`` through one QMP-on-stdio QEMU; replies keyed by command id.

    QEMU is killed as soon as every command has answered (so a type that breaks QEMU's
    shutdown costs nothing); one that dies or hangs part-way yields the replies so far.
    """
    lines = [json.dumps({"execute": "qmp_capabilities", "id": "caps"})]
    lines += [json.dumps({"execute": c, "arguments": a, "id": f"c{i}"}) for i, (c, a) in enumerate(commands)]
    argv = [path, "-machine", "none", "-nodefaults", "-no-user-config", "-display", "none"]
    argv += ["-accel", accel, "-qmp", "stdio"]
    replies: dict[str, Any] = {}
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise BackendError(f"probing {path} failed: {exc}", binary=path) from exc
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(("\n".join(lines) + "\n").encode())
        proc.stdin.flush()
        deadline = time.monotonic() + timeout
        buffer = b""
        fd = proc.stdout.fileno()
        while len(replies) < len(commands) + 1:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                break
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            for line in complete:
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if isinstance(msg, dict) and "id" in msg:
                    replies[msg["id"]] = msg
    except OSError:
        pass  # QEMU died; what it answered before is still useful
    finally:
        proc.kill()
        proc.wait()
        proc.stdin.close()
        proc.stdout.close()
    return replies


def _run_resilient(path: str, commands: list[tuple[str, dict[str, Any]]]) -> list[Any | None]:
    """Answers to ``commands``; one that kills or hangs QEMU loses only its own answer."""
    results: list[Any | None] = [None] * len(commands)
    start = 0
    while start < len(commands):
        replies = _run_qmp(path, commands[start:])
        answered = 0
        while answered < len(commands) - start and f"c{answered}" in replies:
            results[start + answered] = replies[f"c{answered}"].get("return")
            answered += 1
        start += answered + 1  # skip the command QEMU died on
    return results


def _object_props(path: str, qom_type: str) -> frozenset[str] | None:
    # One QEMU per type: listing some types leaves QEMU unable to answer the next command.
    reply = _run_qmp(path, [("qom-list-properties", {"typename": qom_type})], timeout=5.0).get("c0", {})
    listed = reply.get("return")
    return None if listed is None else frozenset(p["name"] for p in listed)


def probe(path: str) -> Capabilities:
    """Ask the binary for its machines, CPU models, devices with their properties, object types."""
    first = _run_qmp(
        path,
        [
            ("query-version", {}),
            ("query-machines", {}),
            ("query-cpu-definitions", {}),
            ("qom-list-types", {"implements": "device", "abstract": False}),
            ("qom-list-types", {"implements": "user-creatable", "abstract": False}),
        ],
    )
    try:
        ver = first["c0"]["return"]["qemu"]
        machines = {m["name"] for m in first["c1"]["return"]}
        machines |= {m["alias"] for m in first["c1"]["return"] if "alias" in m}
        cpus = {c["name"] for c in first["c2"]["return"]}
        devices = sorted(t["name"] for t in first["c3"]["return"])
        objects = frozenset(t["name"] for t in first["c4"]["return"])
    except (KeyError, TypeError) as exc:
        raise BackendError(f"{path} did not answer the capability probe", binary=path) from exc
    answers = _run_resilient(path, [("device-list-properties", {"typename": d}) for d in devices])
    return Capabilities(
        binary=path,
        version=f"{ver['major']}.{ver['minor']}.{ver['micro']}",
        machines=frozenset(machines),
        cpu_models=frozenset(cpus),
        device_props={
            d: None if r is None else frozenset(p["name"] for p in r)
            for d, r in zip(devices, answers, strict=True)
        },
        object_types=objects,
        object_props={},
        options=command_line_options(path),
        widest_cpus={a: cpu for a in _ACCELS if (cpu := widest_cpu(path, a)) is not None},
    )


_ACCELS = {"tcg": "max", "kvm": "host"}


def widest_cpu(path: str, accel: str) -> WidestCpu | None:
    """What ``accel`` offers a guest that can migrate, QEMU's default (no ``invtsc``: libvirt's
    host-model for a domain leaves it out, though ``virsh domcapabilities`` lists it); None
    where the accelerator cannot run here (no usable ``/dev/kvm``)."""
    if accel == "kvm" and not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return None
    model = {"name": _ACCELS[accel]}
    replies = _run_qmp(
        path,
        [("query-cpu-model-expansion", {"type": "full", "model": model}), ("query-cpu-definitions", {})],
        accel=accel,
    )
    try:
        props = replies["c0"]["return"]["model"]["props"]
        blockers = {c["name"]: tuple(c.get("unavailable-features", ())) for c in replies["c1"]["return"]}
    except (KeyError, TypeError):
        return None
    return WidestCpu(props, blockers)


def command_line_options(path: str) -> dict[str, bool]:
    """The binary's options from its ``-help``: each one's name, and whether it takes an argument
    (the help shows ``-name string`` before the description, ``-S`` alone)."""
    try:
        text = subprocess.run(
            [path, "-help"], capture_output=True, text=True, timeout=_PROBE_TIMEOUT, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackendError(f"{path} -help failed: {exc}", binary=path) from exc
    options: dict[str, bool] = {}
    for line in text.splitlines():
        if not line.startswith("-") or line.startswith("-h or"):
            continue
        head = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
        name, _, arg = head.partition(" ")
        options[name[1:]] = options.get(name[1:], False) or bool(arg.strip())
    return options
