"""/v1/templates over real HTTP with the mock driver, validated against this host's real devices.

Host devices (veth, macvtap, Linux and OVS bridges) are created by the tests and removed after;
networks are the mock driver's (its shared "default" plus ones the tests create).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from hearth.drivers import Caller, Operation
from hearth.errors import NotFound, ValidationError
from hearth.host import HostInfo, LocalHost
from hearth.service import ServiceConfig, open_service
from hearth.service.template_defaults import ENV_VAR, load_defaults
from hearth.service.template_models import TemplateCreate
from hearth.service.templates import TemplateService
from hearth.store.users import get_user
from tests.host import netdevs

from ._live import error_of, wait_state, wait_task
from .conftest import ADMIN, DEMO, OTHER, Running, created, serve_driver


@pytest.fixture
def demo(server: Running) -> Iterator[httpx.Client]:
    with server.client(DEMO) as c:
        yield c
        for t in c.get("/v1/templates", params={"limit": 1000}).json()["templates"]:
            c.delete(f"/v1/templates/{t['id']}")


@pytest.fixture
def admin(server: Running) -> Iterator[httpx.Client]:
    with server.client(ADMIN) as c:
        yield c
        for t in c.get("/v1/templates", params={"limit": 1000}).json()["templates"]:
            if t["owner_id"] == _me(server, ADMIN):
                c.delete(f"/v1/templates/{t['id']}")


@pytest.fixture
def other(server: Running) -> Iterator[httpx.Client]:
    with server.client(OTHER) as c:
        yield c
        for t in c.get("/v1/templates", params={"limit": 1000}).json()["templates"]:
            c.delete(f"/v1/templates/{t['id']}")


def _me(server: Running, who: tuple[str, str]) -> str:
    account = get_user(server.service.engine, who[0])
    assert account is not None
    return account.id


def _create(client: httpx.Client, **body: Any) -> dict[str, Any]:
    resp = client.post("/v1/templates", json={"os": "debian11", **body})
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def _refused(client: httpx.Client, status: int, body: dict[str, Any], *words: str) -> dict[str, Any]:
    resp = client.post("/v1/templates", json={"os": "debian11", **body})
    assert resp.status_code == status, resp.text
    err = error_of(resp)
    for w in words:
        assert w in err["message"], (w, err["message"])
    return err


NO_PROBLEMS = {"networks": [], "interfaces": [], "cdrom": [], "pools": [], "images": [], "files": []}


# --- create and defaults ------------------------------------------------------------------------


def test_create_fills_defaults_from_osinfo_and_the_builtin_conf(demo: httpx.Client, server: Running) -> None:
    resp = demo.post("/v1/templates", json={"name": "web", "os": "debian11"})
    assert resp.status_code == 201, resp.text
    t = resp.json()
    assert resp.headers["location"] == f"/v1/templates/{t['id']}"
    assert t["name"] == "web" and t["os"] == "debian11" and t["owner_id"] == _me(server, DEMO)
    # debian11 in osinfo: 2 GiB recommended RAM, 20 GiB storage, 1 CPU minimum (→ 2 recommended)
    assert t["memory"] == {"current": 2048, "max": 2048}
    assert t["vcpus"] == {"current": 2, "max": 2, "topology": None}
    assert t["disks"] == [{"size": 20, "format": "qcow2", "pool": None}]
    assert t["graphics"] == {"type": "vnc", "listen": "127.0.0.1"}
    assert t["networks"] == ["default"] and t["interfaces"] == []
    assert t["invalid"] == NO_PROBLEMS
    assert demo.get("/v1/templates/web").json() == t
    assert demo.get(f"/v1/templates/{t['id']}").json() == t


def test_explicit_values_win(demo: httpx.Client) -> None:
    t = _create(
        demo,
        name="explicit",
        memory={"current": 512, "max": 2048},
        vcpus={"current": 2, "max": 4, "topology": {"sockets": 1, "cores": 2, "threads": 2}},
        disks=[{"size": 3, "format": "raw"}, {"base": "debian-12"}],
        graphics={"type": "spice", "listen": "::1"},
        networks=[],
        cmdline=None,
    )
    assert t["memory"] == {"current": 512, "max": 2048}
    assert t["vcpus"]["topology"] == {"sockets": 1, "cores": 2, "threads": 2}
    assert t["disks"] == [{"size": 3, "format": "raw", "pool": None}, {"base": "debian-12"}]
    assert t["graphics"] == {"type": "spice", "listen": "::1"} and t["networks"] == []


def test_site_defaults_come_from_template_conf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "template.conf"
    conf.write_text(
        "[main]\nnetworks =\n[memory]\ncurrent = 768\nmax = 1536\n[processor]\nvcpus = 3\n"
        "[storage]\nsize = 7\nformat = raw\n[graphics]\ntype = none\nlisten = 0.0.0.0\n"
    )
    monkeypatch.setenv(ENV_VAR, str(conf))
    with serve_driver(tmp_path) as running, running.client(DEMO) as c:
        t = _create(c, name="sited")
    assert t["memory"] == {"current": 768, "max": 1536}
    assert t["vcpus"] == {"current": 3, "max": 3, "topology": None}
    assert t["disks"] == [{"size": 7, "format": "raw", "pool": None}]
    assert t["graphics"] == {"type": "none", "listen": "0.0.0.0"}
    assert t["networks"] == []


def test_a_wrong_template_conf_stops_the_server_naming_file_section_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = tmp_path / "template.conf"
    conf.write_text("[memory]\ncurent = 768\n")
    monkeypatch.setenv(ENV_VAR, str(conf))
    with pytest.raises(ValidationError) as err:
        open_service(ServiceConfig(state_dir=tmp_path / "state"))
    assert (
        str(conf) in err.value.message and "[memory]" in err.value.message and "curent" in err.value.message
    )
    conf.write_text("[graphics]\ntype = rdp\n")
    with pytest.raises(ValidationError) as err:
        load_defaults(conf)
    assert "[graphics] type" in err.value.message and "rdp" in err.value.message


def test_a_missing_default_network_is_named(tmp_path: Path) -> None:
    """The site default network ("default") must exist; when it does not, the 400 says so."""
    with serve_driver(tmp_path) as running, running.client(ADMIN) as admin:
        assert admin.delete("/v1/subnets/default").status_code == 204
        assert admin.delete("/v1/networks/default").status_code == 204
        with running.client(DEMO) as demo:
            err = _refused(demo, 400, {"name": "t"}, "default network 'default'", "built-in defaults")
            assert err["error"] == "ValidationError"
            assert _create(demo, name="t", networks=[])["networks"] == []


def test_s390x_hosts_get_no_default_network(server: Running) -> None:
    """There is no s390x host here, so the host facts are this host's with the arch replaced."""

    class S390x(LocalHost):
        def info(self) -> HostInfo:
            return super().info().model_copy(update={"arch": "s390x"})

    account = get_user(server.service.engine, DEMO[0])
    assert account is not None
    who = Caller(account.id)
    templates = TemplateService(server.service, host=S390x())
    made = templates.create(who, TemplateCreate(name="zguest", os="debian11"))
    try:
        assert made.networks == []
        explicit = templates.create(who, TemplateCreate(name="zguest2", os="debian11", networks=["default"]))
        assert explicit.networks == ["default"]
    finally:
        for name in ("zguest", "zguest2"):
            with contextlib.suppress(NotFound):  # the second is missing if the first assert failed
                templates.delete(who, name)


