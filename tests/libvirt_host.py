"""What tests may make on a libvirt host: run-unique names, an isolated network, and a guard.

A fresh Debian 12 host has no storage pool and (without libvirt-daemon-config-network) no
network; a developer's host has both, and they are not the tests' to touch. Every prefix a test
takes comes from ``unique_prefix`` and is remembered, so the session guard in ``tests/conftest.py``
can prove at the end that nothing that was on the host before is gone and nothing a test made is
left behind.
"""

from __future__ import annotations

import secrets

import libvirt

from hearth.testing.networks import create_isolated_network

SYSTEM_URI = "qemu:///system"
HANDED_OUT: set[str] = set()


def unique_prefix(stem: str = "ht") -> str:
    """A name prefix no other test run uses (``ht1a2b3c-``), remembered for the session guard."""
    prefix = f"{stem}{secrets.token_hex(3)}-"
    HANDED_OUT.add(prefix)
    return prefix


def create_network(uri: str, prefix: str) -> str:
    """An isolated libvirt network ``<prefix>net`` with DHCP on a free /24; returns its name."""
    conn = libvirt.open(uri)
    try:
        return create_isolated_network(conn, f"{prefix}net", f"{prefix}br")
    finally:
        conn.close()


def host_objects(uri: str) -> set[tuple[str, str]]:
    """Every (kind, name) of domain, network and storage pool defined on the host."""
    conn = libvirt.open(uri)
    try:
        return (
            {("domain", d.name()) for d in conn.listAllDomains(0)}
            | {("network", n.name()) for n in conn.listAllNetworks(0)}
            | {("pool", p.name()) for p in conn.listAllStoragePools(0)}
        )
    finally:
        conn.close()
