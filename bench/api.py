"""API throughput through the normal path, each route next to a bare FastAPI endpoint, same run.

Four requests on the mock driver (SQLite in a state directory, as ``hearth serve`` runs it): GET
one instance, GET a page of 100 instances, POST a create, POST an action (reboot, which leaves
the instance RUNNING so it can be repeated). Each is measured against a bare FastAPI app that
answers the same method and path with the same JSON body from a plain ``async def`` returning a
dict (the create route also parses the JSON body it is sent): so each ratio (hearth / bare
throughput) is what authentication, the capability gate, the service, the driver and the store
cost per request on top of FastAPI itself.

Both servers are this script re-run as a uvicorn subprocess (one worker, no access log); ``wrk``
drives both with the same Lua script (2 threads, 32 keep-alive connections), and rounds
alternate between the servers so machine noise hits both alike; the median round of each counts.
Actions cycle over 2000 instances of another user, each wrk thread over its own half, so no two
requests act on one instance at once (that is a 409 by design). Creates are the admin's, so the
demo user's page stays 100 instances.

Prints each figure; then, to tell the API's cost from the backend's, what each route's service
operation costs alone (``<route>_service_us``: the mock driver's work on its store, measured
in-process after the servers stop); then each ratio, and ``min_ratio`` last. Target: every
ratio at least 0.6.
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROUNDS = 3
SECONDS = 6
WARMUP_SECONDS = 2
CONNECTIONS = 32
THREADS = 2
INSTANCES = 100  # the demo user's: one is read, all are listed
ACTED = 2000  # the bench user's, rebooted in turn (1000 per wrk thread)
DEMO = ("demo", "demo-password")
ADMIN = ("admin", "admin-password")
BENCH = ("bench", "bench-password")
CREATE = {"image_id": "debian-12", "hwp_id": "small"}
SERVICE_CALLS = 500


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _uvicorn(app: object, port: int) -> None:
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=port, workers=1, access_log=False, log_level="warning")  # type: ignore[arg-type]


def serve_api(state_dir: Path, port: int) -> None:
    from hearth.api import create_app
    from hearth.service import ServiceConfig, open_service
    from hearth.store.users import create_user

    service = open_service(ServiceConfig(state_dir=state_dir))
    create_user(service.engine, *BENCH)
    try:
        _uvicorn(create_app(service), port)
    finally:
        service.close()


def serve_bare(bodies_file: Path, port: int) -> None:
    """The same routes in plain FastAPI, each returning its recorded body."""
    from fastapi import FastAPI

    bodies: dict[str, Any] = json.loads(bodies_file.read_text())
    one, listed, created, acted = bodies["get"], bodies["list"], bodies["create"], bodies["action"]
    app = FastAPI()

    @app.get("/v1/instances/{instance_id}")
    async def get_one(instance_id: str) -> dict[str, Any]:
        return one  # type: ignore[no-any-return]

    @app.get("/v1/instances")
    async def get_list(limit: int = 100) -> dict[str, Any]:
        return listed  # type: ignore[no-any-return]

    @app.post("/v1/instances", status_code=202)
    async def create(body: dict[str, Any]) -> dict[str, Any]:
        return created  # type: ignore[no-any-return]

    @app.post("/v1/instances/{instance_id}/reboot", status_code=202)
    async def act(instance_id: str) -> dict[str, Any]:
        return acted  # type: ignore[no-any-return]

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


def _basic(user: tuple[str, str]) -> str:
    return "Basic " + base64.b64encode(":".join(user).encode()).decode()


@dataclass(frozen=True)
class Target:
    """One request shape; wrk's threads split ``paths`` between them and cycle over their part."""

    name: str
    method: str
    paths: list[str]
    user: tuple[str, str]
    body: dict[str, Any] | None = None

    def script(self, where: Path) -> Path:
        headers = {"Authorization": _basic(self.user)}
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        lua = f"""
local paths = {{{", ".join(json.dumps(p) for p in self.paths)}}}
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  local share = math.max(1, math.floor(#paths / {THREADS}))
  first = (tid * share) % #paths
  count = math.min(share, #paths)
  i = 0
  wrk.method = {json.dumps(self.method)}
  wrk.body = {json.dumps(json.dumps(self.body)) if self.body is not None else "nil"}
  {" ".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())}
end
function request()
  local path = paths[first + (i % count) + 1]
  i = i + 1
  return wrk.format(nil, path)
end
"""
        path = where / f"{self.name}.lua"
        path.write_text(lua)
        return path


def _wrk(base: str, script: Path, seconds: int) -> tuple[float, float]:
    """Requests per second and p99 latency (ms) of one wrk run; any non-2xx response is fatal."""
    cmd = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script), base]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors against {base} ({script.stem}):\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    assert m is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    return rps, float(m.group(1)) * scale


def _make(client: httpx.Client, count: int) -> list[str]:
    """``count`` new instances of the client's user, once all of them run."""
    ids = []
    for _ in range(count):
        made = client.post("/v1/instances", json=CREATE)
        made.raise_for_status()
        ids.append(made.headers["location"].rsplit("/", 1)[1])  # 202: the task; Location the instance
    deadline = time.monotonic() + 60
    while True:
        page = client.get("/v1/instances", params={"limit": 1000, "state": "PENDING"})
        page.raise_for_status()
        if not page.json()["instances"]:
            return ids
        if time.monotonic() > deadline:
            raise SystemExit("the bench instances did not reach RUNNING")
        time.sleep(0.2)


