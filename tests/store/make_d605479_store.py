"""Make ``d605479_store.sql``: a store as the code of commit d605479 left it, before each driver
owned its tables (one Alembic location, every driver's tables in every store, nine heads).

Not a test and not run by the suite: it needs that commit's code, so run it from a worktree of it:

    git worktree add /tmp/old d605479 && cd /tmp/old && <venv>/bin/python \\
        /path/to/tests/store/make_d605479_store.py /path/to/tests/store/d605479_store.sql

It fills the mock driver's tables through the mock driver itself, the shared tables through the
store's own functions, and puts one row into each other backend's tables (those drivers need a
hypervisor or a cloud), so a test can tell that opening the store with any backend loses nothing.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

# Modules of d605479 that this tree no longer has (so ruff sorts them apart).
from hearth.store.ec2 import Ec2Object
from hearth.store.libvirt import LibvirtNetwork
from hearth.store.qemu_images import QemuImage

from hearth.drivers import Caller
from hearth.drivers.mock import MockTiming, open_mock_driver
from hearth.drivers.resources import (
    Action,
    AddressCreate,
    DiskCreate,
    InstanceCreate,
    InterfaceCreate,
    InterfaceType,
    KeyCreate,
    MediumSource,
    NetworkCreate,
    NetworkRequest,
    RemovableType,
    SnapshotCreate,
    SubnetCreate,
    VolumeAttach,
    VolumeCreate,
)
from hearth.store import default_url, write_session
from hearth.store.idempotency import claim, complete
from hearth.store.media import MediaSourceRow
from hearth.store.tasks import TaskRow
from hearth.store.templates import TemplateRow
from hearth.store.users import create_user

STAMP = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def fill(state: Path) -> Path:
    url = default_url(state)
    driver = open_mock_driver(url, timing=MockTiming(boot_seconds=0, shutdown_seconds=0))
    engine = driver.engine
    carol = create_user(engine, "carol", "carol-password")
    me = Caller(carol.id)
    driver.create_key(me, KeyCreate(name="laptop"))
    net = driver.create_network(me, NetworkCreate(name="lan", address_blocks=["10.9.0.0/16"]))
    subnet = driver.create_subnet(
        me, SubnetCreate(network_id=net.id, name="lan-a", address_block="10.9.1.0/24")
    )
    web = driver.create_instance(
        me,
        InstanceCreate(
            image_id="debian-12",
            hwp_id="small",
            name="web",
            key_name="laptop",
            networks=[NetworkRequest(network_id=net.id, subnet_id=subnet.id)],
        ),
    )
    db = driver.create_instance(me, InstanceCreate(image_id="fedora-40", hwp_id="medium", name="db"))
    driver.act(me, db.id, Action.stop)
    driver.create_interface(me, db.id, InterfaceCreate(type=InterfaceType.user))
    driver.create_disk(
        me, db.id, DiskCreate(type=RemovableType.cdrom, medium=MediumSource(url="https://example.org/a.iso"))
    )
    volume = driver.create_volume(me, VolumeCreate(capacity_gb=2, name="data"))
    driver.attach_volume(me, volume.id, VolumeAttach(instance_id=web.id, device="vdb"))
    driver.create_snapshot(me, SnapshotCreate(volume_id=volume.id, name="nightly"))
    driver.create_address(me, AddressCreate(name="public"))
    with write_session(engine) as s:
        s.add(
            TaskRow(
                id="task-1",
                name="create web",
                owner_id=carol.id,
                kind="instances.create",
                status="done",
                progress=100,
                result={"id": web.id},
                updated=STAMP,
            )
        )
        s.add(
            TemplateRow(
                id="tpl-1",
                name="small-debian",
                owner_id=carol.id,
                definition={"memory_mib": 512, "vcpus": 1},
                updated=STAMP,
            )
        )
        s.add(
            MediaSourceRow(
                id="src-1", name="isos", owner_id="system", type="dir", path="/srv/isos", urls=[], cache=False
            )
        )
        # One row per other backend: their drivers need a hypervisor or a cloud to fill them.
        s.add(
            QemuImage(
                id="qimg-1",
                name="tiny",
                owner_id=carol.id,
                state="AVAILABLE",
                architecture="x86_64",
                disk="disk.qcow2",
                disk_format="qcow2",
            )
        )
        s.add(
            LibvirtNetwork(
                id="lnet-1",
                name="lab",
                owner_id=carol.id,
                realm_id="host-a",
                libvirt_name="hearth-lab",
                address_blocks=["10.77.0.0/24"],
            )
        )
        s.add(
            Ec2Object(
                id="i-0123456789abcdef0",
                name="edge",
                owner_id=carol.id,
                region="eu-west-1",
                kind="instance",
                key_name="laptop",
            )
        )
    who = (carol.id, "v1", "create-web-once")
    claim(engine, who, "f" * 64, "old-server", expired_before=STAMP, stale_before=STAMP)
    complete(engine, who, "old-server", 201, json.dumps({"id": web.id}), f"/v1/instances/{web.id}")
    driver.close()
    return state / "hearth.db"


def main() -> None:
    out = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(fill(Path(tmp)))
        lines = "\n".join(db.iterdump())
        db.close()
    header = "-- A Hearth store made by the code of commit d605479 (tests/store/make_d605479_store.py).\n"
    out.write_text(header + lines + "\n")


if __name__ == "__main__":
    main()
