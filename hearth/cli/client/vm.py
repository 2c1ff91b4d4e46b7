"""`hearth vm`: instances — list, show, create (from a template or an image), the actions, wait, delete."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .options import WAIT_TIMEOUT as DEFAULT_TIMEOUT
from .options import JsonOpt, UrlOpt, UserOpt

app = typer.Typer(name="vm", help="Virtual machines (instances) on a Hearth server.", no_args_is_help=True)

IdArg = Annotated[str, typer.Argument(help="instance id or name")]


def _columns(template_names: dict[str, str] | None = None) -> list[Any]:
    """The vm table: short ids, the template's name (not its UUID), human memory sizes."""
    from .render import field, human_mib, short_field

    names = template_names or {}

    def origin(i: dict[str, Any]) -> Any:
        template = i.get("template")
        if template:
            return names.get(str(template), template)
        return i.get("image")

    def ips(i: dict[str, Any]) -> Any:
        return (i.get("private_addresses") or []) + (i.get("public_addresses") or [])

    return [
        ("ID", short_field("id")),
        ("NAME", field("name")),
        ("STATE", field("state")),
        ("FROM", origin),
        ("MEMORY", lambda i: human_mib(i.get("memory_mib"))),
        ("CPUS", field("vcpus")),
        ("ADDRESSES", ips),
    ]


ActWaitOpt = Annotated[
    bool, typer.Option("--wait", help="return once the instance reaches the state the action leads to")
]
WaitTimeoutOpt = Annotated[
    float, typer.Option("--wait-timeout", help="seconds --wait waits before giving up", min=0.001)
]


@app.command("list")
def list_vms(
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
    state: Annotated[str | None, typer.Option(help="only instances in this state, e.g. RUNNING")] = None,
) -> None:
    """List your instances (admins: everyone's)."""
    from .http import connect
    from .render import emit_list

    with connect(url, user) as api:
        items = api.get_all("/v1/instances", "instances", state=state.upper() if state else None)
        emit_list(items, as_json, _columns(None if as_json else api.template_names(items)), "instances")


