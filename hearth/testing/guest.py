"""The tiny real Linux guest every QEMU-facing test boots.

Tests must boot a real kernel, not a mock, yet stay fast under TCG on two shared cores.
So the guest is the host's Debian cloud kernel plus an initramfs the test suite builds
itself from busybox-static: no disk image to download, no root needed, and a few seconds
to the ready marker. The initramfs is cached by content hash, so every test session (and
every later layer's tests) reuses one file until busybox, the modules or the script change.

What the guest does, chosen on the kernel command line (``hearth.mode=``):

* prints ``HEARTH-GUEST-READY uptime=<secs>`` on the serial console once userspace runs;
* ``poweroff``: powers off right after the marker (a run-to-completion guest);
* ``wait`` (default): stays up, runs a shell on the serial port (what a console user types
  to), reports hot-plugged block and net devices as
  ``HEARTH-GUEST-UEVENT`` lines, and powers off cleanly when the ACPI power button is
  pressed (QMP ``system_powerdown``), printing ``HEARTH-GUEST-POWERDOWN`` first.

This module is a leaf: it imports nothing from hearth but the errors.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hearth.errors import NotFound, ValidationError

MARKER = "HEARTH-GUEST-READY"
POWERDOWN_MARKER = "HEARTH-GUEST-POWERDOWN"
UEVENT_MARKER = "HEARTH-GUEST-UEVENT"
MODES = ("wait", "poweroff")

# Loaded in the guest in dependency order: the power button (ACPI button + evdev to read
# it), and virtio so hot-plugged disks and NICs show up in the guest's own view.
DEFAULT_MODULES: tuple[str, ...] = (
    "button",
    "evdev",
    "virtio_pci",
    "virtio_blk",
    "virtio_net",
    "virtio_balloon",
)

# Bump when the layout below changes in a way the content hash would not see.
_FORMAT = "hearth-guest-4"

_INIT = r"""#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /run
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/ttyS0 >/dev/ttyS0 2>&1
for m in $(cat /etc/modules); do insmod "/lib/modules/$m.ko" 2>/dev/null; done
read up _ </proc/uptime
echo "HEARTH-GUEST-READY uptime=$up"
mode=wait
for arg in $(cat /proc/cmdline); do
  case "$arg" in hearth.mode=*) mode="${arg#hearth.mode=}" ;; esac
done
if [ "$mode" = poweroff ]; then
  sync
  poweroff -f
fi
uevent /bin/hearth-uevent &
sh -i </dev/ttyS0 >/dev/ttyS0 2>&1 &
button=
for dev in /sys/class/input/event*; do
  [ -e "$dev/device/name" ] || continue
  if [ "$(cat "$dev/device/name")" = "Power Button" ]; then button="/dev/input/${dev##*/}"; break; fi
done
if [ -z "$button" ]; then
  echo "HEARTH-GUEST-WARNING no ACPI power button; waiting forever"
  while :; do sleep 3600; done
fi
dd if="$button" of=/dev/null bs=24 count=1 2>/dev/null
echo "HEARTH-GUEST-POWERDOWN"
sync
poweroff -f
while :; do sleep 3600; done
"""

# Run by busybox `uevent` for every kernel event; only disks and NICs are worth a line.
_UEVENT = r"""#!/bin/busybox sh
case "$SUBSYSTEM" in
  block) [ "$DEVTYPE" = disk ] && echo "HEARTH-GUEST-UEVENT action=$ACTION subsystem=block name=$DEVNAME" ;;
  net) echo "HEARTH-GUEST-UEVENT action=$ACTION subsystem=net name=$INTERFACE" ;;
