"""Fault run: a libvirtd outage under concurrent load must not freeze the API.

A real ``hearth serve --driver libvirt`` (its own state dir, an admin made with ``hearth user
add``, a run-unique ``[libvirt]`` prefix and pool) runs against a libvirtd of the bench's own
(libvirt's test driver on a private socket; the host's daemon is never touched). 16 client
threads keep asking store-only routes (templates, keys, tasks) and host routes (instances,
realms, pools). After a warm-up the daemon is killed (SIGKILL) for ``--outage`` seconds, then
started again; the bench waits until every host route answers 200 on the same server process.
``--mode hang`` freezes it (SIGSTOP) instead and thaws it (SIGCONT): a host that stops answering
on connections already open, the harder case. Clients are sequential, so one waiting on the
hung host sends nothing else meanwhile.

Printed: per-phase counts of statuses, store-only p99 before and during the outage, whether
realms showed UNAVAILABLE, 5xx other than 502/504, how long recovery took, and last
``store_p99_ms_during_outage`` then ``dead_host_max_ms`` (the slowest answer to a host route
while the daemon was down). Targets (reported, not asserted): store p99 < 200 ms during the
outage, dead-host answers within 2000 ms, no 5xx but 502/504, recovery without a restart.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

from hearth.testing.libvirtd import private_libvirtd

STORE_ROUTES = ("/v1/templates", "/v1/keys", "/v1/tasks")
HOST_ROUTES = ("/v1/instances", "/v1/realms", "/v1/pools")
HEARTH = str(Path(sys.executable).with_name("hearth"))
USER, PASSWORD = "faults", f"faults-{secrets.token_hex(8)}"
CLIENT_TIMEOUT = 30.0  # a request slower than this counts as "timeout"


@dataclass(frozen=True)
class Sample:
    started: float
    route: str
    status: str  # the HTTP status, or "timeout" / "error"
    ms: float
    unavailable: bool  # a realms listing that showed a realm UNAVAILABLE
    retry_after: bool  # an error carrying a Retry-After header
    error: str = ""  # the error's name and message, for the summary of what failed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _client(url: str, stop: threading.Event, index: int, out: list[Sample]) -> None:
    routes = [r for pair in zip(STORE_ROUTES, HOST_ROUTES, strict=True) for r in pair]
    n = index
    with httpx.Client(base_url=url, auth=(USER, PASSWORD), timeout=CLIENT_TIMEOUT) as c:
        while not stop.is_set():
            route = routes[n % len(routes)]
            n += 1
            t0 = time.monotonic()
            unavailable = retry = False
            error = ""
            try:
                r = c.get(route)
                status = str(r.status_code)
                if r.status_code >= 400:
                    retry = "retry-after" in r.headers
                    body = r.json()
                    error = f"{route} {r.status_code} {body.get('error')}: {body.get('message', '')[:160]}"
                if route == "/v1/realms" and r.status_code == 200:
                    unavailable = any(x["state"] == "UNAVAILABLE" for x in r.json()["realms"])
            except httpx.TimeoutException:
                status = "timeout"
            except httpx.HTTPError:
                status = "error"
            out.append(Sample(t0, route, status, (time.monotonic() - t0) * 1000, unavailable, retry, error))
            time.sleep(0.01)  # a busy but not abusive client


def _p99(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _wait_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"hearth serve exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}/v1/templates", auth=(USER, PASSWORD), timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("hearth serve did not come up within 60 s")


def _recovered(url: str) -> bool:
    """Every host route answers 200 and every realm is AVAILABLE."""
    with httpx.Client(base_url=url, auth=(USER, PASSWORD), timeout=5) as c:
        for route in HOST_ROUTES:
            try:
                r = c.get(route)
            except httpx.HTTPError:
                return False
            if r.status_code != 200:
                return False
            if route == "/v1/realms" and any(x["state"] != "AVAILABLE" for x in r.json()["realms"]):
                return False
    return True


def run(mode: str, clients: int, warmup: float, outage: float, after: float, recovery_bound: float) -> None:
    work = Path(tempfile.mkdtemp(prefix="hearth-faults-"))
    prefix = f"hf{secrets.token_hex(3)}"
    proc: subprocess.Popen[bytes] | None = None
    stop = threading.Event()
    threads: list[threading.Thread] = []
    samples: list[Sample] = []
    try:
        with private_libvirtd() as daemon:
            state = work / "state"
            added = subprocess.run(
                [HEARTH, "user", "add", USER, "--password", PASSWORD, "--admin", "--state-dir", str(state)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            if added.returncode != 0:
                raise SystemExit(f"hearth user add failed: {added.stderr.strip()}")
            config = work / "hearth.toml"
            config.write_text(
                f'driver = "libvirt"\n[libvirt]\nname_prefix = "{prefix}"\n'
                f'pool = "{prefix}-pool"\npool_path = "{work / "pool"}"\n'
            )
            port = _free_port()
            url = f"http://127.0.0.1:{port}"
            log = work / "serve.log"
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [
                        HEARTH,
                        "serve",
                        "--driver",
                        "libvirt",
                        "--uri",
                        daemon.uri,
                        "--config",
                        str(config),
                        "--state-dir",
                        str(state),
                        "--listen",
                        f"127.0.0.1:{port}",
                    ],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            _wait_up(url, proc, log)
            pid = proc.pid

            per_client: list[list[Sample]] = [[] for _ in range(clients)]
            for i in range(clients):
                t = threading.Thread(target=_client, args=(url, stop, i, per_client[i]), daemon=True)
                t.start()
                threads.append(t)
            time.sleep(warmup)
            killed = time.monotonic()
            daemon.freeze() if mode == "hang" else daemon.kill()
            time.sleep(outage)
            daemon.thaw() if mode == "hang" else daemon.start()
            restarted = time.monotonic()  # the daemon answers again from here on
            recovered_ms = float("nan")
            while time.monotonic() - restarted < recovery_bound:
                if _recovered(url):
                    recovered_ms = (time.monotonic() - restarted) * 1000
                    break
                time.sleep(0.1)
            time.sleep(after)
            stop.set()
            for t in threads:
                t.join(CLIENT_TIMEOUT + 5)
            same_process = proc.poll() is None and proc.pid == pid
            samples = [s for c in per_client for s in c]
    finally:
        stop.set()
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(work, ignore_errors=True)

    def phase(s: Sample) -> str:
        if s.started < killed:
            return "before"
        if s.started < restarted:
            return "outage"
        return "after"

    by_phase: dict[str, list[Sample]] = {"before": [], "outage": [], "after": []}
    for s in samples:
        by_phase[phase(s)].append(s)
    for name, group in by_phase.items():
        counts = Counter(f"{'store' if s.route in STORE_ROUTES else 'host'}:{s.status}" for s in group)
        print(f"statuses_{name}: " + " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
        for text, n in Counter(s.error for s in group if s.error).most_common(4):
            print(f"  {n} x {text}")
    during = by_phase["outage"]
    dead = [s for s in during if s.route in HOST_ROUTES]
    host_errors = [s for s in dead if s.status.startswith("5")]
    other_5xx = sum(1 for s in samples if s.status.startswith("5") and s.status not in ("502", "504"))
    unanswered = sum(1 for s in samples if s.status in ("timeout", "error"))
    store_ms = {k: [s.ms for s in g if s.route in STORE_ROUTES] for k, g in by_phase.items()}
    print(f"mode={mode} requests={len(samples)} clients={clients} outage_s={outage:g}")
    print(f"realms_unavailable_during_outage={sum(s.unavailable for s in during if s.route == '/v1/realms')}")
    print(f"host_errors_with_retry_after={sum(s.retry_after for s in host_errors)}/{len(host_errors)}")
    per_route = {r: [s.ms for s in during if s.route == r] for r in STORE_ROUTES + HOST_ROUTES}
    print("p99_ms_during_outage_by_route: " + " ".join(f"{r}={_p99(v):.0f}" for r, v in per_route.items()))
    print(f"store_p99_ms_before={_p99(store_ms['before']):.1f}")
    print(f"store_p99_ms_after={_p99(store_ms['after']):.1f}")
    print(f"same_server_process={same_process}")
    print(f"unanswered_requests={unanswered}")
    print(f"five_xx_other_than_502_504={other_5xx}")
    print(f"recovered_after_ms={recovered_ms:.0f}")
    print(f"store_p99_ms_during_outage={_p99(store_ms['outage']):.1f}")
    print(f"dead_host_max_ms={max((s.ms for s in dead), default=float('nan')):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mode", choices=("kill", "hang"), default="kill", help="kill -9 and restart, or SIGSTOP and SIGCONT"
    )
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of load before the kill")
    parser.add_argument("--outage", type=float, default=30.0, help="seconds the daemon stays down")
    parser.add_argument("--after", type=float, default=5.0, help="seconds of load after recovery")
    parser.add_argument("--recovery-bound", type=float, default=30.0, help="seconds allowed to recover")
    args = parser.parse_args()
    if not 1 <= args.clients <= 64:
        parser.error("--clients must be 1 to 64")
    run(args.mode, args.clients, args.warmup, args.outage, args.after, args.recovery_bound)


if __name__ == "__main__":
    main()