# --- validation ---------------------------------------------------------------------------------


def test_unknown_network_interface_and_bridges_are_400_naming_them(demo: httpx.Client) -> None:
    err = _refused(
        demo, 400, {"name": "bad", "networks": ["nosuchnet"]}, "network 'nosuchnet' does not exist"
    )
    assert err["details"]["invalid"]["networks"] == ["nosuchnet"]
    _refused(
        demo,
        400,
        {"name": "bad", "interfaces": [{"type": "macvtap", "source": "hthnosuch0"}]},
        "host interface 'hthnosuch0' does not exist",
    )
    _refused(
        demo,
        400,
        {"name": "bad", "interfaces": [{"type": "ovs", "source": "hthnobr0"}]},
        "OVS bridge 'hthnobr0' does not exist",
    )
    _refused(
        demo,
        400,
        {"name": "bad", "interfaces": [{"type": "bridge", "source": "hthnobr1"}]},
        "Linux bridge 'hthnobr1' does not exist",
    )
    _refused(
        demo,
        400,
        {"name": "bad", "interfaces": [{"type": "bridge", "source": "lo"}]},
        "'lo' is a loopback device, not a Linux bridge",
    )
    _refused(
        demo,
        400,
        {"name": "bad", "interfaces": [{"type": "macvtap", "source": "lo"}]},
        "'lo' is a loopback device and cannot carry a macvtap",
    )
    assert demo.get("/v1/templates").json()["templates"] == []


