"""Site defaults for templates, from a Kimchi-style ``template.conf`` (INI) file.

A template states what its author cares about; everything else comes from here, then from the
OS's osinfo data, then from built-in values. The file is optional, but what is in it must be
right: an unknown section or key is an error naming the file, section and key, because a typo
silently ignored would make every new template differ from what the administrator wrote.

    [main]
    networks = default          ; comma-separated libvirt networks; empty for none
    [memory]
    current = 1024              ; MiB; absent: the OS's recommendation
    max = 2048                  ; MiB; absent: same as current
    [processor]
    vcpus = 1                   ; absent: the OS's recommendation
    maxvcpus = 4                ; absent: same as vcpus
    [storage]
    size = 10                   ; GiB of the default disk; absent: the OS's recommendation
    format = qcow2              ; qcow2 | raw
    pool = default              ; absent: the driver's default pool
    [graphics]
    type = vnc                  ; vnc | spice | none
    listen = 127.0.0.1
"""

from __future__ import annotations

import configparser
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from hearth.drivers.resources import NAME_PATTERN, DiskFormat, check_ip
from hearth.errors import ValidationError
from hearth.vocab.graphics import GraphicsType

ENV_VAR = "HEARTH_TEMPLATE_CONF"
SYSTEM_PATH = Path("/etc/hearth/template.conf")
MAX_BYTES = 64 * 1024
FALLBACK_MEMORY_MIB = 1024
FALLBACK_DISK_GIB = 10
T = TypeVar("T")


@dataclass(frozen=True)
class TemplateDefaults:
    """None means "not set here": the osinfo recommendation (then a built-in value) applies."""

    networks: tuple[str, ...] = ("default",)
    memory_mib: int | None = None
    max_memory_mib: int | None = None
    vcpus: int | None = None
    max_vcpus: int | None = None
    disk_size_gib: int | None = None
    disk_format: DiskFormat = DiskFormat.qcow2
    disk_pool: str | None = None
    graphics_type: GraphicsType = GraphicsType.vnc
    graphics_listen: str = "127.0.0.1"
    source: str = field(default="built-in defaults", compare=False)


def _int(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not re.fullmatch(r"[0-9]+", text) or not low <= int(text) <= high:
            raise ValueError(f"a whole number from {low} to {high}")
        return int(text)

    return parse


def _name(text: str) -> str:
    if not re.match(NAME_PATTERN, text):
        raise ValueError("a name of letters, digits, '.', '_' or '-'")
    return text


def _names(text: str) -> tuple[str, ...]:
    return tuple(_name(n.strip()) for n in text.split(",") if n.strip())


def _enum(kind: Callable[[str], T], choices: list[str]) -> Callable[[str], T]:
    def parse(text: str) -> T:
        if text not in choices:
            raise ValueError(f"one of {', '.join(choices)}")
        return kind(text)

    return parse


def _ip(text: str) -> str:
    try:
        return check_ip(text)
    except ValueError:
        raise ValueError("an IP address") from None


_MEM = _int(16, 16 * 1024 * 1024)
_CPUS = _int(1, 4096)
# section → key → (TemplateDefaults field, parser)
_SCHEMA: dict[str, dict[str, tuple[str, Callable[[str], Any]]]] = {
    "main": {"networks": ("networks", _names)},
    "memory": {"current": ("memory_mib", _MEM), "max": ("max_memory_mib", _MEM)},
    "processor": {"vcpus": ("vcpus", _CPUS), "maxvcpus": ("max_vcpus", _CPUS)},
    "storage": {
        "size": ("disk_size_gib", _int(1, 16 * 1024)),
        "format": ("disk_format", _enum(DiskFormat, [f.value for f in DiskFormat])),
        "pool": ("disk_pool", _name),
    },
    "graphics": {
        "type": ("graphics_type", _enum(GraphicsType, [g.value for g in GraphicsType])),
        "listen": ("graphics_listen", _ip),
    },
}


def default_path() -> Path | None:
    """``$HEARTH_TEMPLATE_CONF`` if set, else /etc/hearth/template.conf if it exists, else none."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env)
    return SYSTEM_PATH if SYSTEM_PATH.is_file() else None


def load_defaults(path: Path | None) -> TemplateDefaults:
    """The defaults in ``path``; built-in ones when ``path`` is None."""
    if path is None:
        return TemplateDefaults()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(
            f"cannot read template defaults {path}: {exc.strerror}", path=str(path)
        ) from None
    if len(raw) > MAX_BYTES:
        raise ValidationError(f"template defaults {path} is larger than {MAX_BYTES} bytes", path=str(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"template defaults {path} is not UTF-8 text", path=str(path)) from None
    return parse_defaults(text, str(path))


def parse_defaults(text: str, where: str = "template.conf") -> TemplateDefaults:
    parser = configparser.ConfigParser(
        interpolation=None, inline_comment_prefixes=(";", "#"), default_section="\0none"
    )
    try:
        parser.read_string(text, source=where)
    except configparser.Error as exc:
        first = str(exc).splitlines()[0]
        raise ValidationError(f"template defaults {where}: {first}", path=where) from None
    values: dict[str, Any] = {}
    for section in parser.sections():
        keys = _SCHEMA.get(section)
        if keys is None:
            raise ValidationError(
                f"template defaults {where}: unknown section [{section}] (known: {', '.join(_SCHEMA)})",
                path=where,
                section=section,
            )
        for key, text_value in parser.items(section):
            if key not in keys:
                raise ValidationError(
                    f"template defaults {where}: unknown key {key!r} in [{section}] "
                    f"(known: {', '.join(keys)})",
                    path=where,
                    section=section,
                    key=key,
                )
            attr, parse = keys[key]
            try:
                values[attr] = parse(text_value.strip())
            except ValueError as exc:
                raise ValidationError(
                    f"template defaults {where}: [{section}] {key} = {text_value.strip()!r} is not {exc}",
                    path=where,
                    section=section,
                    key=key,
                ) from None
    defaults = TemplateDefaults(**values, source=where)
    _check_pairs(defaults, where)
    return defaults


def _check_pairs(d: TemplateDefaults, where: str) -> None:
    if d.memory_mib is not None and d.max_memory_mib is not None and d.max_memory_mib < d.memory_mib:
        raise ValidationError(f"template defaults {where}: [memory] max is below current", path=where)
    if d.vcpus is not None and d.max_vcpus is not None and d.max_vcpus < d.vcpus:
        raise ValidationError(f"template defaults {where}: [processor] maxvcpus is below vcpus", path=where)
