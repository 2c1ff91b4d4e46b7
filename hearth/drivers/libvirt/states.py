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


L = libvirt
# Lifecycle events (VIR_DOMAIN_EVENT_*) -> the state they put an instance in; details that say
# why are kept as the reason. UNDEFINED is not a state: the instance is gone.
_EVENT_STATES = {
    L.VIR_DOMAIN_EVENT_STARTED: S.RUNNING,
    L.VIR_DOMAIN_EVENT_RESUMED: S.RUNNING,
    L.VIR_DOMAIN_EVENT_SUSPENDED: S.PAUSED,
    L.VIR_DOMAIN_EVENT_PMSUSPENDED: S.PAUSED,
    L.VIR_DOMAIN_EVENT_SHUTDOWN: S.STOPPING,
    L.VIR_DOMAIN_EVENT_STOPPED: S.STOPPED,
    L.VIR_DOMAIN_EVENT_CRASHED: S.ERROR,
}
_STOPPED_DETAILS = {
    L.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN: (S.STOPPED, "the guest shut down"),
    L.VIR_DOMAIN_EVENT_STOPPED_DESTROYED: (S.STOPPED, "forced off"),
    L.VIR_DOMAIN_EVENT_STOPPED_CRASHED: (S.ERROR, "the guest crashed"),
    L.VIR_DOMAIN_EVENT_STOPPED_FAILED: (S.ERROR, "the hypervisor failed"),
    L.VIR_DOMAIN_EVENT_STOPPED_MIGRATED: (S.STOPPED, "migrated away"),
    L.VIR_DOMAIN_EVENT_STOPPED_SAVED: (S.STOPPED, "saved"),
}
_STARTED_DETAILS = {
    L.VIR_DOMAIN_EVENT_STARTED_BOOTED: "booted",
    L.VIR_DOMAIN_EVENT_STARTED_RESTORED: "restored",
    L.VIR_DOMAIN_EVENT_STARTED_MIGRATED: "migrated in",
}
_SUSPENDED_DETAILS = {
    L.VIR_DOMAIN_EVENT_SUSPENDED_IOERROR: (S.ERROR, "paused after a disk I/O error"),
}


def map_event(event: int, detail: int) -> tuple[InstanceState, str | None] | None:
    """(state, reason) a lifecycle event puts an instance in; None when it changes no state
    (DEFINED: a definition edit; UNDEFINED is told apart by the caller)."""
    if event == L.VIR_DOMAIN_EVENT_STOPPED:
        return _STOPPED_DETAILS.get(detail, (S.STOPPED, None))
    if event == L.VIR_DOMAIN_EVENT_STARTED:
        return S.RUNNING, _STARTED_DETAILS.get(detail)
    if event == L.VIR_DOMAIN_EVENT_SUSPENDED:
        return _SUSPENDED_DETAILS.get(detail, (S.PAUSED, None))
    if event == L.VIR_DOMAIN_EVENT_CRASHED:
        return S.ERROR, "the guest crashed"
    state = _EVENT_STATES.get(event)
    return None if state is None else (state, None)