def test_mode_is_for_macvtap_only(demo: httpx.Client, ovs_bridge: str) -> None:
    err = _refused(
        demo,
        400,
        {"name": "bad", "interfaces": [{"type": "ovs", "source": ovs_bridge, "mode": "vepa"}]},
        "mode applies to macvtap interfaces only, not ovs",
    )
    assert err["error"] == "ValidationError"


def test_closed_sets_and_shapes_are_schema_errors(demo: httpx.Client) -> None:
    for body, word in (
        ({"name": "x", "interfaces": [{"type": "networkX", "source": "a"}]}, "interfaces"),
        ({"name": "x", "graphics": {"type": "rdp"}}, "graphics"),
        ({"name": "x", "disks": [{"size": 1, "format": "vmdk"}]}, "disks"),
        ({"name": "x", "memory": {"current": 1024, "max": 512}}, "memory"),
        (
            {
                "name": "x",
                "vcpus": {"current": 2, "max": 4, "topology": {"sockets": 1, "cores": 1, "threads": 1}},
            },
            "topology",
        ),
        ({"name": "x", "initrd": "/boot/initrd.img"}, "kernel"),
        ({"name": "x", "cdrom": "relative.iso"}, "absolute"),
        ({"name": "x", "cdrom": "http://user:pw@example.org/a.iso"}, "credentials"),
        ({"name": "x", "os": "Debian 11"}, "os"),
        ({"name": "bad name!"}, "name"),
        ({"name": "x", "colour": "red"}, "colour"),
    ):
        err = _refused(demo, 422, body, word)
        assert err["error"] == "ValidationError"
        assert "pw" not in err["message"]


def test_unknown_os_is_400_with_suggestions(demo: httpx.Client) -> None:
    _refused(demo, 400, {"name": "x", "os": "debian99"}, "debian99", "did you mean")


def test_pools_are_checked_with_the_driver(demo: httpx.Client, server: Running) -> None:
    err = _refused(demo, 400, {"name": "x", "disks": [{"size": 1, "pool": "nopool"}]}, "'nopool'")
    assert err["details"]["invalid"]["pools"] == ["nopool"]
    if server.service.capabilities.supports(Operation.pools_list):
        assert "storage pool 'nopool' does not exist" in err["message"]
    else:
        assert "has no storage pools" in err["message"]


def test_base_images_must_exist(demo: httpx.Client) -> None:
    err = _refused(demo, 400, {"name": "x", "disks": [{"base": "no-such-image"}]}, "image 'no-such-image'")
    assert err["details"]["invalid"]["images"] == ["no-such-image"]


def test_local_files_are_for_admins_and_must_exist(
    demo: httpx.Client, admin: httpx.Client, tmp_path: Path
) -> None:
    iso = tmp_path / "install.iso"
    iso.write_bytes(b"\0" * 4096)
    err = _refused(demo, 403, {"name": "x", "cdrom": str(iso)}, "only an admin", "cdrom")
    assert err["error"] == "Forbidden"
    assert _create(demo, name="byurl", cdrom="https://example.org/debian.iso")["cdrom"].startswith("https://")
    _refused(
        admin, 400, {"name": "x", "cdrom": str(tmp_path / "none.iso")}, "none.iso", "not a readable file"
    )
    _refused(admin, 400, {"name": "x", "kernel": str(tmp_path / "vmlinuz")}, "kernel", "vmlinuz")
    t = _create(admin, name="withiso", cdrom=str(iso))
    assert t["invalid"] == NO_PROBLEMS
    iso.unlink()
    shown = admin.get(f"/v1/templates/{t['id']}").json()
    assert shown["invalid"]["cdrom"] == [str(iso)]


