"""`hearth media`: sources, listing, the cache, uploads, and a VM's removable drives (over the API).

Downloads into the cache and upload verification run as server tasks, followed with a progress
bar; an upload shows its own bar while the chunks go out, and resumes where the server says
it stopped when run again with ``--resume``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

import typer

from .client.options import JsonOpt, UrlOpt, UserOpt, WaitOpt

app = typer.Typer(
    name="media", help="Install media: sources, listing, cache, uploads, VM drives.", no_args_is_help=True
)

VmArg = Annotated[str, typer.Argument(help="instance id or name")]
MediaArg = Annotated[str, typer.Argument(help="media id (m-...), absolute path inside a source, or URL")]
CacheOpt = Annotated[
    bool, typer.Option("--cache", help="download remote media into the server's cache first")
]


def _source_columns() -> list[Any]:
    from .client.render import field

    return [("ID", field("id")), ("NAME", field("name")), ("TYPE", field("type")), ("CACHE", field("cache"))]


@app.command("sources")
def sources(url: UrlOpt = None, user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """List the media sources (URLs with credentials are shown masked)."""
    from .client.http import connect
    from .client.render import emit_list

    with connect(url, user) as api:
        emit_list(api.get_all("/v1/media/sources", "sources"), as_json, _source_columns(), "sources")


@app.command("source-add")
def source_add(
    name: Annotated[str, typer.Argument(help="name of the new source")],
    type: Annotated[str, typer.Option("--type", help="dir, nfs or url-list")],
    path: Annotated[str | None, typer.Option(help="directory (dir)")] = None,
    server: Annotated[str | None, typer.Option(help="NFS server (nfs)")] = None,
    export: Annotated[str | None, typer.Option(help="NFS export path (nfs)")] = None,
    media_url: Annotated[
        list[str] | None, typer.Option("--media-url", help="a URL of the catalogue (url-list)")
    ] = None,
    cache: Annotated[
        bool, typer.Option("--cache", help="attach this source's remote media through the cache")
    ] = False,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Define a media source (admins only)."""
    from .client.crud import created
    from .client.http import connect

    body = {
        "name": name,
        "type": type,
        "path": path,
        "server": server,
        "export": export,
        "urls": media_url or None,
    }
    with connect(url, user) as api:
        created(api, "/v1/media/sources", {**body, "cache": cache}, as_json)


@app.command("source-rm")
def source_rm(
    source: Annotated[str, typer.Argument(help="source id or name")], url: UrlOpt = None, user: UserOpt = None
) -> None:
    """Forget a media source (admins only); NFS sources are unmounted."""
    from .client.http import connect

    with connect(url, user) as api:
        api.delete(f"/v1/media/sources/{source}")
        typer.echo(f"removed media source {source}")


