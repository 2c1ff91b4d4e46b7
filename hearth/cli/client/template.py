"""`hearth template`: Kimchi-style VM templates — list, show, create, clone, delete."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .crud import add_list_show_delete
from .options import JsonOpt, UrlOpt, UserOpt

app = typer.Typer(name="template", help="VM templates: instances are made from these.", no_args_is_help=True)


def _columns() -> list[Any]:
    from .render import field, human_gib, human_mib

    def problems(t: dict[str, Any]) -> list[str]:
        return [f"{k}: {', '.join(v)}" for k, v in (t.get("invalid") or {}).items() if v]

    return [
        ("NAME", field("name")),
        ("OS", field("os")),
        ("MEMORY", lambda t: human_mib(t["memory"]["current"])),
        ("CPUS", lambda t: t["vcpus"]["current"]),
        (
            "DISKS",
            lambda t: [human_gib(d["size"]) if "size" in d else f"image {d['base']}" for d in t["disks"]],
        ),
        ("NETWORKS", field("networks")),
        ("INTERFACES", lambda t: [f"{i['type']}:{i['source']}" for i in t["interfaces"]]),
        ("INVALID", problems),
    ]


add_list_show_delete(app, "templates", "template", _columns, id_help="template name or id")


def _disk(spec: str) -> dict[str, Any]:
    from .http import ClientError

    size, _, rest = spec.partition(":")
    fmt, _, pool = rest.partition(":")
    if not size.isdigit():
        raise ClientError(f"--disk {spec!r}: give SIZE_GIB[:FORMAT[:POOL]], e.g. 10 or 20:raw:default")
    disk: dict[str, Any] = {"size": int(size)}
    if fmt:
        disk["format"] = fmt
    if pool:
        disk["pool"] = pool
    return disk


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="template name")],
    os: Annotated[str | None, typer.Option("--os", help="osinfo short-id, e.g. debian11")] = None,
    memory: Annotated[int | None, typer.Option(help="MiB (default: site defaults, then osinfo)")] = None,
    max_memory: Annotated[int | None, typer.Option(help="MiB the guest may grow to")] = None,
    vcpus: Annotated[int | None, typer.Option(help="vCPUs at boot")] = None,
    max_vcpus: Annotated[int | None, typer.Option(help="vCPUs the guest may grow to")] = None,
    disk: Annotated[
        list[str] | None, typer.Option(help="new disk SIZE_GIB[:FORMAT[:POOL]] (repeatable)")
    ] = None,
    base_image: Annotated[list[str] | None, typer.Option(help="disk from this image id (repeatable)")] = None,
    no_disk: Annotated[bool, typer.Option("--no-disk", help="no disk at all")] = False,
    cdrom: Annotated[str | None, typer.Option(help="ISO path or http/https/ftp/ftps URL")] = None,
    kernel: Annotated[str | None, typer.Option(help="kernel for direct boot")] = None,
    initrd: Annotated[str | None, typer.Option(help="initrd for direct boot")] = None,
    cmdline: Annotated[str | None, typer.Option(help="kernel command line")] = None,
    graphics: Annotated[str | None, typer.Option(help="vnc, spice or none")] = None,
    listen: Annotated[str | None, typer.Option(help="graphics listen address")] = None,
    network: Annotated[list[str] | None, typer.Option(help="libvirt network (repeatable)")] = None,
    no_network: Annotated[bool, typer.Option("--no-network", help="no libvirt network")] = False,
    macvtap: Annotated[
        list[str] | None, typer.Option(help="macvtap on host device DEV[:bridge|vepa] (repeatable)")
    ] = None,
    ovs: Annotated[list[str] | None, typer.Option(help="Open vSwitch bridge (repeatable)")] = None,
    bridge: Annotated[list[str] | None, typer.Option(help="Linux bridge (repeatable)")] = None,
    from_file: Annotated[
        Path | None, typer.Option("--from-file", help="JSON body to start from (options override it)")
    ] = None,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a template; what you leave out comes from the server's defaults."""
    import json

    from .crud import created
    from .http import ClientError, client_errors, connect

    with client_errors():
        body: dict[str, Any] = {}
        if from_file is not None:
            try:
                body = json.loads(from_file.read_text())
            except (OSError, ValueError) as exc:
                raise ClientError(f"cannot read {from_file}: {exc}") from None
            if not isinstance(body, dict):
                raise ClientError(f"{from_file} must hold a JSON object")
        body["name"] = name
        if os is not None:
            body["os"] = os
        if "os" not in body:
            raise ClientError("give --os (an osinfo short-id such as debian11)")
        if memory is not None or max_memory is not None:
            if memory is None:
                raise ClientError("--max-memory needs --memory")
            body["memory"] = {"current": memory, "max": max_memory}
        if vcpus is not None or max_vcpus is not None:
            if vcpus is None:
                raise ClientError("--max-vcpus needs --vcpus")
            body["vcpus"] = {"current": vcpus, "max": max_vcpus}
        if no_disk and (disk or base_image):
            raise ClientError("--no-disk contradicts --disk/--base-image")
        if no_disk:
            body["disks"] = []
        elif disk or base_image:
            body["disks"] = [_disk(d) for d in disk or ()] + [{"base": b} for b in base_image or ()]
        for key, value in (("cdrom", cdrom), ("kernel", kernel), ("initrd", initrd), ("cmdline", cmdline)):
            if value is not None:
                body[key] = value
        if graphics is not None or listen is not None:
            body["graphics"] = {k: v for k, v in (("type", graphics), ("listen", listen)) if v is not None}
        if no_network and network:
            raise ClientError("--no-network contradicts --network")
        if no_network:
            body["networks"] = []
        elif network:
            body["networks"] = list(network)
        nics = list(body.get("interfaces", []))
        for spec in macvtap or ():
            dev, _, mode = spec.partition(":")
            nics.append({"type": "macvtap", "source": dev, **({"mode": mode} if mode else {})})
        nics += [{"type": "ovs", "source": b} for b in ovs or ()]
        nics += [{"type": "bridge", "source": b} for b in bridge or ()]
        if nics:
            body["interfaces"] = nics
        body = {k: v for k, v in body.items() if v is not None}
        if "memory" in body:
            body["memory"] = {k: v for k, v in body["memory"].items() if v is not None}
        if "vcpus" in body:
            body["vcpus"] = {k: v for k, v in body["vcpus"].items() if v is not None}
    with connect(url, user) as api:
        created(api, "/v1/templates", body, as_json)


@app.command("clone")
def clone(
    template: Annotated[str, typer.Argument(help="template name or id")],
    name: Annotated[str | None, typer.Option(help="name of the copy (default: <name>-clone<N>)")] = None,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Copy a template."""
    from .http import connect
    from .render import emit_item

    with connect(url, user) as api:
        _, made = api.post(f"/v1/templates/{template}/clone", {"name": name} if name else None)
        emit_item(made, as_json)
