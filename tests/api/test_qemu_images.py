"""Adding images to the qemu driver over the API and the CLI: import host files, upload a disk.

A real server on loopback over the real qemu driver; ``hearth image add`` runs as a user runs it;
the imported kernel image boots the test guest under TCG.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_client import hearth, js, one_error_line
from tests.drivers.qemu.case import GUEST_OS, guest_files

from ._qemu import qemu_serving
from .conftest import ADMIN, DEMO, Running, assert_error, created, wait_state


@pytest.fixture(scope="module")
def qemu_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with qemu_serving(tmp_path_factory.mktemp("qemu-images")) as running:
        yield running


def _env(server: Running, who: tuple[str, str]) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    return {**clean, "HEARTH_URL": server.url, "HEARTH_USER": who[0], "HEARTH_PASSWORD": who[1]}


def test_an_admin_adds_a_kernel_image_from_host_files_and_it_boots(
    qemu_server: Running, request: pytest.FixtureRequest
) -> None:
    guest = guest_files(request)
    env = _env(qemu_server, ADMIN)
    made = js(
        env, "image", "add", "added-guest", "--os", GUEST_OS, "--kernel", str(guest.kernel),
        "--initrd", str(guest.initrd), "--cmdline", guest.append("wait"),
    )  # fmt: skip
    assert made["name"] == "added-guest" and made["state"] == "AVAILABLE"
    with qemu_server.client(DEMO) as demo:
        assert demo.get(f"/v1/images/{made['id']}").status_code == 200  # shared with every user
        r = demo.post("/v1/instances", json={"image_id": made["id"], "hwp_id": "small"})
        iid = created(demo, r, 120)["id"]
        wait_state(demo, iid, "RUNNING", timeout=120)
        assert demo.post(f"/v1/instances/{iid}/stop").status_code == 202


def test_an_admin_uploads_a_disk_image_with_the_cli(qemu_server: Running, tmp_path: Path) -> None:
    disk = tmp_path / "small.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "16M"], check=True)
    made = js(_env(qemu_server, ADMIN), "image", "add", "uploaded", "--os", "debian11", "--upload", str(disk))
    assert made["name"] == "uploaded" and made["os"] == "debian11" and made["state"] == "AVAILABLE"
    staging = list((Path(qemu_server.service.driver.staging_dir())).iterdir())
    assert staging == []  # the staged upload is gone once it is in the pool


def test_tenants_cannot_add_images_and_bad_files_are_named(qemu_server: Running, tmp_path: Path) -> None:
    disk = tmp_path / "d.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "16M"], check=True)
    with qemu_server.client(DEMO) as demo:
        body = {"name": "mine", "os": "debian11", "disk": str(disk)}
        assert_error(demo.post("/v1/images", json=body), 403, "Forbidden")
        up = demo.post("/v1/images/upload", params={"name": "m", "os": "debian11"}, content=b"x" * 1024)
        assert_error(up, 403, "Forbidden")
    error = one_error_line(
        hearth(
            _env(qemu_server, ADMIN),
            "image",
            "add",
            "x",
            "--os",
            "debian11",
            "--disk",
            "/nonexistent",
            ok=False,
        )
    )
    assert "'/nonexistent' is not a regular file on the server" in error
    with qemu_server.client(ADMIN) as admin:
        assert_error(
            admin.post("/v1/images", json={"name": "x", "os": "debian11", "disk": "rel"}),
            422,
            "ValidationError",
        )


def test_the_mock_driver_checks_an_import_like_a_real_one(server: Running, tmp_path: Path) -> None:
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\0" * 4096)
    with server.client(ADMIN) as admin, server.client(DEMO) as demo:
        r = admin.post("/v1/images", json={"name": "mocked", "os": "debian11", "disk": str(disk)})
        assert r.status_code == 201 and r.json()["os"] == "debian11", r.text
        assert demo.get(f"/v1/images/{r.json()['id']}").status_code == 200
        missing = admin.post("/v1/images", json={"name": "x", "os": "debian11", "disk": str(tmp_path / "no")})
        assert_error(missing, 400, "ValidationError")
        assert_error(
            demo.post("/v1/images", json={"name": "x", "os": "debian11", "disk": str(disk)}), 403, "Forbidden"
        )
