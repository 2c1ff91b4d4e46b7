"""`hearth iface`: an instance's network interfaces — list, add, remove (live on a running guest)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .options import JsonOpt, UrlOpt, UserOpt

app = typer.Typer(name="iface", help="Network interfaces of an instance.", no_args_is_help=True)

VmArg = Annotated[str, typer.Argument(help="instance id or name")]


def _columns() -> list[Any]:
    from .render import field

    return [
        ("MAC", field("mac")),
        ("TYPE", field("type")),
        ("SOURCE", field("source")),
        ("MODE", field("mode")),
        ("MODEL", field("model")),
        ("IPS", field("ips")),
    ]


@app.command("list")
def list_ifaces(instance: VmArg, url: UrlOpt = None, user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """List the instance's NICs with the addresses the host has seen."""
    from .http import connect
    from .render import emit_list

    with connect(url, user) as api:
        items = api.get_all(f"/v1/instances/{api.instance_id(instance)}/interfaces", "interfaces")
        emit_list(items, as_json, _columns(), "interfaces")


@app.command("add")
def add(
    instance: VmArg,
    type: Annotated[str, typer.Option("--type", help="network, bridge, ovs, macvtap or user")],
    source: Annotated[str | None, typer.Option(help="network, bridge or host device")] = None,
    mode: Annotated[str | None, typer.Option(help="bridge or vepa (macvtap only)")] = None,
    model: Annotated[str | None, typer.Option(help="virtio, e1000e, e1000 or rtl8139")] = None,
    mac: Annotated[str | None, typer.Option(help="MAC address (default: the server picks one)")] = None,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a NIC (live when the instance runs, and persistently)."""
    from .crud import created
    from .http import connect

    body = {"type": type, "source": source, "mode": mode, "model": model, "mac": mac}
    with connect(url, user) as api:
        created(api, f"/v1/instances/{api.instance_id(instance)}/interfaces", body, as_json)


@app.command("remove")
def remove(
    instance: VmArg,
    mac: Annotated[str, typer.Argument(help="MAC address of the NIC")],
    url: UrlOpt = None,
    user: UserOpt = None,
) -> None:
    """Remove a NIC (live when the instance runs, and persistently)."""
    from .http import connect

    with connect(url, user) as api:
        api.delete(f"/v1/instances/{api.instance_id(instance)}/interfaces/{mac}")
        typer.echo(f"removed interface {mac} from instance {instance}")
