"""`hearth image`: images — list, show, create (capture a stopped instance's disk), add, delete."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from .crud import add_list_show_delete
from .options import JsonOpt, UrlOpt, UserOpt, WaitOpt

app = typer.Typer(name="image", help="Images instances are created from.", no_args_is_help=True)


def _columns() -> list[Any]:
    from .render import field

    return [
        ("ID", field("id")),
        ("NAME", field("name")),
        ("STATE", field("state")),
        ("OS", field("os")),
        ("ARCH", field("architecture")),
        ("DESCRIPTION", field("description")),
    ]


add_list_show_delete(app, "images", "image", _columns)


@app.command("create")
def create(
    instance: Annotated[str, typer.Option(help="id of the stopped instance to capture")],
    name: Annotated[str, typer.Option(help="image name")],
    description: Annotated[str, typer.Option(help="free text")] = "",
    wait: WaitOpt = True,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Capture a stopped instance's disk as a new image."""
    from .crud import created
    from .http import connect

    with connect(url, user) as api:
        body = {"instance_id": instance, "name": name, "description": description}
        created(api, "/v1/images", body, as_json, wait=wait)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="image name")],
    os: Annotated[str, typer.Option("--os", help="osinfo short id of the guest OS, e.g. debian12")],
    disk: Annotated[
        Path | None, typer.Option(help="disk image on the server's host, copied into the pool")
    ] = None,
    upload: Annotated[
        Path | None, typer.Option(help="disk image here, uploaded to the server (any qemu-img format)")
    ] = None,
    kernel: Annotated[Path | None, typer.Option(help="kernel on the server's host, for direct boot")] = None,
    initrd: Annotated[Path | None, typer.Option(help="initrd on the server's host (with --kernel)")] = None,
    cmdline: Annotated[str | None, typer.Option(help="kernel command line (with --kernel)")] = None,
    description: Annotated[str, typer.Option(help="free text")] = "",
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add an image (admins): import files on the server's host, or upload a disk image."""
    from hearth.cli.output import fail

    from .crud import created
    from .http import connect
    from .render import emit_item

    if upload is not None and (disk or kernel or initrd or cmdline):
        raise fail(
            "--upload takes the disk from here; --disk, --kernel, --initrd and --cmdline are for host files"
        )
    if upload is None and disk is None and kernel is None:
        raise fail("give --disk or --kernel (files on the server's host), or --upload FILE")
    if upload is not None and not upload.is_file():
        raise fail(f"{upload} is not a file")
    with connect(url, user) as api:
        if upload is None:
            host = {
                k: str(v.absolute()) if v else None
                for k, v in (("disk", disk), ("kernel", kernel), ("initrd", initrd))
            }
            body = {"name": name, "os": os, "cmdline": cmdline, "description": description, **host}
            created(api, "/v1/images", body, as_json)
            return
        params = {"name": name, "os": os, "description": description}
        _, made = api.call("POST", "/v1/images/upload", params=params, content=_blocks(upload))
        emit_item(made, as_json)


def _blocks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while block := fh.read(size):
            yield block