esac >/dev/ttyS0
exit 0
"""


@dataclass(frozen=True)
class GuestImage:
    """A kernel + initramfs pair ready for QEMU direct kernel boot."""

    kernel: Path
    initrd: Path

    def append(self, mode: str = "wait", extra: str = "") -> str:
        """Kernel command line: console on the first serial port, and the guest mode."""
        if mode not in MODES:
            raise ValidationError(f"unknown test guest mode {mode!r}; expected one of {', '.join(MODES)}")
        line = f"console=ttyS0 panic=-1 hearth.mode={mode}"
        return f"{line} {extra}".strip()


def find_kernel(boot_dir: Path = Path("/boot")) -> Path:
    """The newest Debian cloud kernel (linux-image-cloud-amd64) under ``boot_dir``."""
    found = sorted(boot_dir.glob("vmlinuz-*-cloud-amd64"), key=_version_key)
    if not found:
        raise NotFound(
            f"no cloud kernel (vmlinuz-*-cloud-amd64) under {boot_dir}; install linux-image-cloud-amd64",
            boot_dir=str(boot_dir),
        )
    return found[-1]


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path.name))


def _kernel_release(kernel: Path) -> str:
    return kernel.name.removeprefix("vmlinuz-")


def _module_order(modules_dir: Path, wanted: Sequence[str]) -> list[Path]:
    """Module files for ``wanted`` and their dependencies, dependencies first."""
    dep_file = modules_dir / "modules.dep"
    if not dep_file.is_file():
        raise NotFound(f"kernel modules index {dep_file} is missing", path=str(dep_file))
    deps: dict[str, list[str]] = {}
    by_name: dict[str, str] = {}
    for line in dep_file.read_text().splitlines():
        path, _, rest = line.partition(":")
        deps[path] = rest.split()
        by_name[Path(path).name.split(".ko")[0].replace("-", "_")] = path
    order: list[str] = []

    def visit(path: str) -> None:
        if path in order:
            return
        for dep in deps.get(path, []):
            visit(dep)
        order.append(path)

    for name in wanted:
        key = name.replace("-", "_")
        if key not in by_name:
            raise NotFound(f"kernel module {name!r} not found in {dep_file}", module=name)
        visit(by_name[key])
    return [modules_dir / p for p in order]


class _Cpio:
    """A minimal writer for the "newc" cpio format the kernel unpacks as initramfs."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._ino = 1

    def _entry(self, name: str, mode: int, data: bytes = b"", rdev: tuple[int, int] = (0, 0)) -> None:
        raw = name.encode() + b"\0"
        fields = (self._ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(raw), 0)
        self._ino += 1
        header = b"070701" + b"".join(b"%08X" % f for f in fields)
        self._parts += [header, raw, _pad(len(header) + len(raw)), data, _pad(len(data))]

    def directory(self, name: str) -> None:
        self._entry(name, stat.S_IFDIR | 0o755)

    def file(self, name: str, data: bytes, mode: int = 0o644) -> None:
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name: str, target: str) -> None:
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name: str, major: int, minor: int) -> None:
        self._entry(name, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def finish(self) -> bytes:
        self._entry("TRAILER!!!", 0)
        body = b"".join(self._parts)
        return body + _pad(len(body), 512)


def _pad(length: int, align: int = 4) -> bytes:
    return b"\0" * (-length % align)


def build_initramfs(
    cache_dir: Path,
    *,
    kernel: Path | None = None,
    busybox: Path = Path("/bin/busybox"),
    modules: Iterable[str] = DEFAULT_MODULES,
    modules_root: Path = Path("/lib/modules"),
) -> Path:
    """Build (or reuse) the test initramfs in ``cache_dir`` and return its path.

    The file name carries a hash of everything that goes in, so a stale cache can never
    be served and concurrent builders agree on the result (written atomically).
    """
    kernel = kernel or find_kernel()
    if not busybox.is_file():
        raise NotFound(f"busybox not found at {busybox}; install busybox-static", path=str(busybox))
    module_files = _module_order(modules_root / _kernel_release(kernel), tuple(modules))
    busybox_data = busybox.read_bytes()
    module_data = [(p.name, p.read_bytes()) for p in module_files]
    digest = hashlib.sha256(_FORMAT.encode())
    for part in (busybox_data, _INIT.encode(), _UEVENT.encode()):
        digest.update(hashlib.sha256(part).digest())
    for name, data in module_data:
        digest.update(name.encode() + hashlib.sha256(data).digest())
    target = cache_dir / f"hearth-guest-{digest.hexdigest()[:16]}.cpio"
    if target.is_file():
        return target

    cpio = _Cpio()
    for d in ("bin", "dev", "etc", "lib", "lib/modules", "proc", "sys", "tmp", "run"):
        cpio.directory(d)
    cpio.chardev("dev/console", 5, 1)
    cpio.file("bin/busybox", busybox_data, 0o755)
    cpio.symlink("bin/sh", "busybox")
    cpio.file("init", _INIT.encode(), 0o755)
    cpio.file("bin/hearth-uevent", _UEVENT.encode(), 0o755)
    for name, data in module_data:
        cpio.file(f"lib/modules/{name}", data)
    order = "".join(f"{name.removesuffix('.ko')}\n" for name, _ in module_data)
    cpio.file("etc/modules", order.encode())

    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(cpio.finish())
    os.replace(tmp, target)
    return target


def guest_image(cache_dir: Path) -> GuestImage:
    """The cloud kernel plus the cached busybox initramfs: everything a test needs to boot."""
    kernel = find_kernel()
    return GuestImage(kernel=kernel, initrd=build_initramfs(cache_dir, kernel=kernel))


def read_marker(text: str) -> float | None:
    """The guest's uptime from the ready marker in console output, or None if absent."""
    m = re.search(rf"{MARKER} uptime=([0-9.]+)", text)
    return float(m.group(1)) if m else None


def wait_for_console(log: Path, pattern: str, timeout: float = 60.0, start: int = 0) -> str:
    """Wait until ``pattern`` (a regex) appears in the console log after byte ``start``.

    Returns the matching line; raises TimeoutError with the log tail otherwise, because a
    boot that never gets there is best diagnosed from what the kernel printed.
    """
    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout
    text = ""
    while True:
        if log.exists():
            text = log.read_bytes()[start:].decode(errors="replace")
            for line in text.splitlines():
                if rx.search(line):
                    return line
        if time.monotonic() >= deadline:
            tail = "\n".join(text.splitlines()[-20:])
            raise TimeoutError(f"{pattern!r} not seen in {log} after {timeout}s; console tail:\n{tail}")
        time.sleep(0.05)
