"""Real network devices for tests: veth pairs, macvtaps, taps, Linux and OVS bridges.

Each helper creates devices with a random name prefix (so parallel test runs and other helpers'
devices never collide) and removes them on exit, even when the test fails. Needs root and, for
OVS, a running Open vSwitch (started with scripts/start-services.sh when it is not).
"""

from __future__ import annotations

import fcntl
import secrets
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_SIOCBRADDBR = 0x89A0
_SIOCBRDELBR = 0x89A1


def run(*argv: str) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    return done.stdout


def unique(prefix: str = "hth") -> str:
    """A fresh device name stem (at most 11 characters, leaving room for a suffix)."""
    return f"{prefix}{secrets.token_hex(3)}"


def exists(name: str) -> bool:
    return Path("/sys/class/net", name).exists()


def _delete(name: str) -> None:
    if exists(name):
        subprocess.run(["ip", "link", "del", name], capture_output=True, check=False)


@contextmanager
def veth_pair() -> Iterator[tuple[str, str]]:
    stem = unique()
    a, b = f"{stem}a", f"{stem}b"
    run("ip", "link", "add", a, "type", "veth", "peer", "name", b)
    try:
        yield a, b
    finally:
        _delete(a)
        _delete(b)


@contextmanager
def macvtap_on(lower: str, mode: str = "bridge") -> Iterator[str]:
    name = f"{unique()}m"
    run("ip", "link", "add", "link", lower, "name", name, "type", "macvtap", "mode", mode)
    try:
        yield name
    finally:
        _delete(name)


@contextmanager
def tap_device() -> Iterator[str]:
    name = f"{unique()}t"
    run("ip", "tuntap", "add", "dev", name, "mode", "tap")
    try:
        yield name
    finally:
        subprocess.run(["ip", "tuntap", "del", "dev", name, "mode", "tap"], capture_output=True, check=False)


@contextmanager
def linux_bridge() -> Iterator[str]:
    """A Linux bridge made with the bridge ioctl (this kernel refuses ``ip link add type bridge``)."""
    name = f"{unique()}r"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s.fileno(), _SIOCBRADDBR, name.encode() + b"\0")
    try:
        yield name
    finally:
        subprocess.run(["ip", "link", "set", name, "down"], capture_output=True, check=False)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                fcntl.ioctl(s.fileno(), _SIOCBRDELBR, name.encode() + b"\0")
            except OSError:
                _delete(name)


def ensure_ovs() -> None:
    ok = subprocess.run(["ovs-vsctl", "--timeout=2", "show"], capture_output=True, check=False)
    if ok.returncode != 0:
        run("bash", str(REPO / "scripts" / "start-services.sh"))


@contextmanager
def ovs_bridge() -> Iterator[str]:
    """An OVS bridge on the userspace datapath (no kernel module needed)."""
    ensure_ovs()
    name = f"{unique()}o"
    run("ovs-vsctl", "--timeout=10", "add-br", name, "--", "set", "bridge", name, "datapath_type=netdev")
    try:
        yield name
    finally:
        subprocess.run(
            ["ovs-vsctl", "--timeout=10", "--if-exists", "del-br", name], capture_output=True, check=False
        )
