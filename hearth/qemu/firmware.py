"""Firmware the way libvirt finds it: QEMU's firmware descriptors, and NVRAM made from a template.

``<os firmware='efi'>`` names no file: libvirt reads the JSON descriptors QEMU packages ship
(``/usr/share/qemu/firmware``, overridden per file name by ``/etc/qemu/firmware``), walks them
in file-name order and takes the first whose interface, target and features fit the domain.
Doing the same here is what makes one domain boot the same firmware under both drivers; a
descriptor layout we do not know (memory-mapped, combined or stateless flash) is refused.
"""

from __future__ import annotations

import fnmatch
import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hearth.errors import NotSupported, ValidationError

DESCRIPTOR_DIRS = (Path("/usr/share/qemu/firmware"), Path("/etc/qemu/firmware"))
# Descriptors match canonical machine names (pc-q35-7.2); the aliases libvirt expands.
_CANONICAL = {"q35": "pc-q35-", "pc": "pc-i440fx-"}


@dataclass(frozen=True)
class Descriptor:
    """One installed firmware build: its files, what it needs and what it offers."""

    name: str
    interfaces: frozenset[str]
    code: Path
    vars_template: Path | None
    targets: tuple[tuple[str, tuple[str, ...]], ...]  # (architecture, machine globs)
    features: frozenset[str]

    @property
    def secure_boot(self) -> bool:
        return "secure-boot" in self.features

    @property
    def requires_smm(self) -> bool:
        return "requires-smm" in self.features


def _descriptor(name: str, data: Mapping[str, Any]) -> Descriptor | None:
    mapping = data.get("mapping", {})
    if mapping.get("device") != "flash" or mapping.get("mode", "split") != "split":
        return None  # memory-mapped or one-file flash: not a layout hearth.qemu builds
    code = mapping.get("executable", {}).get("filename")
    if not isinstance(code, str):
        return None
    template = mapping.get("nvram-template", {}).get("filename")
    targets = tuple(
        (str(t.get("architecture")), tuple(str(m) for m in t.get("machines", ())))
        for t in data.get("targets", ())
    )
    return Descriptor(
        name=name,
        interfaces=frozenset(data.get("interface-types", ())),
        code=Path(code),
        vars_template=Path(template) if isinstance(template, str) else None,
        targets=targets,
        features=frozenset(data.get("features", ())),
    )


def descriptors(dirs: Sequence[Path] = DESCRIPTOR_DIRS) -> list[Descriptor]:
    """Installed descriptors in libvirt's order: by file name, a later directory overriding."""
    files: dict[str, Path] = {}
    for folder in dirs:
        if folder.is_dir():
            for path in folder.glob("*.json"):
                files[path.name] = path
    out: list[Descriptor] = []
    for name in sorted(files):
        try:
            data = json.loads(files[name].read_text())
        except (OSError, ValueError):
            continue  # libvirt skips an unreadable descriptor too
        found = _descriptor(name, data) if isinstance(data, dict) else None
        if found is not None:
            out.append(found)
    return out


def _fits_machine(desc: Descriptor, arch: str, machine_type: str) -> bool:
    prefix = _CANONICAL.get(machine_type)
    names = [machine_type] if prefix is None else [f"{prefix}99.0"]
    return any(
        target_arch == arch and any(fnmatch.fnmatchcase(n, glob) for glob in globs for n in names)
        for target_arch, globs in desc.targets
    )


def select(
    interface: str,
    *,
    arch: str,
    machine_type: str,
    wanted: Mapping[str, bool],
    smm: bool | None,
    dirs: Sequence[Path] = DESCRIPTOR_DIRS,
) -> Descriptor:
    """The first descriptor fitting the domain, as libvirt's firmware auto-selection picks it.

    ``wanted`` holds ``<firmware><feature>`` requirements (enabled yes/no); ``smm`` is the
    domain's ``<smm>`` state (a build that requires SMM is skipped when SMM is off).
    """
    for desc in descriptors(dirs):
        if interface not in desc.interfaces or not _fits_machine(desc, arch, machine_type):
            continue
        if any((name in desc.features) != enabled for name, enabled in wanted.items()):
            continue
        if smm is False and desc.requires_smm:
            continue
        return desc
    need = ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in wanted.items()) or "no feature"
    raise NotSupported(
        f"no installed firmware descriptor offers {interface} for {machine_type} with {need}"
        f" (looked in {', '.join(str(d) for d in dirs)})",
        interface=interface,
    )


def ensure_nvram(vars_path: Path, template: Path | None) -> None:
    """Create the NVRAM file from its template when it does not exist yet (libvirt does so at start)."""
    if vars_path.exists():
        return
    if template is None:
        raise ValidationError(
            f"NVRAM {vars_path} does not exist and no template is given", path=str(vars_path)
        )
    try:
        vars_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = vars_path.with_name(f".{vars_path.name}.tmp")
        shutil.copyfile(template, tmp)
        tmp.replace(vars_path)
    except OSError as exc:
        raise ValidationError(
            f"cannot create NVRAM {vars_path} from {template}: {exc.strerror}", path=str(vars_path)
        ) from None
