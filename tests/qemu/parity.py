"""Start each corpus domain paused under hearth.qemu and under libvirt (same QEMU, TCG) and
compare the hardware both QEMUs report (shared by the parity test and bench/fidelity.py).

libvirt gets a transient domain (``virDomainCreateXML`` with START_PAUSED) under a run-unique
name, queried through ``libvirt_qemu.qemuMonitorCommand`` and destroyed at once; hearth.qemu
gets ``machine_from_domain`` with ``start_paused``. Neither guest runs an instruction.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libvirt
import libvirt_qemu

from hearth.domain import parse
from hearth.errors import HearthError
from hearth.qemu import Supervisor
from hearth.qemu.from_domain import machine_from_domain
from tests.libvirt_host import SYSTEM_URI, unique_prefix
from tests.qemu import hardware

CORPUS = Path(__file__).parent / "corpus"
LIBVIRT_NVRAM = "/var/lib/libvirt/qemu/nvram"

# Documents this host cannot start under either driver, and why (reported, not hidden).
HOST_LIMITS = {
    "memory-locked": "RLIMIT_MEMLOCK cannot be raised in this container (libvirt: 'cannot limit locked"
    " memory'; hearth.qemu refuses before starting QEMU, which would only warn and run unlocked)",
}


@dataclass
class Outcome:
    name: str
    translated: bool
    refused: str | None = None
    differences: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    pci_bridges: tuple[Any, Any] | None = None
    pci_layout_same: bool = False
    seconds: float = 0.0


def verdict(o: Outcome) -> str:
    """identical, both refused (each side refused to start it), or different."""
    if not o.differences:
        return "identical"
    if o.differences == ["start"] and all(str(v).startswith("refused") for v in o.detail["start"].values()):
        return "both refused"
    return "different"


def compared(outcomes: list[Outcome]) -> list[Outcome]:
    """The translated documents both sides started: those whose hardware can be compared."""
    return [o for o in outcomes if o.translated and verdict(o) != "both refused"]


def identical_pct(outcomes: list[Outcome]) -> float:
    """The share of compared documents whose guests are identical on every aspect."""
    started = compared(outcomes)
    return 100 * sum(1 for o in started if verdict(o) == "identical") / max(len(started), 1)


def corpus() -> list[Path]:
    return sorted(CORPUS.glob("*.xml"))


def hearth_facts(text: str, work: Path) -> dict[str, Any]:
    domain = parse(text)
    conv = machine_from_domain(domain, nvram_dir=work)
    machine = conv.machine
    machine.start_paused = True
    machine.accel = "tcg"
    with Supervisor(work / "state") as sup:
        vm = sup.launch(machine)
        try:
            return hardware.facts(lambda cmd, args: vm.qmp.execute(cmd, args))
        finally:
            vm.kill()


def _libvirt_facts(conn: libvirt.virConnect, text: str) -> dict[str, Any]:
    dom = conn.createXML(text, libvirt.VIR_DOMAIN_START_PAUSED)
    try:

        def execute(cmd: str, args: dict[str, Any] | None) -> Any:
            msg = {"execute": cmd, **({"arguments": args} if args else {})}
            reply = json.loads(libvirt_qemu.qemuMonitorCommand(dom, json.dumps(msg), 0))
            if "error" in reply:
                raise RuntimeError(reply["error"].get("desc"))
            return reply["return"]

        return hardware.facts(execute)
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            dom.destroy()


IMAGES = "/tmp/hearth-parity"  # corpus disk paths live here; each run makes them in its work dir


def _make_images(text: str, work: Path) -> None:
    """Empty images for the corpus document's disks (qcow2 or raw by its driver type)."""
    for disk in parse(text).devices.disks:
        path = disk.source_file
        if path and path.startswith(str(work)) and not Path(path).exists():
            fmt = "qcow2" if disk.driver_type == "qcow2" else "raw"
            subprocess.run(["qemu-img", "create", "-q", "-f", fmt, path, "16M"], check=True)


def _for_side(text: str, name: str, new_name: str, work: Path, nvram_root: str) -> str:
    text = text.replace(f"<name>{name}</name>", f"<name>{new_name}</name>").replace(IMAGES, str(work))
    text = text.replace(f"{LIBVIRT_NVRAM}/{name}_VARS.fd", f"{nvram_root}/{new_name}_VARS.fd")
    return text.replace("/tmp/parport0", str(work / "parport0"))


@contextlib.contextmanager
def _workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="hpar-", dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def compare(paths: list[Path]) -> list[Outcome]:
    prefix = unique_prefix("hp")
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)  # errors are raised, not printed
    conn = libvirt.open(SYSTEM_URI)
    out: list[Outcome] = []
    try:
        for path in paths:
            text = path.read_text()
            name = parse(text).name or path.stem
            started = time.monotonic()
            with _workdir() as work:
                ours_text = _for_side(text, name, name, work, str(work))
                _make_images(ours_text, work)
                try:
                    machine_from_domain(parse(ours_text), nvram_dir=work)
                except HearthError as exc:
                    out.append(Outcome(path.stem, translated=False, refused=exc.message))
                    continue
                theirs_name = f"{prefix}{path.stem}"[:48]
                theirs_text = _for_side(text, name, theirs_name, work, LIBVIRT_NVRAM)
                try:
                    theirs = _libvirt_facts(conn, theirs_text)
                except libvirt.libvirtError as exc:
                    theirs = {"start": f"refused: {exc.get_error_message()}"}
                finally:
                    with contextlib.suppress(OSError):
                        Path(f"{LIBVIRT_NVRAM}/{theirs_name}_VARS.fd").unlink()
                try:
                    ours = hearth_facts(ours_text, work)
                except HearthError as exc:
                    ours = {"start": f"refused: {exc.message}"}
            diff = hardware.differences(ours, theirs)
            outcome = Outcome(path.stem, translated=True, differences=diff)
            outcome.detail = {k: {"hearth": ours.get(k), "libvirt": theirs.get(k)} for k in diff}
            if "start" not in ours and "start" not in theirs:
                if ours["pci_bridges"] != theirs["pci_bridges"]:
                    outcome.pci_bridges = (ours["pci_bridges"], theirs["pci_bridges"])
                outcome.pci_layout_same = ours["pci_layout"] == theirs["pci_layout"]
            outcome.seconds = time.monotonic() - started
            out.append(outcome)
    finally:
        conn.close()
    return out


if __name__ == "__main__":
    import os
    import sys

    os.environ.setdefault("HEARTH_ACCEL", "tcg")
    chosen = [CORPUS / f"{n}.xml" for n in sys.argv[1:]] or corpus()
    for o in compare(chosen):
        print(
            o.name,
            "refused" if not o.translated else "OK" if not o.differences else "DIFF",
            round(o.seconds, 1),
        )
        for k, v in o.detail.items():
            print("   ", k, json.dumps(v)[:1500])
        if o.pci_bridges:
            print("    pci bridges", o.pci_bridges)
