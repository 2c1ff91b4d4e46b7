"""What tests of the qemu driver's networks look at on the host: a free block, dnsmasq, nftables."""

from __future__ import annotations

import ipaddress
import json
import secrets
import subprocess
from pathlib import Path


def free_block() -> str:
    """A 10.x.y.0/24 that no route of the host overlaps (picked at random, so runs differ)."""
    routes = json.loads(
        subprocess.run(
            ["ip", "-j", "-4", "route", "show", "table", "all"], capture_output=True, text=True, check=True
        ).stdout
        or "[]"
    )
    used = []
    for route in routes:
        try:
            used.append(ipaddress.IPv4Network(route.get("dst", ""), strict=False))
        except ValueError:
            continue
    for _ in range(100):
        block = ipaddress.IPv4Network(f"10.{secrets.randbelow(200) + 40}.{secrets.randbelow(256)}.0/24")
        if not any(block.overlaps(u) for u in used):
            return str(block)
    raise AssertionError("no free /24 under 10.0.0.0/8")


def dnsmasq_running(conf: Path) -> bool:
    out = subprocess.run(["pgrep", "-f", f"dnsmasq --conf-file={conf}"], capture_output=True, text=True)
    return bool(out.stdout.strip())


def nft_table_exists(table: str) -> bool:
    return subprocess.run(["nft", "list", "table", "ip", table], capture_output=True).returncode == 0
