"""How a guest's vCPUs are laid out, and libvirt's rule for it: the layout adds up to the maximum.

A guest's sockets x cores x threads (x dies, where QEMU is told them) must equal its maximum
vCPU count: libvirt refuses anything else on define, QEMU on start. The contract, the
templates, the designer and ``hearth.qemu`` check it here, before either does.
"""

from __future__ import annotations

from math import prod

# The largest count of each level a request may give (QEMU's and libvirt's limits).
MAX_SOCKETS = 4096
MAX_CORES = 4096
MAX_THREADS = 64
LIMITS = {"sockets": MAX_SOCKETS, "cores": MAX_CORES, "threads": MAX_THREADS}


def topology_problem(maximum: int, **levels: int) -> str | None:
    """Why ``levels`` (sockets=…, cores=…, threads=…, in that order) do not fit a guest of
    ``maximum`` vCPUs, or None; the reason reads after "topology"."""
    cpus = prod(levels.values())
    if cpus == maximum:
        return None
    return f"gives {cpus} vCPUs ({' x '.join(levels)}) but the maximum is {maximum}"


def level_problem(label: str, value: object) -> str | None:
    """Why ``value`` is not a count of ``label`` ("sockets", "cores", "threads"), or None."""
    top = LIMITS[label]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        return f"topology {label} must be a whole number from 1 to {top}, not {value!r}"
    return None
