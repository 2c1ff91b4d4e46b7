"""The host side of a qemu driver network, the way libvirt's NAT network is made: a Linux bridge,
the gateway address of each subnet on it, a dnsmasq serving DHCP on it, and an nftables table
that masquerades the subnets' traffic leaving by any other interface.

Everything is named from the network id (``hqb`` and 12 hex digits for the bridge, within the
kernel's 15 characters; ``hearth_<bridge>`` for the nftables table), and the dnsmasq's files live
in ``networks/<bridge>/`` under the driver's state directory, never in the host's own dnsmasq
directories. That directory is the driver's record of what it made on the host: a directory no
network row claims is a leftover, and ``remove`` takes away all of it (bridge, dnsmasq, table), so
a driver on another state directory, and the host's own bridges and rules, are never touched.

dnsmasq runs with DNS off (``port=0``): it serves DHCP only, so it never competes with the host's
resolver for port 53; guests get the gateway as router and no DNS server.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from hearth.errors import BackendError

from . import tapdevs

BRIDGE_PREFIX = "hqb"
_NFT_TIMEOUT = 10
_DNSMASQ = "dnsmasq"
_LEASE_TIME = "1h"


def bridge_name(network_id: str) -> str:
    """The bridge of network ``network_id`` (the NICs on it find it with no lookup)."""
    return BRIDGE_PREFIX + network_id.replace("-", "")[:12]


def nft_table(bridge: str) -> str:
    return f"hearth_{bridge}"


def gateway(block: str) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    """The host's address on a subnet: its first host address, with the subnet's prefix."""
    net = ipaddress.ip_network(block)
    return ipaddress.ip_interface(f"{net.network_address + 1}/{net.prefixlen}")


def apply(bridge: str, where: Path, blocks: Iterable[str]) -> None:
    """Make the host side of a network hold exactly ``blocks`` (its subnets): the bridge up with
    their gateways, dnsmasq (restarted) on the IPv4 ones, the NAT table for them. Idempotent, so a
    restarted driver calls it for every network it has."""
    blocks = list(blocks)
    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not tapdevs.exists(bridge):
        tapdevs.ip("link", "add", "name", bridge, "type", "bridge", "stp_state", "0")
    tapdevs.ip("addr", "flush", "dev", bridge, "scope", "global")
    for block in blocks:
        tapdevs.ip("addr", "add", str(gateway(block)), "dev", bridge)
    tapdevs.ip("link", "set", "dev", bridge, "up")
    stop_dnsmasq(where)
    v4 = [b for b in blocks if ipaddress.ip_network(b).version == 4]
    if v4:
        _start_dnsmasq(bridge, where, v4)
    _nat(bridge, v4)


def remove(bridge: str, where: Path) -> None:
    """Take the network's dnsmasq, NAT table and bridge away, then its directory (each gone
    already is fine)."""
    stop_dnsmasq(where)
    _nft_delete(nft_table(bridge))
    tapdevs.delete_link(bridge)
    shutil.rmtree(where, ignore_errors=True)


def leases(where: Path) -> dict[str, str]:
    """MAC → IPv4 address of each current DHCP lease dnsmasq wrote for the network."""
    try:
        lines = (where / "leases").read_text().splitlines()
    except FileNotFoundError:
        return {}
    found: dict[str, str] = {}
    for line in lines:
        fields = line.split()
        if len(fields) >= 3 and ":" in fields[1]:
            found[fields[1].lower()] = fields[2]
    return found


# --- dnsmasq ------------------------------------------------------------------------------------


def _conf(bridge: str, where: Path, blocks: list[str]) -> str:
    lines = [
        "port=0",  # DHCP only: no DNS server beside the host's
        "strict-order",
        "bind-dynamic",
        f"interface={bridge}",
        "except-interface=lo",
        "dhcp-authoritative",
        "dhcp-no-override",
        f"dhcp-leasefile={where / 'leases'}",
        f"pid-file={where / 'dnsmasq.pid'}",
    ]
    for block in blocks:
        net = ipaddress.ip_network(block)
        hosts = list(net.hosts())
        if len(hosts) < 2:
            continue  # a /31 or /32 has no address to hand out beside the gateway
        lines.append(f"dhcp-range={hosts[1]},{hosts[-1]},{net.netmask},{_LEASE_TIME}")
    return "\n".join(lines) + "\n"


def reserve(where: Path, reservations: Iterable[tuple[str, str]]) -> None:
    """Make dnsmasq hand exactly these (MAC, address) pairs out. They go into its configuration,
    read at start, and dnsmasq restarts (its leases file keeps what it leased): dnsmasq drops to
    ``nobody`` once started, so it could not reread a file in the driver's state directory."""
    conf = where / "dnsmasq.conf"
    try:
        lines = [x for x in conf.read_text().splitlines() if not x.startswith("dhcp-host=")]
    except FileNotFoundError:
        return  # no IPv4 subnet, so no dnsmasq
    lines += [f"dhcp-host={mac},{ip}" for mac, ip in reservations]
    running = dnsmasq_pid(where) is not None
    stop_dnsmasq(where)
    conf.write_text("\n".join(lines) + "\n")
    if running:
        _run_dnsmasq(where)


