"""`hearth vm`: instances — list, show, create (from a template or an image), start, stop, reboot, delete."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .options import JsonOpt, UrlOpt, UserOpt, WaitOpt

app = typer.Typer(name="vm", help="Virtual machines (instances) on a Hearth server.", no_args_is_help=True)

IdArg = Annotated[str, typer.Argument(help="instance id or name")]


def _columns() -> list[Any]:
    from .render import field

    def ips(i: dict[str, Any]) -> Any:
        return (i.get("private_addresses") or []) + (i.get("public_addresses") or [])

    return [
        ("ID", field("id")),
        ("NAME", field("name")),
        ("STATE", field("state")),
        ("FROM", lambda i: i.get("template") or i.get("image")),
        ("MEMORY", lambda i: f"{i['memory_mib']} MiB" if i.get("memory_mib") else None),
        ("VCPUS", field("vcpus")),
        ("ADDRESSES", ips),
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
        emit_list(items, as_json, _columns(), "instances")


@app.command("show")
def show(instance_id: IdArg, url: UrlOpt = None, user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """Show one instance."""
    from .http import connect
    from .render import emit_item

    with connect(url, user) as api:
        emit_item(api.get(f"/v1/instances/{api.instance_id(instance_id)}"), as_json)


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
    wait: WaitOpt = True,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an instance from a template, or from an image and a hardware profile."""
    from .http import ClientError, client_errors, connect
    from .render import emit_item
    from .tasks import result_or_task

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
        shown, _ = result_or_task(api, status, made, wait=wait, quiet=as_json)
        emit_item(shown, as_json)


def _action(
    action: str, instance_id: str, url: str | None, user: str | None, as_json: bool, body: Any = None
) -> None:
    from .http import connect
    from .render import emit_item

    with connect(url, user) as api:
        _, inst = api.post(f"/v1/instances/{api.instance_id(instance_id)}/{action}", body)
        emit_item(inst, as_json)


@app.command("start")
def start_vm(instance_id: IdArg, url: UrlOpt = None, user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """Start a stopped instance."""
    _action("start", instance_id, url, user, as_json)


@app.command("stop")
def stop_vm(
    instance_id: IdArg,
    force: Annotated[bool, typer.Option("--force", help="power off at once")] = False,
    timeout: Annotated[float, typer.Option(help="seconds before it is forced off")] = 60.0,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask the guest to shut down (forced off after --timeout seconds)."""
    _action("stop", instance_id, url, user, as_json, {"force": force, "timeout": timeout})


@app.command("reboot")
def reboot_vm(instance_id: IdArg, url: UrlOpt = None, user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """Reboot a running instance."""
    _action("reboot", instance_id, url, user, as_json)


@app.command("delete")
def delete_vm(instance_id: IdArg, url: UrlOpt = None, user: UserOpt = None) -> None:
    """Delete a stopped instance."""
    from .http import connect

    with connect(url, user) as api:
        api.delete(f"/v1/instances/{api.instance_id(instance_id)}")
        typer.echo(f"deleted instance {instance_id}")


@app.command("adopt")
def adopt_vm(instance_id: IdArg, url: UrlOpt = None, user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """Admins: take over an instance (by its UUID) that another Hearth server on the host manages."""
    from .http import connect
    from .render import emit_item

    with connect(url, user) as api:
        _, inst = api.post(f"/v1/instances/{instance_id}/adopt")
        emit_item(inst, as_json)
