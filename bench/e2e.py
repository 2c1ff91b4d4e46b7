"""Create the test guest through /v1 (libvirt driver), with virt-install and with bare QEMU, side by side.

Each round times, for each of the three, the way from "make me this VM" to the guest's ready
marker on its serial console: the same kernel, initramfs and command line, memory, vCPU, a new
1 GiB qcow2 disk and a NIC, all under TCG.

* Hearth: ``POST /v1/instances {"template": …}`` to a real ``hearth serve --driver libvirt``
  on qemu:///system, from the request until the marker is in the console log the driver keeps.
* virt-install: ``virt-install --import`` with the same guest on the same network and pool,
  from invocation until the marker is in its serial log.
* bare: ``qemu-img create`` then ``qemu-system-x86_64`` by hand (user-mode NIC, no libvirt).

Everything the bench makes on the host carries a run-unique prefix (``hb<6 hex>-``): its
network (isolated, on a /24 the host does not use), its pool (a directory under /var/tmp), the
server's domains and the virt-install domain. It is all removed at the end, also after a failure,
Ctrl-C or SIGTERM. Prints per-round figures and medians, then ``overhead_vs_bare_ms`` last.
Targets (reported, not asserted): Hearth within 500 ms of bare QEMU and ahead of virt-install.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import libvirt

from hearth.domain import StoragePool
from hearth.testing.guest import MARKER, GuestImage, guest_image, read_marker
from hearth.testing.networks import create_isolated_network

URI = "qemu:///system"
OS = "debian11"
MEMORY_MIB = 192
BOOT_TIMEOUT = 180.0
USER, PASSWORD = "bench", secrets.token_urlsafe(12)
TEMPLATE = "e2e-guest"
QEMU_LOGS = Path("/var/log/libvirt/qemu")


@dataclass(frozen=True)
class Run:
    """This run's names and directories on the host (all under ``root``, all removed at the end)."""

    prefix: str  # "hb1a2b3c": the server's name_prefix; every libvirt object starts "hb1a2b3c-"
    root: Path

    @property
    def network(self) -> str:
        return f"{self.prefix}-net"

    @property
    def pool(self) -> str:
        return f"{self.prefix}-pool"

    @property
    def pool_dir(self) -> Path:
        return self.root / "pool"

    @property
    def guest_dir(self) -> Path:
        return self.root / "guest"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def consoles(self) -> Path:
        """Where the driver's realm "local" keeps its guests' console logs (see hearth.drivers.libvirt)."""
        return self.state / "libvirt" / "local" / "consoles"


@dataclass(frozen=True)
class Boot:
    """One create, in seconds: ``total`` to the ready marker; ``spawned`` until its console log
    appeared (QEMU being started); ``guest`` the guest's own uptime at the marker (what it printed:
    its kernel and init, probing the devices it was given). The rest is QEMU's start, the firmware
    and loading the kernel."""

    total: float
    spawned: float
    guest: float


def wait_marker(log: Path, start: float, check: Callable[[], None] = lambda: None) -> Boot:
    """The time from ``start`` until the ready marker is in ``log`` (one poll loop for all three);
    ``check`` runs every 100 ms and raises when the thing being timed has failed."""
    needle, last_check, spawned = MARKER.encode(), 0.0, None
    while (now := time.perf_counter()) - start < BOOT_TIMEOUT:
        try:
            data = log.read_bytes()
            spawned = now - start if spawned is None else spawned
        except FileNotFoundError:
            data = b""
        at = data.find(needle)
        if at >= 0 and b"\n" in data[at:]:  # the whole line, so the uptime is not cut short
            uptime = read_marker(data[at:].decode(errors="replace"))
            if uptime is None:
                raise RuntimeError(f"{log}: a {MARKER} line without the guest's uptime")
            return Boot(now - start, spawned or 0.0, uptime)
        if now - last_check > 0.1:
            check()
            last_check = now
        time.sleep(0.002)
    raise TimeoutError(f"no {MARKER} in {log} after {BOOT_TIMEOUT:.0f}s")


# --- the bench's own libvirt network ------------------------------------------------------------


def make_network(conn: libvirt.virConnect, run: Run) -> None:
    """An isolated NAT-less network with DHCP, like libvirt's "default" but on a free /24."""
    create_isolated_network(conn, run.network, f"{run.prefix}-br")


# --- Hearth -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _hearth(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("hearth")), *args]


