"""API throughput: GET one instance on the mock driver versus a bare FastAPI endpoint, same stack.

Both servers are this script re-run as a uvicorn subprocess (one worker, asyncio, no access log);
the bare one returns the exact JSON of the instance from a plain ``async def`` route, so the
ratio is what authentication, the service, the driver and the store cost per request. ``wrk``
drives them with 32 keep-alive connections, alternating rounds so machine noise hits all alike;
the median round of each counts.

A third server runs the same API over a mock driver that answers this GET from memory: its
ratio (``api_layer_ratio``) is the cost of the HTTP/API/service layers alone, to tell them apart
from the driver's own read. Prints the figures, then ``get_rps`` and ``ratio_to_bare`` last.
Targets: ratio at least 0.6, p99 under 50 ms.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROUNDS = 3
SECONDS = 8
CONNECTIONS = 32
DEMO = ("demo", "demo-password")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _uvicorn(app: object, port: int) -> None:
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=port, workers=1, access_log=False, log_level="warning")  # type: ignore[arg-type]


def serve_api(state_dir: Path, port: int, memory: bool = False) -> None:
    from hearth.api import create_app
    from hearth.drivers import Caller, Collection
    from hearth.drivers.mock import MockDriver
    from hearth.drivers.mock.instances import Instances
    from hearth.drivers.resources import Instance
    from hearth.drivers.schema import upgrade
    from hearth.service import Service, ServiceConfig, open_service
    from hearth.store import make_engine

    class RememberingInstances(Instances):
        seen: dict[str, Instance] = {}

        def get_instance(self, caller: Caller, instance_id: str) -> Instance:
            if instance_id not in self.seen:
                self.seen[instance_id] = super().get_instance(caller, instance_id)
            return self.seen[instance_id]

    class Remembering(MockDriver):
        """Reads an instance once, then answers from memory (the API layer's cost alone)."""

        parts = {**MockDriver.parts, Collection.instances: RememberingInstances}

    config = ServiceConfig(state_dir=state_dir)
    if memory:
        engine = make_engine(config.db_url)
        upgrade(engine, "mock")
        service = Service(Remembering(engine), engine)
    else:
        service = open_service(config)
    try:
        _uvicorn(create_app(service), port)
    finally:
        service.close()


def serve_bare(body_file: Path, port: int) -> None:
    from fastapi import FastAPI

    data: dict[str, Any] = json.loads(body_file.read_text())
    app = FastAPI()

    @app.get("/item")
    async def item() -> dict[str, Any]:
        return data

    _uvicorn(app, port)


def _start(args: list[str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, __file__, *args, str(port)])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"server {args[0]} exited with {proc.returncode}") from None
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"server {args[0]} did not start")


def _wrk(url: str, headers: dict[str, str], seconds: int) -> tuple[float, float]:
    """Requests per second and p99 latency (ms) of one wrk run; any non-2xx response is fatal."""
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run([*cmd, url], check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors against {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    assert m is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    return rps, float(m.group(1)) * scale


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk; see scripts/system-packages.txt)")
    work = Path(tempfile.mkdtemp(prefix="hearth-bench-api-"))
    api_port, bare_port = _free_port(), _free_port()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(_start(["--serve-api", str(work / "state")], api_port))
        mem_port = _free_port()
        base = f"http://127.0.0.1:{api_port}/v1"
        with httpx.Client(auth=DEMO, timeout=30) as client:
            made = client.post(f"{base}/instances", json={"image_id": "debian-12", "hwp_id": "small"})
            made.raise_for_status()
            url = f"{base}/instances/{made.json()['id']}"
            time.sleep(1)  # let it settle into RUNNING so every GET returns the same JSON
            body = client.get(url).json()
        (work / "body.json").write_text(json.dumps(body))
        procs.append(_start(["--serve-bare", str(work / "body.json")], bare_port))
        procs.append(_start(["--serve-api-memory", str(work / "state")], mem_port))
        bare_url = f"http://127.0.0.1:{bare_port}/item"
        mem_url = url.replace(f":{api_port}/", f":{mem_port}/")
        if httpx.get(bare_url).json() != body or httpx.get(mem_url, auth=DEMO).json() != body:
            raise SystemExit("the servers do not return the same JSON")
        auth = {"Authorization": "Basic " + base64.b64encode(":".join(DEMO).encode()).decode()}
        targets = {"bare": (bare_url, {}), "layer": (mem_url, auth), "get": (url, auth)}
        for target, headers in targets.values():
            _wrk(target, headers, 2)  # warm-up: imports, caches, the credential cache
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
        for _ in range(ROUNDS):
            for name, (target, headers) in targets.items():
                runs[name].append(_wrk(target, headers, SECONDS))
        rps = {name: statistics.median(r for r, _ in results) for name, results in runs.items()}
        p99 = {name: statistics.median(p for _, p in results) for name, results in runs.items()}
        print(f"rounds={ROUNDS} seconds={SECONDS} connections={CONNECTIONS}")
        print(f"bare_rps={rps['bare']:.0f}")
        print(f"bare_p99_ms={p99['bare']:.2f}")
        print(f"api_layer_rps={rps['layer']:.0f}")
        print(f"api_layer_p99_ms={p99['layer']:.2f}")
        print(f"api_layer_ratio={rps['layer'] / rps['bare']:.2f}")
        print(f"get_p99_ms={p99['get']:.2f}")
        print(f"get_rps={rps['get']:.0f}")
        print(f"ratio_to_bare={rps['get'] / rps['bare']:.2f}")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve-api", nargs=2, metavar=("STATE_DIR", "PORT"))
    parser.add_argument("--serve-api-memory", nargs=2, metavar=("STATE_DIR", "PORT"))
    parser.add_argument("--serve-bare", nargs=2, metavar=("BODY_FILE", "PORT"))
    ns = parser.parse_args()
    if ns.serve_api:
        serve_api(Path(ns.serve_api[0]), int(ns.serve_api[1]))
    elif ns.serve_api_memory:
        serve_api(Path(ns.serve_api_memory[0]), int(ns.serve_api_memory[1]), memory=True)
    elif ns.serve_bare:
        serve_bare(Path(ns.serve_bare[0]), int(ns.serve_bare[1]))
    else:
        main()
