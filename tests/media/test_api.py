"""The media API over real HTTP: a real server (uvicorn on loopback) on the mock driver, a real
loopback HTTP origin for remote media, real files for dir sources and uploads."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import (
    ADMIN,
    DEMO,
    Running,
    assert_error,
    new_instance,
    serve_driver,
    wait_state,
    wait_task,
)
from tests.media.conftest import DEBIAN_VOLUME_ID, build_iso
from tests.media.httpserver import RangeServer


@pytest.fixture
def running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    monkeypatch.setenv("HEARTH_MEDIA_DIR", str(tmp_path / "media"))
    with serve_driver(tmp_path / "store") as r:
        yield r


@pytest.fixture
def admin(running: Running) -> Iterator[httpx.Client]:
    with running.client(ADMIN) as c:
        yield c


@pytest.fixture
def demo(running: Running) -> Iterator[httpx.Client]:
    with running.client(DEMO) as c:
        yield c


def make_source(admin: httpx.Client, **body: Any) -> dict[str, Any]:
    r = admin.post("/v1/media/sources", json=body)
    assert r.status_code == 201, r.text
    assert r.headers["location"].endswith(r.json()["id"])
    return dict(r.json())


def test_sources_are_admin_only_and_never_show_credentials(
    admin: httpx.Client, demo: httpx.Client, media_tree: Path, http: RangeServer
) -> None:
    assert_error(
        demo.post("/v1/media/sources", json={"name": "x", "type": "dir", "path": str(media_tree)}),
        403,
        "Forbidden",
    )
    local = make_source(admin, name="local", type="dir", path=str(media_tree))
    secret = f"http://mirror:pa55word@127.0.0.1:{http.port}/x.iso"
    remote = make_source(admin, name="mirror", type="url-list", urls=[secret])
    assert remote["urls"] == [f"http://***@127.0.0.1:{http.port}/x.iso"]
    listed = demo.get("/v1/media/sources").json()
    assert [s["name"] for s in listed["sources"]] == ["local", "mirror"] and listed["next"] is None
    assert "pa55word" not in demo.get("/v1/media/sources").text
    assert "pa55word" not in demo.get("/v1/media", params={"source": "mirror"}).text
    assert_error(
        admin.post("/v1/media/sources", json={"name": "local", "type": "dir", "path": str(media_tree)}),
        409,
        "Conflict",
    )
    assert_error(
        admin.post(
            "/v1/media/sources", json={"name": "n", "type": "nfs", "server": "-oexec", "export": "/x"}
        ),
        400,
        "ValidationError",
    )
    nfs = admin.post(
        "/v1/media/sources", json={"name": "nas", "type": "nfs", "server": "127.0.0.1", "export": "/srv"}
    )
    assert_error(nfs, 502, "BackendError")  # this kernel has no NFS client: mount.nfs says so
    assert_error(demo.delete(f"/v1/media/sources/{local['id']}"), 403, "Forbidden")
    assert admin.delete(f"/v1/media/sources/{local['id']}").status_code == 204
    assert_error(demo.get(f"/v1/media/sources/{local['id']}"), 404, "NotFound")


def test_listing_over_http_is_typed_and_confined(
    admin: httpx.Client, demo: httpx.Client, media_tree: Path
) -> None:
    make_source(admin, name="local", type="dir", path=str(media_tree))
    r = demo.get("/v1/media", params={"source": "local", "type": "iso", "recursive": "true"})
    assert r.status_code == 200, r.text
    items = r.json()["media"]
    assert [i["path"] for i in items] == ["isos/debian.iso", "isos/old/ancient.dat", "isos/tools.iso"]
    assert items[0]["os"] == "debian11" and items[0]["bootable"] is True
    page = demo.get("/v1/media", params={"source": "local", "limit": 2}).json()
    assert len(page["media"]) == 2 and page["next"]
    rest = demo.get("/v1/media", params={"source": "local", "limit": 2, "cursor": page["next"]}).json()
    assert [i["path"] for i in rest["media"]] == ["isos"]
    for hostile in ("../", "..%2f..%2fetc", "/etc", "isos/../../x", "%252e%252e/x", "a\\b", "\uff0e\uff0e/x"):
        bad = demo.get("/v1/media", params={"source": "local", "path": hostile})
        assert bad.status_code in (400, 403), (hostile, bad.text)
    raw = demo.get("/v1/media?source=local&path=%2E%2E%2F%2E%2E%2Fetc")  # encoded on the wire
    assert raw.status_code == 403
    nul = demo.get("/v1/media?source=local&path=isos%00")
    assert nul.status_code == 400


def test_chunked_upload_task_and_listing(admin: httpx.Client, demo: httpx.Client, tmp_path: Path) -> None:
    root = tmp_path / "uploads"
    root.mkdir()
    make_source(admin, name="up", type="dir", path=str(root))
    data = build_iso(tmp_path / "src.iso", "UPLOADED", bootable=True).read_bytes()
    body = {"source": "up", "path": "new.iso", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert_error(demo.post("/v1/media/uploads", json=body), 403, "Forbidden")
    r = admin.post("/v1/media/uploads", json=body)
    assert r.status_code == 201, r.text
    up = r.json()["id"]
    half = len(data) // 2
    put = admin.put(f"/v1/media/uploads/{up}", params={"offset": 0}, content=data[:half])
    assert put.json()["received"] == half
    assert_error(
        admin.put(f"/v1/media/uploads/{up}", params={"offset": half + 10}, content=b"x"), 409, "Conflict"
    )
    assert demo.get("/v1/media", params={"source": "up"}).json()["media"] == []  # nothing visible yet
    assert admin.put(f"/v1/media/uploads/{up}", params={"offset": half}, content=data[half:]).json()[
        "complete"
    ]
    fin = admin.post(f"/v1/media/uploads/{up}/finish")
    assert fin.status_code == 202
    task = wait_task(admin, fin.headers["location"])
    assert task["status"] == "succeeded", task
    assert task["result"]["volume_id"] == "UPLOADED"
    listed = demo.get("/v1/media", params={"source": "up"}).json()["media"]
    assert [(i["name"], i["type"], i["bootable"]) for i in listed] == [("new.iso", "iso", True)]
    assert (root / "new.iso").read_bytes() == data


def test_disks_remote_change_eject_and_cache_over_http(
    demo: httpx.Client, admin: httpx.Client, http: RangeServer, tmp_path: Path
) -> None:
    size = 4 << 20
    url_a = http.add("/a.iso", build_iso(tmp_path / "a.iso", DEBIAN_VOLUME_ID, pad_to=size))
    url_b = http.add("/b.iso", build_iso(tmp_path / "b.iso", "TOOLS", pad_to=size))
    inst = new_instance(demo)
    wait_state(demo, inst["id"], "RUNNING")
    base = f"/v1/instances/{inst['id']}/disks"
    assert_error(demo.post(base, json={"type": "cdrom", "media": url_a}), 409, "InvalidState")
    demo.post(f"/v1/instances/{inst['id']}/stop", json={"force": True})
    wait_state(demo, inst["id"], "STOPPED")
    made = demo.post(base, json={"type": "cdrom", "media": url_a, "readahead_bytes": 65536})
    assert made.status_code == 201, made.text
    dev = made.json()["dev"]
    assert made.headers["location"].endswith(f"/disks/{dev}") and made.json()["url"] == url_a
    demo.post(f"/v1/instances/{inst['id']}/start")
    wait_state(demo, inst["id"], "RUNNING")
    changed = demo.put(f"{base}/{dev}", json={"media": url_b})
    assert changed.status_code == 200 and changed.json()["url"] == url_b
    ejected = demo.put(f"{base}/{dev}", json={"media": None})
    assert ejected.json()["url"] is None and ejected.json()["path"] is None
    # a URL with credentials never reaches the VM config: it can only come through the cache
    private = demo.put(f"{base}/{dev}", json={"media": "http://u:secretpw@127.0.0.1:1/x.iso"})
    assert private.status_code == 202, private.text
    failed = wait_task(demo, private.headers["location"])
    assert failed["status"] == "failed" and "secretpw" not in str(failed) and "***@127.0.0.1:1" in str(failed)
    assert_error(demo.put(f"{base}/{dev}", json={"media": "/etc/passwd"}), 403, "Forbidden")
    assert_error(demo.put(f"{base}/{dev}", json={"media": "file:///etc/passwd"}), 400, "ValidationError")

    cached = demo.put(f"{base}/{dev}", params={"cache": "true"}, json={"media": url_a})
    assert cached.status_code == 202, cached.text  # a download first: a task
    task = wait_task(demo, cached.headers["location"])
    assert task["status"] == "succeeded", task
    assert task["result"]["path"] and task["result"]["url"] is None
    served = http.total_sent()

    second = new_instance(demo)
    wait_state(demo, second["id"], "RUNNING")
    demo.post(f"/v1/instances/{second['id']}/stop", json={"force": True})
    wait_state(demo, second["id"], "STOPPED")
    hit = demo.post(
        f"/v1/instances/{second['id']}/disks",
        params={"cache": "true"},
        json={"type": "cdrom", "media": url_a},
    )
    assert hit.status_code == 201, hit.text  # cached already: attached at once
    assert hit.json()["path"] == task["result"]["path"]
    assert http.total_sent() == served  # the second VM's attach took 0 bytes from the origin
    cache = demo.get("/v1/media/cache").json()
    assert len(cache["cache"]) == 1 and sorted(cache["cache"][0]["users"]) == sorted(
        [inst["id"], second["id"]]
    )
    assert cache["used"] == size
    assert [d["dev"] for d in demo.get(base).json()["disks"]] == [dev]
