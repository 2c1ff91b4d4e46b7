"""One representation for everything QEMU is told: a driver name plus a map of properties.

govmm gives every device its own Go struct with its own hand-written ``QemuParams``; each
one escapes (or forgets to escape) values on its own. Here a device is a plain dict such as
``{"driver": "virtio-blk-pci", "drive": "hd0", "bootindex": 1}`` and a backend is the same
kind of dict tagged with the option it belongs to. The same dict becomes either one
``-device``/``-blockdev`` argument or the arguments of a QMP ``device_add``/``blockdev-add``,
so hotplug and cold plug cannot drift apart, and the rendering rules live in one place:

* a comma in a value is doubled (QEMU's own escape), so a value can never start a new key;
* keys and driver names must look like QEMU identifiers, so ``=`` or ``,`` cannot sneak in;
* control characters (newline, NUL, ...) are refused outright: they have no use in a
  QEMU option and only serve to forge log lines or confuse argv consumers;
* booleans become ``on``/``off``; nested maps (``file.filename``) become dotted keys.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from hearth.errors import ValidationError

Scalar: TypeAlias = str | int | float | bool
Value: TypeAlias = "Scalar | Mapping[str, Value] | Sequence[Value]"
Props: TypeAlias = Mapping[str, Value]
# A device is its driver plus flat properties: {"driver": "virtio-blk-pci", "drive": "hd0"}.
Device: TypeAlias = dict[str, Scalar]

BackendKind = Literal["blockdev", "netdev", "object", "chardev", "fsdev", "audiodev"]

# The key each option takes as its unnamed first element, and whether the option is parsed
# by QEMU's keyval parser (lists as key.N) or by QemuOpts (lists as a repeated key).
_IMPLIED: dict[str, str | None] = {
    "device": "driver",
    "blockdev": None,
    "netdev": "type",
    "object": "qom-type",
    "chardev": "backend",
    "fsdev": "fsdriver",
    "audiodev": "driver",
    "machine": "type",
    "numa": "type",
    "rtc": None,
    "boot": None,
}
_TYPE_KEY: dict[str, str] = {
    "device": "driver",
    "blockdev": "driver",
    "netdev": "type",
    "object": "qom-type",
    "chardev": "backend",
    "fsdev": "fsdriver",
    "audiodev": "driver",
    "machine": "type",
    "numa": "type",
}
_KEYVAL = frozenset({"blockdev", "object"})

_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_+.-]*$")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
# QEMU's own rule for ids (id_wellformed): a letter, then letters, digits, '-', '.', '_'.
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
NODE_NAME_MAX = 31


@dataclass(frozen=True)
class Backend:
    """A host-side object a device points at: one ``-blockdev``/``-netdev``/... argument.

    ``props`` carries its type under the option's own key (``driver`` for blockdev,
    ``type`` for netdev, ``qom-type`` for object, ``backend`` for chardev, ``fsdriver``
    for fsdev) and its name under ``id`` (``node-name`` for blockdev) — the same map a QMP
    ``blockdev-add``/``netdev_add``/``object-add`` takes.
    """

    kind: BackendKind
    props: Props

    @property
    def id(self) -> str:
        key = "node-name" if self.kind == "blockdev" else "id"
        value = self.props.get(key)
        if not isinstance(value, str):
            raise ValidationError(f"{self.kind} backend has no {key}", props=dict(self.props))
        return value

    @property
    def type(self) -> str:
        value = self.props.get(_TYPE_KEY[self.kind])
        if not isinstance(value, str):
            raise ValidationError(f"{self.kind} backend has no {_TYPE_KEY[self.kind]}")
        return value


@dataclass
class Parts:
    """What one logical device needs: its backends (in creation order) and its devices."""

    backends: list[Backend] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)

    def __add__(self, other: Parts) -> Parts:
        return Parts(self.backends + other.backends, self.devices + other.devices)


def check_id(value: object, what: str = "id", max_len: int | None = None) -> str:
    """Validate a QEMU object id (device id, node-name, netdev id) and return it."""
    if not isinstance(value, str) or not _ID.match(value):
        raise ValidationError(
            f"invalid {what} {value!r}: must start with a letter, then letters, digits, '-', '.', '_'",
            value=repr(value),
        )
    if max_len is not None and len(value) > max_len:
        raise ValidationError(f"{what} {value!r} is longer than {max_len} characters", value=value)
    return value


def check_name(value: object, what: str) -> str:
    """Validate a driver/type name placed unescaped as an option's first element."""
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValidationError(f"invalid {what} {value!r}", value=repr(value))
    return value


