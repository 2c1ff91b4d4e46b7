"""What ``Designer.for_host`` reads from a libvirt host, once: the designer's only libvirt use.

Importing the designer never imports libvirt: this module does so only when a caller asks
for a host by URI. Given an open connection it only reads through it (and leaves it open).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from hearth.designer.accel import ENV_VAR, requested
from hearth.designer.inuse import refuse_disks_in_use
from hearth.domain import Domain, DomainCapabilities, HostCapabilities
from hearth.errors import BackendError, NotSupported


@dataclass(frozen=True)
class HostFacts:
    host_caps: HostCapabilities
    domain_caps: DomainCapabilities | None
    domain_type: str
    domains: tuple[Domain, ...]


def domains_on(conn: Any) -> list[Domain]:
    """Every domain defined or running on ``conn`` (a ``libvirt.virConnect``), as parsed XML.

    A domain that disappears while being listed is skipped: it uses nothing any more.
    """
    import libvirt

    found = []
    for dom in conn.listAllDomains(0):
        try:
            found.append(Domain.from_xml(dom.XMLDesc(0)))
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                raise
    return found


def check_disks_free(conn: Any, domain: Domain) -> None:
    """Refuse (Conflict, naming the domain) ``domain``'s disks that a domain on ``conn`` uses."""
    refuse_disks_in_use(domain, domains_on(conn))


def choose_domain_type(conn_type: str, host: HostCapabilities, arch: str) -> str:
    """``test`` on libvirt's test driver; else KVM when the host offers it for ``arch`` and
    ``HEARTH_ACCEL`` does not say ``tcg``, else ``qemu`` (TCG)."""
    if conn_type.lower() == "test":
        return "test"
    want = requested()
    if want == "tcg":
        return "qemu"
    guest = host.guest(arch)
    offered = [t.type for t in guest.domain_types] if guest is not None else []
    if "kvm" in offered:
        return "kvm"
    if want == "kvm":
        raise NotSupported(f"{ENV_VAR}=kvm, but this host offers no KVM for {arch} guests", arch=arch)
    return "qemu"


def read_host(conn_or_uri: object | str | None, domain_type: str | None = None) -> HostFacts:
    if conn_or_uri is None or isinstance(conn_or_uri, str):
        import libvirt

        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)  # errors are raised, not printed
        uri = conn_or_uri or os.environ.get("LIBVIRT_DEFAULT_URI") or None
        try:
            conn = libvirt.open(uri)  # read-only connections may not read domain capabilities
        except libvirt.libvirtError as exc:
            raise BackendError(
                f"cannot connect to libvirt at {uri or 'its default URI'}: {exc.get_error_message()}",
                uri=uri,
            ) from None
        try:
            return _read(conn, domain_type)
        finally:
            conn.close()
    return _read(conn_or_uri, domain_type)


def _read(conn: Any, domain_type: str | None) -> HostFacts:
    import libvirt

    try:
        host = HostCapabilities.from_xml(conn.getCapabilities())
        arch = host.host_arch or "x86_64"
        dtype = domain_type or choose_domain_type(conn.getType(), host, arch)
        domcaps: DomainCapabilities | None = None
        if dtype != "test":  # the test driver has no domain capabilities
            domcaps = DomainCapabilities.from_xml(conn.getDomainCapabilities(None, arch, None, dtype, 0))
        domains = tuple(domains_on(conn))
    except libvirt.libvirtError as exc:
        raise BackendError(f"reading the host through libvirt failed: {exc.get_error_message()}") from None
    return HostFacts(host, domcaps, dtype, domains)