def start_server(run: Run, guest: GuestImage) -> tuple[subprocess.Popen[bytes], str]:
    """``hearth serve --driver libvirt`` with its own state dir, config and admin; returns its URL."""
    port = _free_port()
    config = run.root / "hearth.toml"
    roots = ", ".join(json.dumps(str(p)) for p in (Path("/boot"), run.guest_dir))
    config.write_text(
        f'driver = "libvirt"\nuris = ["{URI}"]\nstate_dir = "{run.state}"\nlisten = "127.0.0.1:{port}"\n'
        f'[libvirt]\nname_prefix = "{run.prefix}"\npool = "{run.pool}"\npool_path = "{run.pool_dir}"\n'
        f'shared_networks = ["{run.network}"]\nfile_roots = [{roots}]\n'
    )
    subprocess.run(
        _hearth("user", "add", USER, "--password", PASSWORD, "--admin", "--config", str(config)),
        check=True,
        capture_output=True,
    )
    log = (run.logs / "server.log").open("wb")
    proc = subprocess.Popen(
        _hearth("serve", "--config", str(config)),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches the bench, which stops the server after cleaning up
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"hearth serve exited with {proc.returncode}; see {run.logs / 'server.log'}")
        try:
            if httpx.get(f"{url}/v1/realms", auth=(USER, PASSWORD), timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("hearth serve did not answer within 60 s")


def _ok(resp: httpx.Response, *codes: int) -> dict[str, Any]:
    if resp.status_code not in codes:
        raise RuntimeError(f"{resp.request.method} {resp.request.url.path}: {resp.status_code} {resp.text}")
    body: dict[str, Any] = resp.json() if resp.content else {}
    return body


def make_template(client: httpx.Client, run: Run, guest: GuestImage) -> None:
    body = {
        "name": TEMPLATE,
        "os": OS,
        "memory": {"current": MEMORY_MIB},
        "vcpus": {"current": 1},
        "disks": [{"size": 1, "format": "qcow2"}],
        "networks": [run.network],
        "graphics": {"type": "none"},
        "kernel": str(guest.kernel),
        "initrd": str(guest.initrd),
        "cmdline": guest.append("wait"),
    }
    made = _ok(client.post("/v1/templates", json=body), 201)
    problems = {k: v for k, v in made.get("invalid", {}).items() if v}
    if problems:
        raise RuntimeError(f"the server calls the bench's template invalid: {problems}")
    # The server defines its pool on the host by now; virt-install's disks go there too (were it
    # missing, virt-install would define a pool of its own for the directory, under no prefix).
    pools = _ok(client.get("/v1/pools", params={"limit": 1000}), 200)["pools"]
    if not any(p["name"] == run.pool and p["path"] == str(run.pool_dir) for p in pools):
        raise RuntimeError(f"the server lists no pool {run.pool} at {run.pool_dir}: {pools}")


def _wait_state(client: httpx.Client, instance_id: str, state: str) -> None:
    deadline = time.monotonic() + BOOT_TIMEOUT
    while (now := _ok(client.get(f"/v1/instances/{instance_id}"), 200)["state"]) != state:
        if now == "ERROR" or time.monotonic() > deadline:
            raise RuntimeError(f"instance {instance_id} is {now}, waited for {state}")
        time.sleep(0.05)


def hearth_round(client: httpx.Client, run: Run, i: int) -> Boot:
    """POST /v1/instances → marker in the console log, then stop (force) and delete the instance.

    The instance id comes with the finished task, after the guest started; so the console log to
    watch is the new file that appears in the consoles directory (this server has no other guests)."""
    before = set(run.consoles.glob("*.log")) if run.consoles.is_dir() else set()
    task: dict[str, Any] = {}
    logs: list[Path] = []

    def check() -> None:
        if task and task["status"] not in ("succeeded", "failed"):
            task.update(_ok(client.get(f"/v1/tasks/{task['id']}"), 200))
        if task.get("status") == "failed":
            raise RuntimeError(f"creating the instance failed: {task.get('error')}")

    def console() -> Path:
        last_check = start
        while not logs:
            new = set(run.consoles.glob("*.log")) - before if run.consoles.is_dir() else set()
            if new:
                logs.extend(new)
                break
            if (now := time.perf_counter()) - start > BOOT_TIMEOUT:
                raise TimeoutError("no console log appeared")
            if now - last_check > 0.1:  # the task, as seldom as wait_marker asks
                check()
                last_check = now
            time.sleep(0.002)
        return logs[0]

    start = time.perf_counter()
    resp = client.post("/v1/instances", json={"template": TEMPLATE, "name": f"r{i}"})
    task.update(_ok(resp, 202))  # always a task, Location the instance to be
    elapsed = wait_marker(console(), start, check)
    deadline = time.monotonic() + BOOT_TIMEOUT
    while task and task["status"] != "succeeded":
        check()
        if time.monotonic() > deadline:
            raise RuntimeError(f"task {task['id']} still {task['status']}")
        time.sleep(0.05)
    instance_id = task["result"]["id"]
    if logs[0].stem != instance_id:
        raise RuntimeError(f"console log {logs[0]} is not instance {instance_id}'s")
    _ok(client.post(f"/v1/instances/{instance_id}/stop", json={"force": True}), 202)
    _wait_state(client, instance_id, "STOPPED")
    _ok(client.delete(f"/v1/instances/{instance_id}"), 204)
    return elapsed


# --- virt-install and bare QEMU -----------------------------------------------------------------


def virt_install_round(conn: libvirt.virConnect, run: Run, guest: GuestImage, i: int) -> Boot:
    """virt-install --import of the same guest → marker in its serial log; then the domain and its
    disk are removed."""
    name, log = f"{run.prefix}-vi{i}", run.logs / f"virt-install-{i}.log"
    disk = run.pool_dir / f"{name}.qcow2"
    args = f'kernel={guest.kernel},initrd={guest.initrd},kernel_args="{guest.append("wait")}"'
    argv = ["virt-install", "--connect", URI, "--name", name, "--virt-type", "qemu", "--osinfo", OS]
    argv += ["--memory", str(MEMORY_MIB), "--vcpus", "1", "--import", "--boot", args]
    argv += ["--disk", f"path={disk},size=1,format=qcow2", "--network", f"network={run.network}"]
    argv += ["--graphics", "none", "--serial", f"pty,log.file={log}", "--noautoconsole"]
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def check() -> None:
        if proc.poll() not in (None, 0):
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise RuntimeError(f"virt-install exited with {proc.returncode}:\n{out}")

    try:
        elapsed = wait_marker(log, start, check)
        proc.wait(60)
        check()
        return elapsed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        _remove_domain(conn, name)
        _remove_volume(conn, run.pool, disk.name)


def bare_round(run: Run, guest: GuestImage, i: int) -> Boot:
    """qemu-img create + qemu-system-x86_64 with the same guest, disk and a NIC → marker."""
    disk, log = run.root / f"bare-{i}.qcow2", run.logs / f"bare-{i}.log"
    argv = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", "max", "-m", str(MEMORY_MIB)]
    argv += ["-smp", "1", "-nodefaults", "-no-user-config", "-display", "none"]
    argv += ["-kernel", str(guest.kernel), "-initrd", str(guest.initrd), "-append", guest.append("wait")]
    argv += ["-drive", f"file={disk},if=virtio,format=qcow2", "-nic", "user,model=virtio-net-pci"]
    argv += ["-serial", f"file:{log}"]
    start = time.perf_counter()
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "1G"], check=True)
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )

    def check() -> None:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"qemu-system-x86_64 exited with {proc.returncode}: {err}")

    try:
        return wait_marker(log, start, check)
    finally:
        proc.kill()
        proc.wait()
        disk.unlink(missing_ok=True)