# --- the host changes under stored templates ----------------------------------------------------


def test_macvtap_on_a_real_veth_and_its_disappearance(demo: httpx.Client) -> None:
    with netdevs.veth_pair() as (a, _):
        t = _create(demo, name="mvt", networks=[], interfaces=[{"type": "macvtap", "source": a}])
        assert t["interfaces"] == [{"type": "macvtap", "source": a, "mode": "bridge"}]
        assert t["invalid"] == NO_PROBLEMS
        vepa = _create(
            demo, name="mvt2", networks=[], interfaces=[{"type": "macvtap", "source": a, "mode": "vepa"}]
        )
        assert vepa["interfaces"][0]["mode"] == "vepa"
    shown = demo.get("/v1/templates/mvt").json()
    assert shown["invalid"]["interfaces"] == [a]
    listed = {x["name"]: x for x in demo.get("/v1/templates").json()["templates"]}
    assert listed["mvt"]["invalid"]["interfaces"] == [a]
    resp = demo.post("/v1/instances", json={"template": "mvt"})
    assert resp.status_code == 400, resp.text
    assert f"host interface '{a}' does not exist" in error_of(resp)["message"]


def test_ovs_and_linux_bridges(demo: httpx.Client, ovs_bridge: str) -> None:
    with netdevs.linux_bridge() as br:
        t = _create(
            demo,
            name="bridged",
            networks=[],
            interfaces=[{"type": "ovs", "source": ovs_bridge}, {"type": "bridge", "source": br}],
        )
        assert t["invalid"] == NO_PROBLEMS
        assert [i["mode"] for i in t["interfaces"]] == [None, None]
        _refused(
            demo,
            400,
            {"name": "x", "networks": [], "interfaces": [{"type": "ovs", "source": br}]},
            f"OVS bridge '{br}' does not exist",
        )
    assert demo.get("/v1/templates/bridged").json()["invalid"]["interfaces"] == [br]
    netdevs.run("ovs-vsctl", "--timeout=10", "del-br", ovs_bridge)
    assert demo.get("/v1/templates/bridged").json()["invalid"]["interfaces"] == [ovs_bridge, br]


def test_a_deleted_network_shows_as_invalid(demo: httpx.Client) -> None:
    net = demo.post("/v1/networks", json={"name": "lab", "address_blocks": ["10.9.0.0/24"]}).json()
    t = _create(demo, name="labbed", networks=["lab"])
    assert t["invalid"]["networks"] == []
    assert demo.delete(f"/v1/networks/{net['id']}").status_code == 204
    assert demo.get("/v1/templates/labbed").json()["invalid"]["networks"] == ["lab"]


# --- ownership, update, clone, delete, listing ---------------------------------------------------


def test_templates_are_owned(
    demo: httpx.Client, other: httpx.Client, admin: httpx.Client, server: Running
) -> None:
    mine = _create(demo, name="shared-name", networks=[])
    assert other.get("/v1/templates/shared-name").status_code == 404
    assert other.get(f"/v1/templates/{mine['id']}").status_code == 404
    assert other.delete(f"/v1/templates/{mine['id']}").status_code == 404
    assert other.post("/v1/instances", json={"template": mine["id"]}).status_code == 404
    theirs = _create(other, name="shared-name", networks=[])  # names are per owner
    assert [t["id"] for t in other.get("/v1/templates").json()["templates"]] == [theirs["id"]]
    seen = {t["id"] for t in admin.get("/v1/templates").json()["templates"]}
    assert {mine["id"], theirs["id"]} <= seen
    resp = admin.get("/v1/templates/shared-name")
    assert resp.status_code == 400 and "give the template id" in error_of(resp)["message"]
    assert admin.get(f"/v1/templates/{theirs['id']}").json()["owner_id"] == _me(server, OTHER)
    dup = demo.post("/v1/templates", json={"name": "shared-name", "os": "debian11", "networks": []})
    assert dup.status_code == 409 and "shared-name" in error_of(dup)["message"]


