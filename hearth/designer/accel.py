"""Which libvirt domain type a design gets when the caller does not say: KVM, or QEMU's TCG.

``HEARTH_ACCEL`` is the project-wide switch (CI pins ``tcg``); the QEMU layer reads the same
variable to pick its accelerator, so a design and a directly run guest agree. The designer
sits below that layer, so it reads the variable itself rather than importing it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from hearth.errors import ValidationError

ENV_VAR = "HEARTH_ACCEL"
AccelRequest = Literal["kvm", "tcg", "auto"]


def requested(env: Mapping[str, str] | None = None) -> AccelRequest:
    """What ``HEARTH_ACCEL`` asks for (``auto`` when unset); a bad value is refused."""
    value = (os.environ if env is None else env).get(ENV_VAR, "").strip().lower() or "auto"
    if value == "kvm":
        return "kvm"
    if value == "tcg":
        return "tcg"
    if value == "auto":
        return "auto"
    raise ValidationError(f"{ENV_VAR}={value!r} is not one of kvm, tcg, auto", value=value)


def default_domain_type(env: Mapping[str, str] | None = None) -> str:
    """``qemu`` (TCG) when ``HEARTH_ACCEL=tcg``, else ``kvm``.

    Without a host to ask (the pure designer), KVM is what a design for a virtualization host
    means; ``Designer.for_host`` checks what the host really offers instead.
    """
    return "qemu" if requested(env) == "tcg" else "kvm"