# --- cleanup ------------------------------------------------------------------------------------


def _remove_domain(conn: libvirt.virConnect, name: str) -> None:
    try:
        dom = conn.lookupByName(name)
    except libvirt.libvirtError:
        return
    if dom.isActive():
        dom.destroy()
    dom.undefineFlags(
        libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
        | libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
        | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
    )


def _remove_volume(conn: libvirt.virConnect, pool: str, volume: str) -> None:
    with contextlib.suppress(libvirt.libvirtError):
        conn.storagePoolLookupByName(pool).storageVolLookupByName(volume).delete(0)


def _inside(run: Run, pool: libvirt.virStoragePool) -> bool:
    """Whether the pool's directory is in this run's (one virt-install made, should it ever)."""
    path = StoragePool.from_xml(pool.XMLDesc(0)).target_path
    return path is not None and Path(path).is_relative_to(run.root)


def _mine(run: Run, conn: libvirt.virConnect) -> list[str]:
    """Every domain, network and pool on the host named with this run's prefix or in its directory."""
    mark = f"{run.prefix}-"
    objects = [*conn.listAllDomains(0), *conn.listAllNetworks(0)]
    pools = [p for p in conn.listAllStoragePools(0) if p.name().startswith(mark) or _inside(run, p)]
    return sorted([o.name() for o in objects if o.name().startswith(mark)] + [p.name() for p in pools])


