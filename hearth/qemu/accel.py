"""Which accelerator a VM gets: KVM when it is really usable, TCG otherwise, or forced.

``auto`` checks that ``/dev/kvm`` opens read-write and answers the KVM API version ioctl,
because the node existing (or being listed in ``-accel help``) says nothing about the
permissions or the module state. ``HEARTH_ACCEL`` overrides whatever the machine asked
for, so CI and tests can pin TCG on hosts where KVM exists but misbehaves.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Mapping
from typing import Literal, TypeGuard

from hearth.errors import NotSupported, ValidationError

Accel = Literal["kvm", "tcg"]
AccelRequest = Literal["kvm", "tcg", "auto"]
ENV_VAR = "HEARTH_ACCEL"
KVM_DEVICE = "/dev/kvm"
_KVM_GET_API_VERSION = 0xAE00
_KVM_API_VERSION = 12


def is_request(value: object) -> TypeGuard[AccelRequest]:
    return value in ("kvm", "tcg", "auto")


def kvm_usable(device: str = KVM_DEVICE) -> bool:
    """True when ``device`` opens read-write and speaks the stable KVM API."""
    try:
        fd = os.open(device, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        return fcntl.ioctl(fd, _KVM_GET_API_VERSION) == _KVM_API_VERSION
    except OSError:
        return False
    finally:
        os.close(fd)


def requested(machine_accel: str = "auto", env: Mapping[str, str] | None = None) -> AccelRequest:
    """The effective request: the environment variable wins over the machine's own choice."""
    env = os.environ if env is None else env
    forced = env.get(ENV_VAR, "").strip().lower()
    if forced:
        if not is_request(forced):
            raise ValidationError(f"{ENV_VAR}={forced!r} is not one of kvm, tcg, auto", value=forced)
        return forced
    if not is_request(machine_accel):
        raise ValidationError(
            f"accelerator {machine_accel!r} is not one of kvm, tcg, auto", value=machine_accel
        )
    return machine_accel


def resolve(
    machine_accel: str = "auto", env: Mapping[str, str] | None = None, device: str = KVM_DEVICE
) -> Accel:
    """The accelerator QEMU will be started with."""
    want = requested(machine_accel, env)
    if want == "tcg":
        return "tcg"
    usable = kvm_usable(device)
    if want == "kvm" and not usable:
        raise NotSupported(
            f"KVM was requested but {device} is missing or not usable by this user", device=device
        )
    return "kvm" if usable else "tcg"


def default_cpu(accel: Accel) -> str:
    """``host`` passes the real CPU through and exists only under KVM; ``max`` is TCG's best."""
    return "host" if accel == "kvm" else "max"