def test_update_changes_only_what_is_given(demo: httpx.Client) -> None:
    t = _create(demo, name="upd", networks=[], cdrom="https://example.org/a.iso")
    resp = demo.patch("/v1/templates/upd", json={"memory": {"current": 2048}, "name": "upd2", "cdrom": None})
    assert resp.status_code == 200, resp.text
    u = resp.json()
    assert u["id"] == t["id"] and u["name"] == "upd2"
    assert u["memory"] == {"current": 2048, "max": None} and u["cdrom"] is None
    assert u["disks"] == t["disks"] and u["vcpus"] == t["vcpus"]
    assert datetime.fromisoformat(u["updated"]) > datetime.fromisoformat(t["updated"])
    assert u["created"] == t["created"]
    assert demo.get("/v1/templates/upd").status_code == 404
    bad = demo.patch("/v1/templates/upd2", json={"networks": ["nosuchnet"]})
    assert bad.status_code == 400 and "nosuchnet" in error_of(bad)["message"]
    bad = demo.patch(
        "/v1/templates/upd2", json={"interfaces": [{"type": "bridge", "source": "lo", "mode": "vepa"}]}
    )
    assert bad.status_code == 400 and "mode applies to macvtap" in error_of(bad)["message"]
    for body in ({}, {"memory": None}, {"os": "x y"}):
        assert demo.patch("/v1/templates/upd2", json=body).status_code == 422, body
    assert demo.patch("/v1/templates/upd2", json={"initrd": "/boot/x"}).status_code == 400
    other = _create(demo, name="other", networks=[])
    clash = demo.patch(f"/v1/templates/{other['id']}", json={"name": "upd2"})
    assert clash.status_code == 409


def test_clone(demo: httpx.Client, admin: httpx.Client, server: Running) -> None:
    t = _create(demo, name="orig", networks=[], memory={"current": 256})
    first = demo.post("/v1/templates/orig/clone")
    assert first.status_code == 201, first.text
    c1 = first.json()
    assert first.headers["location"] == f"/v1/templates/{c1['id']}"
    assert c1["name"] == "orig-clone1" and c1["id"] != t["id"] and c1["memory"] == t["memory"]
    assert demo.post("/v1/templates/orig/clone").json()["name"] == "orig-clone2"
    named = demo.post(f"/v1/templates/{t['id']}/clone", json={"name": "copy"})
    assert named.status_code == 201 and named.json()["name"] == "copy"
    assert demo.post("/v1/templates/orig/clone", json={"name": "copy"}).status_code == 409
    by_admin = admin.post(f"/v1/templates/{t['id']}/clone").json()
    assert by_admin["owner_id"] == _me(server, ADMIN) and by_admin["name"] == "orig-clone1"
    assert demo.post("/v1/templates/nosuch/clone").status_code == 404


def test_delete(demo: httpx.Client) -> None:
    t = _create(demo, name="gone", networks=[])
    assert demo.delete("/v1/templates/gone").status_code == 204
    assert demo.get(f"/v1/templates/{t['id']}").status_code == 404
    resp = demo.delete("/v1/templates/gone")
    assert resp.status_code == 404 and error_of(resp)["error"] == "NotFound"