def cleanup(run: Run, server: subprocess.Popen[bytes] | None) -> None:
    """Stop the server, then remove every libvirt object and file of this run; says what it could not."""
    if server is not None and server.poll() is None:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    mark = f"{run.prefix}-"
    conn = libvirt.open(URI)
    try:
        for dom in conn.listAllDomains(0):
            if dom.name().startswith(mark):
                _remove_domain(conn, dom.name())
        for pool in conn.listAllStoragePools(0):
            if pool.name().startswith(mark) or _inside(run, pool):
                if pool.isActive():
                    pool.refresh(0)
                    for vol in pool.listAllVolumes(0):
                        vol.delete(0)
                    pool.destroy()
                pool.undefine()
        for net in conn.listAllNetworks(0):
            if net.name().startswith(mark):
                if net.isActive():
                    net.destroy()
                net.undefine()
        left = _mine(run, conn)
    finally:
        conn.close()
    for log in QEMU_LOGS.glob(f"{mark}*.log"):  # libvirt keeps a domain's log after it is undefined
        log.unlink(missing_ok=True)
    shutil.rmtree(run.root, ignore_errors=True)
    if left or run.root.exists():
        print(f"cleanup left behind: {', '.join(left) or run.root}", file=sys.stderr)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed creates of each kind (default 3)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    os.environ["HEARTH_ACCEL"] = "tcg"
    run = Run(
        prefix=f"hb{secrets.token_hex(3)}", root=Path("/var/tmp") / f"hearth-bench-{secrets.token_hex(4)}"
    )
    signal.signal(signal.SIGTERM, _interrupt)
    server: subprocess.Popen[bytes] | None = None
    times: dict[str, list[Boot]] = {"hearth": [], "virt_install": [], "bare": []}
    try:
        run.root.mkdir(mode=0o755)
        for d in (run.guest_dir, run.pool_dir, run.logs):
            d.mkdir(mode=0o755)
        run.state.mkdir(mode=0o700)
        for d in (run.root, run.guest_dir, run.pool_dir, run.logs):
            d.chmod(0o755)  # whatever the umask: QEMU (libvirt-qemu) must reach the guest and pool
        guest = guest_image(run.guest_dir)
        conn = libvirt.open(URI)
        try:
            make_network(conn, run)
            server, url = start_server(run, guest)
            with httpx.Client(base_url=url, auth=(USER, PASSWORD), timeout=120) as client:
                make_template(client, run, guest)
                kinds: dict[str, Callable[[int], Boot]] = {
                    "hearth": lambda i: hearth_round(client, run, i),
                    "virt_install": lambda i: virt_install_round(conn, run, guest, i),
                    "bare": lambda i: bare_round(run, guest, i),
                }
                for once in kinds.values():  # warm-up, not timed: page cache, the server's caches
                    once(0)
                names = list(kinds)
                for i in range(1, args.rounds + 1):
                    for name in names[i % 3 :] + names[: i % 3]:  # each kind goes first in turn
                        times[name].append(kinds[name](i))
                _ok(client.delete(f"/v1/templates/{TEMPLATE}"), 204)
        finally:
            conn.close()
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not stop the cleanup
        cleanup(run, server)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    print(f"rounds={args.rounds} accel=tcg memory_mib={MEMORY_MIB} disk=1GiB-qcow2")
    for kind, boots in times.items():
        print(f"{kind}_rounds_ms=" + ",".join(f"{b.total * 1e3:.0f}" for b in boots))
        # Where the time went: the way to QEMU's start (the management path), the guest's own part.
        print(f"{kind}_spawned_ms={statistics.median(b.spawned for b in boots) * 1e3:.0f}")
        print(f"{kind}_guest_ms={statistics.median(b.guest for b in boots) * 1e3:.0f}")
    med = {k: statistics.median(b.total for b in v) * 1e3 for k, v in times.items()}
    print(f"hearth_ms={med['hearth']:.0f}")
    print(f"virt_install_ms={med['virt_install']:.0f}")
    print(f"bare_ms={med['bare']:.0f}")
    print(f"overhead_vs_bare_ms={med['hearth'] - med['bare']:.0f}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("e2e: interrupted; everything it made on the host is removed")
    except (RuntimeError, TimeoutError, libvirt.libvirtError, subprocess.CalledProcessError) as exc:
        sys.exit(f"e2e: {exc}")