@app.command("show")
def show(instance_id: IdArg, url: UrlOpt = None, user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """Show one instance."""
    from .http import connect
    from .render import emit_item

    with connect(url, user) as api:
        item = api.get(f"/v1/instances/{api.instance_id(instance_id)}")
        if not as_json and isinstance(item.get("consoles"), dict):
            item = {**item, "consoles": _consoles_line(item)}
        emit_item(item, as_json)


def _consoles_line(item: dict[str, Any]) -> str:
    """How to reach the instance's consoles, for a person: the command, the screen's WebSocket."""
    consoles = item["consoles"]
    serial = f"serial: hearth console {item['name']}" if consoles.get("serial") else "serial: -"
    graphics = consoles.get("graphics")
    if graphics == "vnc":
        screen = f"screen: vnc over the WebSocket /v1/instances/{item['id']}/vnc (ticket: POST …/vnc/ticket)"
    else:
        screen = f"screen: {graphics or '-'}"
    return f"{serial}; {screen}"


@app.command("create")
def create(
    template: Annotated[str | None, typer.Option(help="template name or id")] = None,
    image: Annotated[str | None, typer.Option(help="image id (with --profile)")] = None,
    profile: Annotated[str | None, typer.Option(help="hardware profile id (for --image)")] = None,
    name: Annotated[str | None, typer.Option(help="instance name")] = None,
    realm: Annotated[str | None, typer.Option(help="realm id")] = None,
    start: Annotated[
        bool, typer.Option("--start/--no-start", help="start it once created (--no-start: define it STOPPED)")
    ] = True,
    wait: Annotated[
        bool | None,
        typer.Option(
            "--wait/--no-wait",
            help="--wait: return once it is RUNNING (STOPPED with --no-start); --no-wait: not even "
            "the creation task is followed (default: follow the task)",
        ),
    ] = None,
    wait_timeout: WaitTimeoutOpt = DEFAULT_TIMEOUT,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an instance from a template, or from an image and a hardware profile."""
    from .http import ClientError, client_errors, connect
    from .render import emit_item
    from .tasks import result_or_task
    from .waiting import wait_for_state

    with client_errors():
        if (template is None) == (image is None):
            raise ClientError("give exactly one of --template and --image")
        if image is not None and profile is None:
            raise ClientError("--image needs --profile (a hardware profile id)")
    body: dict[str, Any]
    if template is not None:
        body = {"template": template, "name": name, "realm": realm, "start": start}
    else:
        body = {"image_id": image, "hwp_id": profile, "name": name, "realm_id": realm, "start": start}
    with connect(url, user) as api:
        status, made = api.post("/v1/instances", {k: v for k, v in body.items() if v is not None})
        shown, _ = result_or_task(api, status, made, wait=wait is not False, quiet=as_json)
        if wait:
            target = "RUNNING" if start else "STOPPED"
            shown = wait_for_state(api, str(shown["id"]), target, timeout=wait_timeout)
        emit_item(shown, as_json)


def _action(
    action: str,
    instance_id: str,
    url: str | None,
    user: str | None,
    as_json: bool,
    body: Any = None,
    *,
    wait: bool = False,
    wait_timeout: float = DEFAULT_TIMEOUT,
    path: str | None = None,
) -> None:
    """POST the action; with ``wait``, follow the instance to the state ``action`` leads to."""
    from .http import connect
    from .render import emit_item
    from .waiting import ACTION_TARGETS, wait_for_state

    with connect(url, user) as api:
        vid = api.instance_id(instance_id)
        _, inst = api.post(f"/v1/instances/{vid}/{path or action}", body)
        if wait:
            inst = wait_for_state(api, vid, ACTION_TARGETS[action], timeout=wait_timeout)
        emit_item(inst, as_json)


@app.command("start")
def start_vm(
    instance_id: IdArg,
    wait: ActWaitOpt = False,
    wait_timeout: WaitTimeoutOpt = DEFAULT_TIMEOUT,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Start a stopped instance (--wait: until RUNNING)."""
    _action("start", instance_id, url, user, as_json, wait=wait, wait_timeout=wait_timeout)


@app.command("stop")
def stop_vm(
    instance_id: IdArg,
    force: Annotated[bool, typer.Option("--force", help="power off at once (as `vm poweroff`)")] = False,
    timeout: Annotated[float, typer.Option(help="seconds before it is forced off")] = 60.0,
    wait: ActWaitOpt = False,
    wait_timeout: WaitTimeoutOpt = DEFAULT_TIMEOUT,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask the guest to shut down (forced off after --timeout seconds; --wait: until STOPPED)."""
    body = {"force": force, "timeout": timeout}
    _action("stop", instance_id, url, user, as_json, body, wait=wait, wait_timeout=wait_timeout)


@app.command("poweroff")
def poweroff_vm(
    instance_id: IdArg,
    wait: ActWaitOpt = False,
    wait_timeout: WaitTimeoutOpt = DEFAULT_TIMEOUT,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Force the instance off at once, as pulling the plug (virsh's "destroy"); --wait: until STOPPED.

    The guest gets no chance to shut down cleanly; `vm stop` asks it first.
    """
    body = {"force": True}
    _action(
        "poweroff", instance_id, url, user, as_json, body, wait=wait, wait_timeout=wait_timeout, path="stop"
    )


@app.command("reboot")
def reboot_vm(
    instance_id: IdArg,
    wait: ActWaitOpt = False,
    wait_timeout: WaitTimeoutOpt = DEFAULT_TIMEOUT,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Reboot a running instance (--wait: until RUNNING again)."""
    _action("reboot", instance_id, url, user, as_json, wait=wait, wait_timeout=wait_timeout)


@app.command("suspend")
def suspend_vm(
    instance_id: IdArg,
    wait: ActWaitOpt = False,
    wait_timeout: WaitTimeoutOpt = DEFAULT_TIMEOUT,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Pause a running instance in memory (virsh's "suspend"; --wait: until PAUSED)."""
    _action("suspend", instance_id, url, user, as_json, wait=wait, wait_timeout=wait_timeout)


@app.command("resume")
def resume_vm(
    instance_id: IdArg,
    wait: ActWaitOpt = False,
    wait_timeout: WaitTimeoutOpt = DEFAULT_TIMEOUT,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Resume a paused instance (--wait: until RUNNING)."""
    _action("resume", instance_id, url, user, as_json, wait=wait, wait_timeout=wait_timeout)


@app.command("wait")
def wait_vm(
    instance_id: IdArg,
    state: Annotated[str, typer.Option(help="the state to wait for, e.g. RUNNING, STOPPED, PAUSED")],
    timeout: Annotated[float, typer.Option(help="seconds before giving up", min=0.001)] = DEFAULT_TIMEOUT,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Wait until an instance is in --state (exit 1 on timeout, or if it goes into ERROR)."""
    from .http import connect
    from .render import emit_item
    from .waiting import wait_for_state

    with connect(url, user) as api:
        emit_item(wait_for_state(api, api.instance_id(instance_id), state, timeout=timeout), as_json)


def _delete(instance_id: str, url: str | None, user: str | None) -> None:
    from .http import connect

    with connect(url, user) as api:
        vid = api.instance_id(instance_id)
        api.delete(f"/v1/instances/{vid}")
        typer.echo(
            f"deleted instance {vid}" if vid == instance_id else f"deleted instance {instance_id} ({vid})"
        )


@app.command("delete")
def delete_vm(instance_id: IdArg, url: UrlOpt = None, user: UserOpt = None) -> None:
    """Delete a stopped instance."""
    _delete(instance_id, url, user)


@app.command("destroy")
def destroy_vm(instance_id: IdArg, url: UrlOpt = None, user: UserOpt = None) -> None:
    """Delete a stopped instance, as Deltacloud's "destroy" (the same as `vm delete`).

    Not virsh's "destroy": to force a running instance off, use `vm poweroff`.
    """
    _delete(instance_id, url, user)


@app.command("adopt")
def adopt_vm(instance_id: IdArg, url: UrlOpt = None, user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """Admins: take over an instance (by its UUID) that another Hearth server on the host manages."""
    from .http import connect
    from .render import emit_item

    with connect(url, user) as api:
        _, inst = api.post(f"/v1/instances/{instance_id}/adopt")
        emit_item(inst, as_json)