def _prepare(base: str) -> tuple[list[Target], dict[str, Any]]:
    """Make the instances, wait until they run, record each route's answer."""
    with (
        httpx.Client(base_url=base, auth=DEMO, timeout=30) as demo,
        httpx.Client(base_url=base, auth=ADMIN, timeout=30) as admin,
        httpx.Client(base_url=base, auth=BENCH, timeout=30) as bench,
    ):
        ids = _make(demo, INSTANCES)
        acting = _make(bench, ACTED)
        listed = demo.get("/v1/instances", params={"limit": INSTANCES}).json()
        if len(listed["instances"]) != INSTANCES or listed["next"] is not None:
            raise SystemExit("the demo user must own exactly the bench's instances")
        acted = bench.post(f"/v1/instances/{acting[0]}/reboot")
        acted.raise_for_status()
        created = admin.post("/v1/instances", json=CREATE)
        created.raise_for_status()
        bodies = {
            "get": demo.get(f"/v1/instances/{ids[0]}").json(),
            "list": listed,
            "create": created.json(),
            "action": acted.json(),
        }
    targets = [
        Target("get", "GET", [f"/v1/instances/{ids[0]}"], DEMO),
        Target("list", "GET", [f"/v1/instances?limit={INSTANCES}"], DEMO),
        Target("create", "POST", ["/v1/instances"], ADMIN, CREATE),
        Target("action", "POST", [f"/v1/instances/{i}/reboot" for i in acting], BENCH),
    ]
    return targets, bodies


def _same_answers(api: str, bare: str, targets: list[Target]) -> None:
    """The bare server answers the GETs with exactly the JSON hearth does."""
    for t in targets:
        if t.method != "GET":
            continue
        want = httpx.get(api + t.paths[0], auth=t.user).json()
        if httpx.get(bare + t.paths[0]).json() != want:
            raise SystemExit(f"the servers do not return the same JSON for {t.name}")


def _service_us(state_dir: Path) -> dict[str, float]:
    """Microseconds per call of each route's service operation alone, in this process, one at a
    time, on the store the server used (it has stopped): the part of a request the API cannot
    make cheaper, however it serves it."""
    from hearth.drivers.resources import InstanceCreate, InstanceFilter
    from hearth.service import ServiceConfig, open_service

    service = open_service(ServiceConfig(state_dir=state_dir))
    try:
        demo, admin, bench = (service.authenticate(*u) for u in (DEMO, ADMIN, BENCH))
        instances = service.instances
        mine = instances.list(demo, InstanceFilter())
        acting = instances.list(bench, InstanceFilter())
        create = InstanceCreate.model_validate(CREATE)
        calls: dict[str, Callable[[int], object]] = {
            "get": lambda i: instances.get(demo, mine[0].id),
            "list": lambda i: instances.list(demo, InstanceFilter()),
            "create": lambda i: instances.create(admin, create),
            "action": lambda i: instances.reboot(bench, acting[i % len(acting)].id),
        }
        costs = {}
        for name, one in calls.items():
            for i in range(SERVICE_CALLS // 10):
                one(i)
            start = time.perf_counter()
            for i in range(SERVICE_CALLS):
                one(i)
            costs[name] = (time.perf_counter() - start) / SERVICE_CALLS * 1e6
        return costs
    finally:
        service.close()


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk; see scripts/system-packages.txt)")
    work = Path(tempfile.mkdtemp(prefix="hearth-bench-api-"))
    api_port, bare_port = _free_port(), _free_port()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(_start(["--serve-api", str(work / "state")], api_port))
        api = f"http://127.0.0.1:{api_port}"
        targets, bodies = _prepare(api)
        (work / "bodies.json").write_text(json.dumps(bodies))
        procs.append(_start(["--serve-bare", str(work / "bodies.json")], bare_port))
        bare = f"http://127.0.0.1:{bare_port}"
        _same_answers(api, bare, targets)
        scripts = {t.name: t.script(work) for t in targets}
        servers = {"hearth": api, "bare": bare}
        for t in targets:
            for base in servers.values():
                _wrk(base, scripts[t.name], WARMUP_SECONDS)  # imports, caches, the credential cache
        runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(ROUNDS):
            for t in targets:
                for server, base in servers.items():
                    runs.setdefault((t.name, server), []).append(_wrk(base, scripts[t.name], SECONDS))
        print(f"rounds={ROUNDS} seconds={SECONDS} connections={CONNECTIONS} threads={THREADS}")
        ratios: dict[str, float] = {}
        for t in targets:
            rps = {s: statistics.median(r for r, _ in runs[(t.name, s)]) for s in servers}
            p99 = {s: statistics.median(p for _, p in runs[(t.name, s)]) for s in servers}
            ratios[t.name] = rps["hearth"] / rps["bare"]
            print(f"{t.name}_rps={rps['hearth']:.0f} {t.name}_bare_rps={rps['bare']:.0f}")
            print(f"{t.name}_p99_ms={p99['hearth']:.2f} {t.name}_bare_p99_ms={p99['bare']:.2f}")
        procs[0].terminate()
        procs[0].wait(timeout=10)
        for name, us in _service_us(work / "state").items():
            print(f"{name}_service_us={us:.0f}")
        for name, ratio in ratios.items():
            print(f"{name}_ratio={ratio:.2f}")
        print(f"min_ratio={min(ratios.values()):.2f}")
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
    parser.add_argument("--serve-bare", nargs=2, metavar=("BODIES_FILE", "PORT"))
    ns = parser.parse_args()
    if ns.serve_api:
        serve_api(Path(ns.serve_api[0]), int(ns.serve_api[1]))
    elif ns.serve_bare:
        serve_bare(Path(ns.serve_bare[0]), int(ns.serve_bare[1]))
    else:
        main()
