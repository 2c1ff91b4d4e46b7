"""RunInstances, DescribeInstances, DescribeInstanceStatus, Start/Stop/Reboot/TerminateInstances,
GetConsoleOutput.

DescribeInstances groups instances as EC2 does, by the RunInstances call that made them (the
service's launches; an instance made otherwise is a reservation of its own). TerminateInstances
answers at once, as EC2 does: the stop and the destroy run as a task while the instance shows
``shutting-down``, then ``terminated`` for an hour (the service's terminations, in the store, so
a restarted server still shows them).
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from hearth.drivers import Caller
from hearth.drivers.operations import MAX_INSTANCE_COUNT
from hearth.drivers.resources import Instance, InstanceCreate, NetworkRequest, parse_request
from hearth.errors import BackendTimeout, HearthError, NotFound
from hearth.service import Progress
from hearth.service.idempotency import Answer, fingerprint
from hearth.service.launches import Launch, alone
from hearth.service.tags import TagKind, with_name
from hearth.vocab.instance_states import InstanceState

from ..calls import ServiceCalls
from ..context import Context
from ..elements.instances import instance_item, reservation, state_change
from ..faults import Ec2Error, invalid, missing
from ..filters import FilterSet, read_filters
from ..ids import Kind
from ..paging import page, read_paging
from ..params import Params
from ..registry import action
from ..render import Body, Value, response_document
from ..states import Ec2State, ec2_state, state_element
from ..tags import tags_for

SETTLE_TIMEOUT: Final = 600.0  # how long a termination waits for a guest to settle before it gives up
MAX_CLIENT_TOKEN: Final = 64
SETTLE_RECHECK: Final = 5.0  # seconds between reads while the backend's events say nothing
SETTLE_FIRST_POLL: Final = 0.05  # seconds, for a backend without events; polls then back off
SETTLE_LAST_POLL: Final = 0.5  # (each costs the server a read)


@dataclass(frozen=True)
class Shown:
    """An instance as this frontend shows it: Hearth's view, the EC2 state it is in now and its
    tags (``Name`` included)."""

    instance: Instance
    state: Ec2State
    tags: Mapping[str, str]
    launch: Launch

    @property
    def id(self) -> str:
        return self.instance.id

    @property
    def created(self) -> datetime:
        return self.instance.created


def instances_filter(ctx: Context) -> FilterSet[Shown]:
    def binding(s: Shown) -> list[tuple[str, str]]:
        return [(b.network, b.subnet) for b in s.instance.network_bindings[:1]]

    return FilterSet[Shown](
        {
            "instance-id": lambda s: [ctx.ec2(Kind.instance, s.id)],
            "instance-state-name": lambda s: [s.state.ec2_name],
            "instance-state-code": lambda s: [str(s.state.code)],
            "image-id": lambda s: [ctx.ec2(Kind.image, s.instance.image)] if s.instance.image else [],
            "availability-zone": lambda s: [s.instance.realm],
            "instance-type": lambda s: [s.instance.hardware_profile],
            "vpc-id": lambda s: [ctx.ec2(Kind.vpc, n) for n, _ in binding(s)],
            "subnet-id": lambda s: [ctx.ec2(Kind.subnet, sub) for _, sub in binding(s)],
            "key-name": lambda s: [s.instance.key_name] if s.instance.key_name else [],
            "private-ip-address": lambda s: (
                [b.ip_address for b in s.instance.network_bindings[:1]] or s.instance.private_addresses[:1]
            ),
            "ip-address": lambda s: s.instance.public_addresses[:1],
            "reservation-id": lambda s: [ctx.ec2(Kind.reservation, s.launch.id)],
            "architecture": lambda s: ["x86_64"],
            "owner-id": lambda s: [s.instance.owner_id],
        },
        tags=lambda s: s.tags,
    )


def _shown(calls: ServiceCalls, caller: Caller, ids: Sequence[str] | None = None) -> list[Shown]:
    """Hearth's instances with their tags and launches, and the terminating and terminated ones;
    with ``ids``, only those (looked up one by one rather than listing them all)."""
    live = calls.instances.list(caller) if ids is None else _existing(calls, caller, ids)
    stored = calls.tags.of(caller, TagKind.instance, ids)
    launches = calls.launches.of(caller, ids)
    terminated = calls.terminations.visible(caller, {i.id for i in live}, ids)
    gone = {g.instance.id: g for g in terminated}
    shown: list[Shown] = []
    for instance in live:
        tags = with_name(instance.name, stored.get(instance.id))
        launch = launches.get(instance.id) or alone(instance.id)
        ending = gone.pop(instance.id, None)
        if ending is None:
            shown.append(Shown(instance, ec2_state(instance.state), tags, launch))
        else:
            state = Ec2State.terminated if ending.finished else Ec2State.shutting_down
            shown.append(Shown(instance, state, tags, launch))
    for ending in gone.values():  # destroyed: Hearth no longer lists them, nor keeps their tags
        state = Ec2State.terminated if ending.finished else Ec2State.shutting_down
        launch = ending.launch or alone(ending.instance.id)
        shown.append(Shown(ending.instance, state, ending.tags, launch))
    return shown


def _existing(calls: ServiceCalls, caller: Caller, ids: Sequence[str]) -> list[Instance]:
    found: list[Instance] = []
    for instance_id in dict.fromkeys(ids):
        # NotFound: destroyed (perhaps terminated: see the terminations) or never the caller's.
        with suppress(NotFound):
            found.append(calls.instances.get(caller, instance_id))
    return found


async def _resolve_instances(ctx: Context, ec2_ids: list[str]) -> list[str]:
    return await ctx.resolve(Kind.instance, ec2_ids, lambda: _shown(ctx.calls, ctx.caller))


def _element(ctx: Context, shown: Shown) -> dict[str, Value]:
    launch = shown.launch
    return instance_item(
        shown.instance,
        ctx.ids,
        shown.tags,
        state=shown.state,
        launch_index=launch.index,
        client_token=launch.client_token,
    )


def _reservations(ctx: Context, chosen: list[Shown]) -> list[Value]:
    """``chosen`` grouped by launch, each group where its first member is (EC2's order)."""
    groups: dict[str, list[Shown]] = {}
    for shown in chosen:
        groups.setdefault(shown.launch.id, []).append(shown)
    return [
        reservation(launch_id, [_element(ctx, s) for s in members], members[0].instance.owner_id, ctx.ids)
        for launch_id, members in groups.items()
    ]


# --- DescribeInstances, DescribeInstanceStatus ----------------------------------------------------


async def _described(ctx: Context, params: Params, lo: int) -> tuple[list[Shown], str | None]:
    wanted = params.strings("InstanceId")
    keep = instances_filter(ctx).matcher(read_filters(params))
    paging = read_paging(params, lo, 1000)
    if wanted and paging.max_results is not None:
        raise Ec2Error(
            "InvalidParameterCombination",
            "The parameter instancesSet cannot be used with the parameter maxResults",
        )
    params.boolean("IncludeManagedResources")
    shown = await ctx.run(_shown, ctx.calls, ctx.caller)
    if wanted:
        shown = ctx.select(Kind.instance, wanted, shown)
    return page([s for s in shown if keep(s)], paging)


@action("DescribeInstances", ("InstanceId", "Filter", "MaxResults", "NextToken", "IncludeManagedResources"))
async def describe_instances(ctx: Context, params: Params) -> Body:
    chosen, token = await _described(ctx, params, 5)
    return {"reservationSet": _reservations(ctx, chosen), "nextToken": token}


def _status(ctx: Context, shown: Shown) -> dict[str, Value]:
    running = shown.state is Ec2State.running
    summary: dict[str, Value] = {
        "status": "ok" if running else "not-applicable",
        "details": [{"name": "reachability", "status": "passed"}] if running else [],
    }
    return {
        "instanceId": ctx.ec2(Kind.instance, shown.id),
        "availabilityZone": shown.instance.realm,
        "instanceState": state_element(shown.state),
        "instanceStatus": summary,
        "systemStatus": summary,
        "eventsSet": [],
    }


@action(
    "DescribeInstanceStatus",
    ("InstanceId", "Filter", "MaxResults", "NextToken", "IncludeAllInstances", "IncludeManagedResources"),
)
async def describe_instance_status(ctx: Context, params: Params) -> Body:
    everything = params.boolean("IncludeAllInstances") or False
    chosen, token = await _described(ctx, params, 5)
    if not everything:  # EC2 reports only running instances unless asked for all
        chosen = [s for s in chosen if s.state is Ec2State.running]
    return {"instanceStatusSet": [_status(ctx, s) for s in chosen], "nextToken": token}


# --- RunInstances ----------------------------------------------------------------------------------

RUN_PARAMETERS: Final = (
    "ImageId",
    "InstanceType",
    "MinCount",
    "MaxCount",
    "KeyName",
    "UserData",
    "Placement",
    "SubnetId",
    "PrivateIpAddress",
    "NetworkInterface",
    "TagSpecification",
    "ClientToken",
    "Monitoring",
    "DisableApiTermination",
    "InstanceInitiatedShutdownBehavior",
    "EbsOptimized",
    "SecurityGroupId",
    "SecurityGroup",
)


def _user_data(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise invalid("UserData", "", "must be base64 of UTF-8 text") from None


def _refuse_options(params: Params) -> None:
    """The options Hearth cannot honour are refused, not ignored (the instance would differ)."""
    monitoring = params.struct("Monitoring")
    if monitoring is not None:
        monitoring.refuse_unknown(("Enabled",))
        if monitoring.boolean("Enabled"):
            raise Ec2Error("Unsupported", "Detailed monitoring is not supported by Hearth")
    if params.boolean("DisableApiTermination"):
        raise Ec2Error("Unsupported", "Termination protection is not supported by Hearth")
    if params.choice("InstanceInitiatedShutdownBehavior", ("stop", "terminate")) == "terminate":
        raise Ec2Error(
            "Unsupported", "InstanceInitiatedShutdownBehavior terminate is not supported by Hearth"
        )
    if params.boolean("EbsOptimized"):
        raise Ec2Error("Unsupported", "EBS-optimized instances are not supported by Hearth")
    if params.strings("SecurityGroupId") or params.strings("SecurityGroup"):
        raise Ec2Error("Unsupported", "Hearth has no security groups; launch without them")


MAX_NICS: Final = 16  # InstanceCreate.networks' bound
NIC_PARAMETERS: Final = (
    "DeviceIndex",
    "SubnetId",
    "PrivateIpAddress",
    "AssociatePublicIpAddress",
    "DeleteOnTermination",
    "Description",
)


def _launch_nics(params: Params) -> list[tuple[str | None, str | None]]:
    """(subnet, private address) per NIC to make: ``SubnetId``/``PrivateIpAddress`` of the
    instance, or ``NetworkInterface.N`` in ``DeviceIndex`` order (what boto3 and EC2 tools send
    to choose a subnet or to say no public address)."""
    nics = params.structs("NetworkInterface")
    if not nics:
        subnet, address = params.text("SubnetId") or None, params.text("PrivateIpAddress") or None
        return [(subnet, address)] if subnet or address else []
    if params.text("SubnetId") or params.text("PrivateIpAddress"):
        raise Ec2Error(
            "InvalidParameterCombination",
            "Network interfaces and an instance-level subnet ID or private IP address may not be"
            " specified on the same request",
        )
    chosen: dict[int, tuple[str | None, str | None]] = {}
    for nic in nics:
        nic.refuse_unknown(NIC_PARAMETERS)
        index = nic.integer("DeviceIndex", 0, MAX_NICS - 1)
        if index is None:
            raise missing(nic.full("DeviceIndex"))
        if index in chosen:
            raise invalid(nic.full("DeviceIndex"), str(index), "is given to two network interfaces")
        if nic.boolean("AssociatePublicIpAddress"):
            raise Ec2Error(
                "Unsupported",
                "Hearth gives no public address at launch; allocate an Elastic IP and associate it",
            )
        if nic.boolean("DeleteOnTermination") is False:
            raise Ec2Error("Unsupported", "a launch NIC is always deleted with its instance on Hearth")
        chosen[index] = (nic.text("SubnetId") or None, nic.text("PrivateIpAddress") or None)
    if sorted(chosen) != list(range(len(chosen))):
        raise invalid("NetworkInterface", "", "the DeviceIndex values must be 0, 1, … without gaps")
    return [chosen[i] for i in sorted(chosen)]


@dataclass(frozen=True)
class LaunchRequest:
    """What one RunInstances makes: the request for each instance, how many, and the tags."""

    request: InstanceCreate
    low: int
    high: int
    tags: Mapping[str, str]  # stored on each instance made (its Name is the request's name)
    client_token: str | None


async def _launch_request(ctx: Context, params: Params) -> LaunchRequest:
    image_ec2 = params.required("ImageId")
    hwp = params.text("InstanceType")
    if not hwp:
        raise missing("InstanceType")
    low = params.integer("MinCount", 1, MAX_INSTANCE_COUNT)
    high = params.integer("MaxCount", 1, MAX_INSTANCE_COUNT)
    if low is None:
        raise missing("MinCount")
    if high is None:
        raise missing("MaxCount")
    if low > high:
        raise invalid("MinCount", str(low), "must not be larger than MaxCount")
    _refuse_options(params)
    user_data = _user_data(params.text("UserData"))  # everything is checked before anything is looked up
    placement = params.struct("Placement")
    realm = None
    if placement is not None:
        placement.refuse_unknown(("AvailabilityZone", "Tenancy", "GroupName"))
        realm = placement.text("AvailabilityZone") or None
        if placement.choice("Tenancy", ("default",)) is None and placement.text("GroupName"):
            raise Ec2Error("Unsupported", "Placement groups are not supported by Hearth")
    name, tags = tags_for(params, "instance")
    image_id = await ctx.resolve_one(Kind.image, image_ec2, lambda: ctx.calls.images.list(ctx.caller))
    networks: list[NetworkRequest] = []
    nics = _launch_nics(params)
    subnets = await ctx.run(ctx.calls.subnets.list, ctx.caller) if any(n[0] for n in nics) else []
    for subnet_ec2, address in nics:
        if subnet_ec2:
            subnet_id = await ctx.resolve_one(Kind.subnet, subnet_ec2, lambda: subnets)
            subnet = next(s for s in subnets if s.id == subnet_id)
            binding = {"network_id": subnet.network, "subnet_id": subnet.id, "ip_address": address}
            networks.append(parse_request(NetworkRequest, binding))
        elif address:
            raise invalid("PrivateIpAddress", address, "needs a SubnetId")
        if address and high > 1:
            raise invalid("PrivateIpAddress", address, "one address cannot go to several instances")
    request = parse_request(
        InstanceCreate,
        {
            "image_id": image_id,
            "hwp_id": hwp,
            "realm_id": realm,
            "name": name,
            "key_name": params.text("KeyName") or None,
            "user_data": user_data,
            "networks": networks,
        },
    )
    token = params.text("ClientToken") or None
    if token is not None and len(token) > MAX_CLIENT_TOKEN:
        raise invalid("ClientToken", "", f"must have at most {MAX_CLIENT_TOKEN} characters")
    return LaunchRequest(request, low, high, tags, token)


def _launch(calls: ServiceCalls, caller: Caller, launch: LaunchRequest) -> list[Instance]:
    """Up to ``high`` instances, tagged and recorded as one launch; if fewer than ``low`` could
    be made, those made are taken down again (EC2 launches all or nothing below MinCount) and
    the error is raised."""
    request, low, high = launch.request, launch.low, launch.high
    made: list[Instance] = []
    for i in range(1, high + 1):
        one = (
            request.model_copy(update={"name": f"{request.name}-{i}"})
            if request.name and high > 1
            else request
        )
        try:
            created = calls.instances.create(caller, one)
        except HearthError:
            if len(made) >= low:
                break
            for instance in made:
                _take_down(calls, caller, instance.id)
            raise
        if not isinstance(created, Instance):  # one instance is never a task
            raise RuntimeError("creating one instance answered a task")
        made.append(created)
    try:
        if launch.tags:
            calls.tags.set(caller, {TagKind.instance: [m.id for m in made]}, launch.tags)
        calls.launches.record(made, launch.client_token)
    except HearthError:
        for instance in made:
            _take_down(calls, caller, instance.id)
        raise
    return made


@action("RunInstances", RUN_PARAMETERS, conflict="InvalidParameterValue")
async def run_instances(ctx: Context, params: Params) -> Body | bytes:
    launch = await _launch_request(ctx, params)
    token = launch.client_token

    def body(made: list[Instance]) -> dict[str, Value]:
        items = [
            instance_item(m, ctx.ids, with_name(m.name, launch.tags), launch_index=n, client_token=token)
            for n, m in enumerate(made)
        ]
        return reservation(made[0].id, items, ctx.owner, ctx.ids)

    if not token:
        made = await ctx.run(_launch, ctx.calls, ctx.caller, launch)
        return body(made)
    fp = fingerprint("RunInstances", *(f"{k}={v}" for k, v in params.pairs() if k != "ClientToken"))

    def produce() -> Answer:
        made = _launch(ctx.calls, ctx.caller, launch)
        document = response_document("RunInstances", ctx.request_id, body(made))
        return Answer(200, document.decode("utf-8"))

    answer = await ctx.run(ctx.calls.once, ctx.caller, "ec2.RunInstances", token, fp, produce)
    return answer.body.encode("utf-8")


# --- state changes ---------------------------------------------------------------------------------


def _settle(calls: ServiceCalls, caller: Caller, instance_id: str, wanted: set[InstanceState]) -> Instance:
    """The instance once it is in one of ``wanted``: read again on each event about it from the
    backend, and every ``SETTLE_RECHECK`` seconds all the same (an event lost while a backend
    reconnects must not hold a termination for the whole timeout); a backend that reports no
    events is polled, backing off."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    pushed = calls.service.backend_events
    interval = SETTLE_RECHECK if pushed else SETTLE_FIRST_POLL
    with calls.events.changes(instance_id) as changes:
        while True:
            instance = calls.instances.get(caller, instance_id)
            if instance.state in wanted:
                return instance
            left = deadline - time.monotonic()
            if left <= 0:
                raise BackendTimeout(f"instance {instance_id} did not settle", instance=instance_id)
            changes.wait(min(interval, left))
            if not pushed:
                interval = min(interval * 1.5, SETTLE_LAST_POLL)


def _take_down(calls: ServiceCalls, caller: Caller, instance_id: str) -> None:
    """Stop (waiting out a boot or a stop under way) and destroy: what termination does."""
    instance = calls.instances.get(caller, instance_id)
    if instance.state is InstanceState.PENDING:
        instance = _settle(calls, caller, instance_id, {InstanceState.RUNNING, InstanceState.ERROR})
    if instance.state is InstanceState.PAUSED:
        instance = calls.instances.resume(caller, instance_id)
    if instance.state is InstanceState.RUNNING:
        instance = calls.instances.stop(caller, instance_id)
    if instance.state is InstanceState.STOPPING:
        _settle(calls, caller, instance_id, {InstanceState.STOPPED, InstanceState.ERROR})
    calls.instances.destroy(caller, instance_id)


async def _targets(ctx: Context, params: Params) -> list[tuple[str, Shown]]:
    wanted = params.strings("InstanceId")
    if not wanted:
        raise missing("InstanceId")
    ids = await _resolve_instances(ctx, wanted)
    shown = {s.id: s for s in await ctx.run(_shown, ctx.calls, ctx.caller, ids)}
    targets: list[tuple[str, Shown]] = []
    for ec2, hearth in zip(wanted, ids, strict=True):
        if hearth not in shown:
            raise Ec2Error("InvalidInstanceID.NotFound", f"The instance ID '{ec2}' does not exist")
        targets.append((ec2, shown[hearth]))
    return targets


def _gone(ec2: str, item: Shown) -> None:
    if item.state in (Ec2State.terminated, Ec2State.shutting_down):
        raise Ec2Error(
            "IncorrectInstanceState", f"The instance '{ec2}' is not in a state from which it can be changed"
        )


@action("StartInstances", ("InstanceId", "AdditionalInfo"), conflict="IncorrectInstanceState")
async def start_instances(ctx: Context, params: Params) -> Body:
    params.text("AdditionalInfo")
    changes = []
    for ec2, item in await _targets(ctx, params):
        _gone(ec2, item)
        state = item.instance.state
        if state is InstanceState.PAUSED:
            after = await ctx.run(ctx.calls.instances.resume, ctx.caller, item.id)
        elif state in (InstanceState.RUNNING, InstanceState.PENDING):
            after = item.instance  # already running: EC2 answers the state it is in
        else:
            after = await ctx.run(ctx.calls.instances.start, ctx.caller, item.id)  # refused with the reason
        changes.append(state_change(ec2, item.state, ec2_state(after.state)))
    return {"instancesSet": changes}


@action(
    "StopInstances", ("InstanceId", "Force", "Hibernate", "SkipOsShutdown"), conflict="IncorrectInstanceState"
)
async def stop_instances(ctx: Context, params: Params) -> Body:
    force = bool(params.boolean("Force") or params.boolean("SkipOsShutdown"))
    if params.boolean("Hibernate"):
        raise Ec2Error("UnsupportedHibernationConfiguration", "Hibernation is not supported by Hearth")
    changes = []
    for ec2, item in await _targets(ctx, params):
        _gone(ec2, item)
        state = item.instance.state
        if state in (InstanceState.STOPPED, InstanceState.STOPPING, InstanceState.PAUSED):
            after = item.instance
        else:
            after = await ctx.run(ctx.calls.instances.stop, ctx.caller, item.id, force=force)
        changes.append(state_change(ec2, item.state, ec2_state(after.state)))
    return {"instancesSet": changes}


@action("RebootInstances", ("InstanceId",), conflict="IncorrectInstanceState")
async def reboot_instances(ctx: Context, params: Params) -> Body:
    for ec2, item in await _targets(ctx, params):
        _gone(ec2, item)
        await ctx.run(ctx.calls.instances.reboot, ctx.caller, item.id)
    return {"return": True}


def _terminate(calls: ServiceCalls, caller: Caller, ec2: str, item: Shown) -> None:
    """Record the termination (what the instance was), then start the task that takes it down
    and tells the record how it went."""
    terminations = calls.terminations
    instance_id = item.id

    def work(progress: Progress) -> None:
        try:
            _take_down(calls, caller, instance_id)
        except BaseException:
            terminations.fail(instance_id)
            raise
        terminations.finish(instance_id)

    # Recorded after the task is queued, naming it: should the task end first, its record is
    # settled as one whose task ended without a word (terminated if the instance went).
    task = calls.submit(caller, "instances.terminate", f"terminate {ec2}", work)
    terminations.begin(item.instance, item.tags, item.launch, task.id)


@action("TerminateInstances", ("InstanceId", "Force", "SkipOsShutdown"), conflict="IncorrectInstanceState")
async def terminate_instances(ctx: Context, params: Params) -> Body:
    params.boolean("Force")
    params.boolean("SkipOsShutdown")
    changes = []
    for ec2, item in await _targets(ctx, params):
        if item.state in (Ec2State.terminated, Ec2State.shutting_down):
            changes.append(state_change(ec2, item.state, item.state))
            continue
        await ctx.run(_terminate, ctx.calls, ctx.caller, ec2, item)
        changes.append(state_change(ec2, item.state, Ec2State.shutting_down))
    return {"instancesSet": changes}


@action("GetConsoleOutput", ("InstanceId", "Latest"))
async def get_console_output(ctx: Context, params: Params) -> Body:
    """The guest's serial console, base64 as EC2 sends it. ``Latest`` is accepted: Hearth always
    answers the most recent output (the last 64 KiB)."""
    ec2 = params.text("InstanceId")
    if not ec2:
        raise missing("InstanceId")
    params.boolean("Latest")
    (instance_id,) = await _resolve_instances(ctx, [ec2])
    try:
        console = await ctx.run(ctx.calls.instances.console_output, ctx.caller, instance_id)
    except NotFound:
        raise Ec2Error("InvalidInstanceID.NotFound", f"The instance ID '{ec2}' does not exist") from None
    return {
        "instanceId": ec2,
        "timestamp": console.timestamp,
        "output": base64.b64encode(console.output.encode()).decode("ascii"),
    }