def test_listing_pages(demo: httpx.Client) -> None:
    made = [_create(demo, name=f"p{i}", networks=[])["id"] for i in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        page = demo.get("/v1/templates", params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [t["id"] for t in page["templates"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == made


def test_unauthenticated_is_401(server: Running) -> None:
    with httpx.Client(base_url=server.url) as anon:
        resp = anon.get("/v1/templates")
    assert resp.status_code == 401 and "WWW-Authenticate" in resp.headers


# --- instances from templates -------------------------------------------------------------------


def test_instance_from_a_template_with_disks_is_a_task(demo: httpx.Client) -> None:
    t = _create(demo, name="srv", memory={"current": 512}, vcpus={"current": 2})
    resp = demo.post("/v1/instances", json={"template": "srv", "name": "srv-1"})
    assert resp.status_code == 202, resp.text
    task = resp.json()
    done = wait_task(demo, task)
    assert done["status"] == "succeeded" and done["progress"] == 100, done
    inst = done["result"]
    assert resp.headers["location"] == f"/v1/instances/{inst['id']}"  # named before it was made
    assert inst["name"] == "srv-1" and inst["template"] == t["id"]
    assert (inst["memory_mib"], inst["vcpus"]) == (512, 2)
    running = wait_state(demo, inst["id"], "RUNNING")
    nics = demo.get(f"/v1/instances/{inst['id']}/interfaces").json()["interfaces"]
    assert [(n["type"], n["source"]) for n in nics] == [("network", "default")]
    assert running["private_addresses"] == nics[0]["ips"]
    _remove_instance(demo, inst["id"])


def test_instance_without_disks_is_a_task_too(demo: httpx.Client, ovs_bridge: str) -> None:
    with netdevs.veth_pair() as (a, _):
        _create(
            demo,
            name="light",
            disks=[],
            networks=[],
            interfaces=[
                {"type": "macvtap", "source": a, "mode": "vepa"},
                {"type": "ovs", "source": ovs_bridge},
            ],
        )
        resp = demo.post("/v1/instances", json={"template": "light"})
        inst = created(demo, resp)  # one shape for every create: 202, the task, the instance's URL
        assert resp.headers["location"] == f"/v1/instances/{inst['id']}"
        nics = demo.get(f"/v1/instances/{inst['id']}/interfaces").json()["interfaces"]
        assert sorted((n["type"], n["source"], n["mode"] or "") for n in nics) == [
            ("macvtap", a, "vepa"),
            ("ovs", ovs_bridge, ""),
        ]
        wait_state(demo, inst["id"], "RUNNING")
        _remove_instance(demo, inst["id"])


def test_start_false_leaves_the_instance_stopped(demo: httpx.Client) -> None:
    """No disks to make: still a task (one shape for every create), STOPPED without ever having run."""
    _create(demo, name="cold", disks=[], networks=[])
    tasks_before = {t["id"] for t in demo.get("/v1/tasks", params={"limit": 1000}).json()["tasks"]}
    resp = demo.post("/v1/instances", json={"template": "cold", "start": False})
    inst = created(demo, resp)
    seen = [inst["state"]]
    while seen[-1] != "STOPPED":
        assert len(seen) < 5000, seen
        seen.append(demo.get(f"/v1/instances/{inst['id']}").json()["state"])
    assert set(seen) <= {"PENDING", "STOPPED"}, seen
    tasks_after = {t["id"] for t in demo.get("/v1/tasks", params={"limit": 1000}).json()["tasks"]}
    assert tasks_after - tasks_before == {resp.json()["id"]}
    assert demo.delete(f"/v1/instances/{inst['id']}").status_code == 204


def test_start_false_with_disks_is_a_task_that_never_starts_it(demo: httpx.Client) -> None:
    _create(demo, name="cold-disk", disks=[{"size": 1}], networks=[])
    resp = demo.post("/v1/instances", json={"template": "cold-disk", "start": False})
    assert resp.status_code == 202, resp.text
    done = wait_task(demo, resp.json())
    assert done["status"] == "succeeded", done
    inst = done["result"]
    assert inst["state"] in ("PENDING", "STOPPED")
    assert wait_state(demo, inst["id"], "STOPPED")["actions"] == ["start", "destroy"]
    assert demo.post(f"/v1/instances/{inst['id']}/start").status_code == 202
    wait_state(demo, inst["id"], "RUNNING")
    _remove_instance(demo, inst["id"])


def test_instantiating_unknown_or_broken_templates(demo: httpx.Client) -> None:
    resp = demo.post("/v1/instances", json={"template": "nosuch"})
    assert resp.status_code == 404 and "nosuch" in error_of(resp)["message"]
    resp = demo.post("/v1/instances", json={"template": "x", "name": "bad name"})
    assert resp.status_code == 422


def _remove_instance(client: httpx.Client, instance_id: str) -> None:
    client.post(f"/v1/instances/{instance_id}/stop", json={"force": True}).raise_for_status()
    wait_state(client, instance_id, "STOPPED")
    assert client.delete(f"/v1/instances/{instance_id}").status_code == 204


@pytest.fixture
def ovs_bridge() -> Iterator[str]:
    with netdevs.ovs_bridge() as name:
        yield name