def check_text(value: str, what: str) -> str:
    """Refuse control characters in free text that lands in argv (kernel cmdline, paths)."""
    if _CONTROL.search(value):
        raise ValidationError(f"{what} contains a control character (newline, NUL, ...)", value=repr(value))
    return value


def render_scalar(value: Scalar, key: str = "value") -> str:
    """A value as QEMU's option parsers read it, with commas doubled."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"property {key!r} is not a finite number", value=repr(value))
        return repr(value)
    if isinstance(value, str):
        check_text(value, f"property {key!r}")
        return value.replace(",", ",,")
    raise ValidationError(f"property {key!r} has unsupported type {type(value).__name__}", value=repr(value))


def _flatten(props: Props, prefix: str, repeat_lists: bool) -> Iterator[tuple[str, Scalar]]:
    for key, value in props.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise ValidationError(f"invalid property name {key!r}", key=repr(key))
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{full}.", repeat_lists)
        elif isinstance(value, str | int | float | bool):
            yield full, value
        elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from _flatten(item, f"{full}.{i}.", repeat_lists)
                elif isinstance(item, str | int | float | bool):
                    yield (full if repeat_lists else f"{full}.{i}"), item
                else:
                    raise ValidationError(f"property {full!r} nests a list in a list")
        else:
            raise ValidationError(
                f"property {full!r} has unsupported type {type(value).__name__}", value=repr(value)
            )


def render_options(option: str, props: Props) -> str:
    """Render ``props`` as the argument of ``-<option>`` (``device``, ``blockdev``, ...).

    The option's type key comes first, unnamed where QEMU expects it so; everything else
    follows as ``key=value`` in the map's order, which keeps argv stable for golden tests.
    """
    if option not in _IMPLIED:
        raise ValidationError(f"unknown option kind {option!r}")
    implied = _IMPLIED[option]
    type_key = _TYPE_KEY.get(option)
    parts: list[str] = []
    rest = dict(props)
    type_name = option
    if type_key is not None:  # options such as -boot have no type element
        if type_key not in props:
            raise ValidationError(f"-{option} needs a {type_key!r} property", props=_safe(props))
        type_name = check_name(rest.pop(type_key), f"{option} {type_key}")
        parts.append(type_name if implied else f"{type_key}={type_name}")
    if option == "device" and any(isinstance(v, Mapping | list | tuple) for v in rest.values()):
        raise ValidationError(f"device {type_name!r} properties must be flat scalars")
    for key, value in _flatten(rest, "", repeat_lists=option not in _KEYVAL):
        parts.append(f"{key}={render_scalar(value, key)}")
    return ",".join(parts)


def device_args(device: Mapping[str, Scalar]) -> list[str]:
    return ["-device", render_options("device", device)]


def backend_args(backend: Backend) -> list[str]:
    """``-object`` with a list property goes as JSON: QEMU's dotted -object syntax has no lists."""
    if backend.kind == "object" and any(isinstance(v, list | tuple) for v in backend.props.values()):
        render_options(backend.kind, backend.props)  # the same checks on keys and values
        return [f"-{backend.kind}", json.dumps(dict(backend.props), separators=(",", ":"))]
    return [f"-{backend.kind}", render_options(backend.kind, backend.props)]


def _safe(props: Props) -> dict[str, str]:
    return {str(k): repr(v)[:80] for k, v in props.items()}