@app.command("ls")
def ls(
    source: Annotated[str, typer.Argument(help="source id or name")],
    path: Annotated[str, typer.Argument(help="directory inside the source")] = "",
    type: Annotated[str | None, typer.Option("--type", help="iso, vfd, img (comma-separated)")] = None,
    recursive: Annotated[bool, typer.Option("--recursive", "-r", help="the whole tree below path")] = False,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List directories and media (typed from content, ISOs with volume id and OS)."""
    from .client.http import connect
    from .client.render import emit_list, field

    columns = [
        ("PATH", field("path")),
        ("TYPE", lambda i: "dir" if i.get("is_dir") else i.get("type") or "-"),
        ("SIZE", field("size")),
        ("VOLUME", field("volume_id")),
        ("BOOT", field("bootable")),
        ("OS", field("os")),
        ("ID", field("id")),
    ]
    params: dict[str, Any] = {
        "source": source,
        "path": path,
        "type": type,
        "recursive": str(recursive).lower(),
    }
    items: list[Any] = []
    with connect(url, user) as api:
        while True:  # follow ``next``; "path" is a query parameter here, so no get_all
            page = api.call("GET", "/v1/media", params={**params, "limit": 1000})[1]
            items.extend(page["media"])
            if not page.get("next"):
                break
            params["cursor"] = page["next"]
        emit_list(items, as_json, columns, "media")


def _disk_call(
    api: Any, method: str, path: str, body: dict[str, Any], cache: bool, as_json: bool, wait: bool
) -> None:
    from .client.render import emit_item
    from .client.tasks import result_or_task

    status, data = api.call(method, path, body=body, params={"cache": "true" if cache else None})
    shown, _ = result_or_task(api, status, data, wait=wait, quiet=as_json)
    emit_item(shown, as_json)


@app.command("attach")
def attach(
    instance: VmArg,
    media: MediaArg,
    kind: Annotated[str, typer.Option("--type", help="cdrom or floppy")] = "cdrom",
    cache: CacheOpt = False,
    sha256: Annotated[str | None, typer.Option(help="expected sha256 of a cached download")] = None,
    wait: WaitOpt = True,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Put media in the first empty drive of the type (live when running); a new drive when stopped."""
    from .client.http import connect

    body = {"type": kind, "media": media, "sha256": sha256}
    with connect(url, user) as api:
        _disk_call(
            api, "POST", f"/v1/instances/{api.instance_id(instance)}/disks", body, cache, as_json, wait
        )


@app.command("change")
def change(
    instance: VmArg,
    dev: Annotated[str, typer.Argument(help="drive, e.g. sdb or hdc")],
    media: MediaArg,
    cache: CacheOpt = False,
    wait: WaitOpt = True,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change the medium of a drive in place (a live CD change when running)."""
    from .client.http import connect

    with connect(url, user) as api:
        _disk_call(
            api,
            "PUT",
            f"/v1/instances/{api.instance_id(instance)}/disks/{dev}",
            {"media": media},
            cache,
            as_json,
            wait,
        )


@app.command("eject")
def eject(
    instance: VmArg,
    dev: Annotated[str, typer.Argument(help="drive, e.g. sdb or hdc")],
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Eject the medium of a drive (live when running, and persistently)."""
    from .client.http import connect

    with connect(url, user) as api:
        _disk_call(
            api,
            "PUT",
            f"/v1/instances/{api.instance_id(instance)}/disks/{dev}",
            {"media": None},
            False,
            as_json,
            True,
        )


@app.command("cache")
def cache(url: UrlOpt = None, user: UserOpt = None, as_json: JsonOpt = False) -> None:
    """Show the server's media cache: objects, size, users."""
    from .client.http import connect
    from .client.render import emit_list, field, show_json

    with connect(url, user) as api:
        data = api.get("/v1/media/cache")
        if as_json:
            show_json(data)
            return
        columns = [
            ("SHA256", lambda e: e["sha256"][:16]),
            ("SIZE", field("size")),
            ("USERS", field("users")),
            ("URLS", field("urls")),
        ]
        emit_list(data["cache"], False, columns, "cache")
        typer.echo(f"{data['used']} of {data['limit']} bytes used")


@app.command("upload")
def upload(
    source: Annotated[str, typer.Argument(help="dir source id or name")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="local image")],
    dest: Annotated[
        str | None, typer.Option("--as", help="path inside the source (default: file name)")
    ] = None,
    resume: Annotated[str | None, typer.Option(help="id of an interrupted upload to continue")] = None,
    chunk_mib: Annotated[int, typer.Option(min=1, max=256, help="chunk size in MiB")] = 8,
    url: UrlOpt = None,
    user: UserOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Upload an image in chunks (resumable), then let the server verify and publish it."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    from .client.http import ClientError, connect
    from .client.render import console, emit_item
    from .client.tasks import result_or_task

    size = file.stat().st_size
    with connect(url, user) as api:
        if resume is None:
            digest = hashlib.sha256()
            with file.open("rb") as fh:
                while block := fh.read(1 << 20):
                    digest.update(block)
            body = {"source": source, "path": dest or file.name, "size": size, "sha256": digest.hexdigest()}
            state = api.post("/v1/media/uploads", body)[1]
        else:
            state = api.get(f"/v1/media/uploads/{resume}")
        upload_id = state["id"]
        offset = int(state["received"])
        with Progress(
            BarColumn(), DownloadColumn(), TransferSpeedColumn(), console=console(), disable=as_json
        ) as bar:
            row = bar.add_task("upload", total=size, completed=offset)
            with file.open("rb") as fh:
                fh.seek(offset)
                while offset < size:
                    chunk = fh.read(chunk_mib << 20)
                    resp = api._http.put(
                        f"/v1/media/uploads/{upload_id}", params={"offset": offset}, content=chunk
                    )
                    if resp.status_code >= 400:
                        message = resp.json().get("message", f"HTTP {resp.status_code}")
                        raise ClientError(f"upload {upload_id} stopped at {offset} bytes: {message}")
                    offset = int(resp.json()["received"])
                    bar.update(row, completed=offset)
        status, task = api.post(f"/v1/media/uploads/{upload_id}/finish")
        shown, _ = result_or_task(api, status, task, wait=True, quiet=as_json)
        emit_item(shown, as_json)
