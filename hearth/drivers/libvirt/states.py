"""libvirt's domain states (and their reasons) mapped onto Hearth's instance states."""

from __future__ import annotations

import libvirt

from hearth.vocab.instance_states import InstanceState

S = InstanceState

_SHUTOFF_REASONS = {
    libvirt.VIR_DOMAIN_SHUTOFF_CRASHED: "the guest crashed",
    libvirt.VIR_DOMAIN_SHUTOFF_FAILED: "the hypervisor failed to start the guest",
}
_PAUSED_ERRORS = {
    libvirt.VIR_DOMAIN_PAUSED_IOERROR: "paused after a disk I/O error",
    libvirt.VIR_DOMAIN_PAUSED_CRASHED: "paused after the guest crashed",
}
_PAUSED_PENDING = {libvirt.VIR_DOMAIN_PAUSED_STARTING_UP}


def map_state(state: int, reason: int, stopping: bool = False) -> tuple[InstanceState, str | None]:
    """(state, reason) for a domain; ``stopping`` marks a graceful stop Hearth has under way."""
    if state in (libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_BLOCKED):
        return (S.STOPPING if stopping else S.RUNNING), None
    if state == libvirt.VIR_DOMAIN_SHUTDOWN:
        return S.STOPPING, None
    if state == libvirt.VIR_DOMAIN_SHUTOFF:
        crash = _SHUTOFF_REASONS.get(reason)
        return (S.ERROR, crash) if crash else (S.STOPPED, None)
    if state == libvirt.VIR_DOMAIN_PAUSED:
        if reason in _PAUSED_PENDING:
            return S.PENDING, None
        err = _PAUSED_ERRORS.get(reason)
        return (S.ERROR, err) if err else (S.PAUSED, None)
    if state == libvirt.VIR_DOMAIN_PMSUSPENDED:
        return S.PAUSED, None
    if state == libvirt.VIR_DOMAIN_CRASHED:
        return S.ERROR, "the guest crashed"
    return S.PENDING, None  # VIR_DOMAIN_NOSTATE: libvirt has not settled yet
