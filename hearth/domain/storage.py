"""Typed views of libvirt storage ``<pool>`` and ``<volume>`` documents."""

from __future__ import annotations

from hearth.domain.formats import check_uuid
from hearth.domain.xmlbuilder import Int, Scaled, Str, XMLChildren, XMLObject

POOL_TYPES = (
    "dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd",
    "sheepdog", "gluster", "zfs", "vstorage",
)  # fmt: skip


class PoolSourceHost(XMLObject):
    TAG = "host"
    name = Str("@name")
    port = Int("@port")


class PoolSourceDevice(XMLObject):
    TAG = "device"
    path = Str("@path")


class StoragePool(XMLObject):
    TAG = "pool"
    ORDER = ("name", "uuid", "capacity", "allocation", "available", "features", "source", "target")
    type = Str("@type", choices=POOL_TYPES)
    name = Str("./name")
    uuid = Str("./uuid", check=check_uuid("uuid"))
    capacity_bytes = Scaled("./capacity", "bytes")
    allocation_bytes = Scaled("./allocation", "bytes")
    available_bytes = Scaled("./available", "bytes")
    source_hosts = XMLChildren(PoolSourceHost, "./source/host")
    source_dir = Str("./source/dir/@path", doc="the NFS export of a netfs pool, or a gluster dir")
    source_devices = XMLChildren(PoolSourceDevice, "./source/device")
    source_name = Str("./source/name")
    source_format = Str("./source/format/@type")
    target_path = Str("./target/path")
    target_mode = Str("./target/permissions/mode")
    target_owner = Int("./target/permissions/owner")
    target_group = Int("./target/permissions/group")


class StorageVolume(XMLObject):
    TAG = "volume"
    ORDER = ("name", "key", "source", "capacity", "allocation", "physical", "target", "backingStore")
    type = Str("@type")
    name = Str("./name")
    key = Str("./key")
    capacity_bytes = Scaled("./capacity", "bytes")
    allocation_bytes = Scaled("./allocation", "bytes")
    target_path = Str("./target/path")
    target_format = Str("./target/format/@type")
    target_mode = Str("./target/permissions/mode")
    target_compat = Str("./target/compat")
    backing_path = Str("./backingStore/path")
    backing_format = Str("./backingStore/format/@type")