def _start_dnsmasq(bridge: str, where: Path, blocks: list[str]) -> None:
    conf = where / "dnsmasq.conf"
    kept = []
    with contextlib.suppress(FileNotFoundError):  # reservations survive a change of subnets
        kept = [x for x in conf.read_text().splitlines() if x.startswith("dhcp-host=")]
    conf.write_text(_conf(bridge, where, blocks) + "".join(f"{x}\n" for x in kept))
    _run_dnsmasq(where)


def _run_dnsmasq(where: Path) -> None:
    conf = where / "dnsmasq.conf"
    try:
        done = subprocess.run(
            [_DNSMASQ, f"--conf-file={conf}"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackendError(f"cannot start dnsmasq for {where.name}: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackendError(f"dnsmasq for bridge {where.name} did not start: {detail}")


def dnsmasq_pid(where: Path) -> int | None:
    """The pid of the network's dnsmasq if it runs (checked to be that dnsmasq, not a reused pid)."""
    try:
        pid = int((where / "dnsmasq.pid").read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if str(where / "dnsmasq.conf").encode() in cmdline else None


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for its reaper has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def stop_dnsmasq(where: Path) -> None:
    pid = dnsmasq_pid(where)
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    (where / "dnsmasq.pid").unlink(missing_ok=True)


# --- NAT ----------------------------------------------------------------------------------------


def _nft(script: str) -> None:
    try:
        done = subprocess.run(
            ["nft", "-f", "-"],
            input=script,
            capture_output=True,
            text=True,
            timeout=_NFT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackendError(f"nft failed: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["no message"])[0]
        raise BackendError(f"nft failed: {detail}")


def nft_has_table(table: str) -> bool:
    done = subprocess.run(
        ["nft", "list", "table", "ip", table], capture_output=True, timeout=_NFT_TIMEOUT, check=False
    )
    return done.returncode == 0


def _nft_delete(table: str) -> None:
    if nft_has_table(table):
        _nft(f"delete table ip {table}\n")


def _nat(bridge: str, blocks: list[str]) -> None:
    """The network's own table: its subnets masqueraded when they leave by another interface,
    forwarding to and from the bridge accepted. Replaced whole, so it holds exactly ``blocks``."""
    table = nft_table(bridge)
    rules = [f"add table ip {table}", f"delete table ip {table}", f"table ip {table} {{"]
    rules += [
        "  chain forward { type filter hook forward priority 0; policy accept;",
        f'    iifname "{bridge}" accept',
        f'    oifname "{bridge}" ct state established,related accept',
        "  }",
        "  chain postrouting { type nat hook postrouting priority 100; policy accept;",
    ]
    for block in blocks:
        rules.append(f'    ip saddr {block} oifname != "{bridge}" ip daddr != {block} masquerade')
    rules += ["  }", "}"]
    _nft("\n".join(rules) + "\n")
