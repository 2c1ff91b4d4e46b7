"""Regular expressions for the address formats requests carry, as the OpenAPI document declares them.

The checks in ``resources`` (``check_cidr``, ``check_ip``) decide; these patterns say the same
thing to clients and fuzzers, exactly where a regular expression can: an IPv4 block with its
host bits clear, any IP address (a MAC's pattern is in ``hearth.vocab.mac``, beside its check).
An IPv6 block is declared in its common written form (whole 16-bit groups before ``::``); the
server also takes other prefix lengths. Built once from parts, without look-arounds, so every
regex engine (and Hypothesis) reads them.
"""

from __future__ import annotations

_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_HEX = "[0-9A-Fa-f]"
_GROUP = f"{_HEX}{{1,4}}"

IPV4 = rf"{_OCTET}(\.{_OCTET}){{3}}"


def _ipv6() -> str:
    g = _GROUP
    forms = [
        f"({g}:){{7}}{g}",
        f"({g}:){{1,7}}:",
        f"({g}:){{1,6}}:{g}",
        *(f"({g}:){{1,{5 - i}}}(:{g}){{1,{i + 2}}}" for i in range(4)),
        f"{g}:(:{g}){{1,6}}",
        f":((:{g}){{1,7}}|:)",
        f"::(ffff(:0{{1,4}})?:)?{IPV4}",
        f"({g}:){{1,4}}:{IPV4}",
    ]
    return "(" + "|".join(forms) + ")"


IPV6 = _ipv6()
IP_PATTERN = f"^({IPV4}|{IPV6})$"


def _ipv4_block() -> str:
    """Every prefix length with exactly the addresses whose host bits are clear."""
    forms = []
    for prefix in range(33):
        full, rem = divmod(prefix, 8)
        parts = [_OCTET] * full
        if full < 4:
            step = 1 << (8 - rem)
            parts.append("(" + "|".join(str(v) for v in range(0, 256, step)) + ")")
            parts += ["0"] * (3 - full)
        forms.append(r"\.".join(parts) + f"/{prefix}")
    return "(" + "|".join(forms) + ")"


def _ipv6_block() -> str:
    g = _GROUP
    forms = ["::/0", f"({g}:){{7}}{g}/128"]
    forms += [f"({g}:){{{n}}}:/{16 * n}" for n in range(1, 8)]
    return "(" + "|".join(forms) + ")"


CIDR_PATTERN = f"^({_ipv4_block()}|{_ipv6_block()})$"


ABSOLUTE_PATH = r"^/[^\x00]*$"
LINE = r"^[^\x00\r\n]*$"
LOCAL_FILE = r"/[^\x00\r\n]*"
# A TCP port, 0-65535 (a URL parser refuses a larger one).
_PORT = r"(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[0-5][0-9]{4}|[0-9]{1,4})"
# A URL QEMU can read a medium from: http(s)/ftp(s), a host, a file (no credentials).
MEDIA_URL = rf"(https?|ftps?)://[A-Za-z0-9][A-Za-z0-9.-]*(:{_PORT})?(/[A-Za-z0-9._~%-]+)+"
SHA256 = r"^[0-9A-Fa-f]{64}$"
