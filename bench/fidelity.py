"""Same domain, same guest? Start each corpus domain paused under hearth.qemu and under libvirt
(qemu:///system, same QEMU, TCG) and compare the hardware both QEMUs report, side by side.

Prints one line per document (identical / both refused, with the reason / the aspects that
differ, with both sides' answers; whether every PCI device sits in the same place), the run
time, and ``identical_pct`` last: of the translated documents both sides started, the share
whose guests are identical on every aspect compared (tests/qemu/hardware.py).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.qemu import parity


def main() -> None:
    os.environ.setdefault("HEARTH_ACCEL", "tcg")
    began = time.monotonic()
    outcomes = parity.compare(parity.corpus())
    translated = [o for o in outcomes if o.translated]
    for o in outcomes:
        verdict = parity.verdict(o) if o.translated else f"refused: {o.refused}"
        extra = f" ({', '.join(o.differences)})" if verdict == "different" else ""
        pci = " [same PCI placement]" if o.pci_layout_same else ""
        print(f"{o.name:28} {verdict}{extra}{pci} {o.seconds:.1f}s")
        if verdict == "both refused":
            print(f"{'':28} why: {parity.HOST_LIMITS.get(o.name, 'unexplained')}")
        for aspect, sides in o.detail.items() if verdict == "different" else ():
            print(f"{'':28} {aspect}: {json.dumps(sides)[:600]}")
    started = parity.compared(outcomes)
    print(f"pci_placement_identical={sum(1 for o in started if o.pci_layout_same)} of {len(started)} started")
    print(f"documents={len(outcomes)} translated={len(translated)} compared={len(started)}")
    print(f"seconds={time.monotonic() - began:.1f}")
    print(f"identical_pct={parity.identical_pct(outcomes):.1f}")


if __name__ == "__main__":
    main()
