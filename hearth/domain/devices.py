"""Typed views of the ``<devices>`` children of a libvirt domain.

Policy-free: these classes say what the XML *can* hold, never what it *should*; choosing a
bus or a model is the designer's job. Choices are listed only where libvirt's schema has a
closed set that we rely on (macvtap modes, disk device kinds).
"""

from __future__ import annotations

from typing import ClassVar

from hearth.domain.formats import check_address, check_mac, check_uuid, check_wwn
from hearth.domain.xmlbuilder import (
    Bool,
    Flag,
    Int,
    Str,
    XMLChild,
    XMLChildren,
    XMLObject,
)
from hearth.errors import ValidationError
from hearth.vocab.disk_devices import ALL_DISK_DEVICES
from hearth.vocab.macvtap_modes import ALL_MACVTAP_MODES

# Closed sets from libvirt's schema: tests/domain/test_schema_choices.py maps each to its place in
# the installed schema and gives the reason for every value the two differ by (vhostvdpa and ssh
# came with libvirt releases after Debian 12's 9.0, whose domains the model must still edit).
DISK_TYPES = ("file", "block", "network", "volume", "dir", "nvme", "vhostuser", "vhostvdpa")
NETWORK_DISK_PROTOCOLS = (
    "http", "https", "ftp", "ftps", "tftp", "nbd", "iscsi", "rbd", "sheepdog", "gluster", "vxhs",
    "nfs", "ssh",
)  # fmt: skip
MACVTAP_MODES: tuple[str, ...] = ALL_MACVTAP_MODES
INTERFACE_TYPES = (
    "network", "bridge", "direct", "user", "ethernet", "vhostuser", "hostdev", "mcast", "server",
    "client", "udp", "vdpa", "null", "vds", "internal",
)  # fmt: skip


class Address(XMLObject):
    """A device address (pci, drive, usb, ccw, virtio-mmio, …); attributes depend on ``type``."""

    TAG = "address"
    type = Str("@type")
    domain = Str("@domain", check=check_address("domain"))
    bus = Str("@bus", check=check_address("bus"))
    slot = Str("@slot", check=check_address("slot"))
    function = Str("@function", check=check_address("function"))
    multifunction = Bool("@multifunction", true="on", false="off")
    controller = Str("@controller", check=check_address("controller"))
    target = Str("@target", check=check_address("target"))
    unit = Str("@unit", check=check_address("unit"))
    port = Str("@port")
    cssid = Str("@cssid", check=check_address("cssid"))
    ssid = Str("@ssid", check=check_address("ssid"))
    devno = Str("@devno", check=check_address("devno"))


class DiskHost(XMLObject):
    """A ``<host>`` of a network disk source."""

    TAG = "host"
    name = Str("@name")
    port = Int("@port")
    transport = Str("@transport")
    socket = Str("@socket")


class Cookie(XMLObject):
    """An HTTP cookie sent with a network disk's requests (value is a secret)."""

    TAG = "cookie"
    name = Str("@name")
    value = Str(".")


class Disk(XMLObject):
    """A ``<disk>``: hard disk, cdrom, floppy or lun, with file/block/network/volume sources."""

    TAG = "disk"
    ORDER = (
        "driver", "source", "host", "snapshot", "config", "auth", "encryption", "reservations",
        "initiator", "slices", "ssl", "cookies", "readahead", "timeout", "backingStore", "format",
        "target", "iotune", "readonly", "shareable", "transient", "serial", "wwn", "vendor", "product",
        "boot", "alias", "address",
    )  # fmt: skip

    type = Str("@type", choices=DISK_TYPES)
    device = Str("@device", choices=ALL_DISK_DEVICES)
    snapshot = Str("@snapshot")

    driver_name = Str("./driver/@name")
    driver_type = Str("./driver/@type", doc="image format: raw, qcow2, vmdk, …")
    driver_cache = Str("./driver/@cache")
    driver_io = Str("./driver/@io")
    driver_discard = Str("./driver/@discard")
    driver_detect_zeroes = Str("./driver/@detect_zeroes")
    driver_iothread = Int("./driver/@iothread")
    driver_queues = Int("./driver/@queues")

    source_file = Str("./source/@file")
    source_dev = Str("./source/@dev")
    source_dir = Str("./source/@dir")
    source_pool = Str("./source/@pool")
    source_volume = Str("./source/@volume")
    source_protocol = Str("./source/@protocol", choices=NETWORK_DISK_PROTOCOLS)
    source_name = Str("./source/@name", doc="path part of a network source (URL path, image name)")
    source_query = Str("./source/@query", doc="query string of an http(s)/ftp(s) source, kept verbatim")
    source_startup_policy = Str("./source/@startupPolicy")
    source_hosts = XMLChildren(DiskHost, "./source/host")
    source_ssl_verify = Bool("./source/ssl/@verify")
    source_cookies = XMLChildren(Cookie, "./source/cookies/cookie")
    source_readahead_bytes = Int("./source/readahead/@size")
    source_timeout_seconds = Int("./source/timeout/@seconds")
    # libvirt also accepts <auth> directly under <disk> (as OpenStack writes it).
    source_auth_username = Str("./source/auth/@username", alt=("./auth/@username",))
    source_auth_secret_type = Str("./source/auth/secret/@type", alt=("./auth/secret/@type",))
    source_auth_secret_usage = Str("./source/auth/secret/@usage", alt=("./auth/secret/@usage",))
    source_auth_secret_uuid = Str(
        "./source/auth/secret/@uuid",
        alt=("./auth/secret/@uuid",),
        check=check_uuid("source_auth_secret_uuid"),
    )

    target_dev = Str("./target/@dev")
    target_bus = Str("./target/@bus")
    target_tray = Str("./target/@tray")
    target_removable = Bool("./target/@removable", true="on", false="off")
    boot_order = Int("./boot/@order")
    readonly = Flag("./readonly")
    shareable = Flag("./shareable")
    transient = Flag("./transient")
    serial = Str("./serial")
    wwn = Str("./wwn", check=check_wwn("wwn"))
    alias = Str("./alias/@name")
    address = XMLChild(Address)

    @property
    def source_path(self) -> str | None:
        """The local path of a file, block or dir source, whichever is set."""
        return self.source_file or self.source_dev or self.source_dir


def _check_macvtap_mode(iface: Interface, mode: str) -> None:
    if iface.type == "direct" and mode not in MACVTAP_MODES:
        raise ValidationError(
            f"interface source_mode of a direct (macvtap) NIC must be one of {', '.join(MACVTAP_MODES)},"
            f" not {mode!r}",
            field="source_mode",
            allowed=list(MACVTAP_MODES),
        )


class Interface(XMLObject):
    """An ``<interface>``: network, bridge (optionally Open vSwitch), direct (macvtap), user…"""

    TAG = "interface"
    ORDER = (
        "mac", "source", "vlan", "virtualport", "parameters", "ip", "route", "script", "backenddomain",
        "target", "guest", "model", "driver", "host", "backend", "filterref", "tune", "teaming", "link",
        "mtu", "coalesce", "rom", "boot", "alias", "address",
    )  # fmt: skip

    type = Str("@type", choices=INTERFACE_TYPES)
    trust_guest_rx_filters = Bool("@trustGuestRxFilters")
    mac = Str("./mac/@address", check=check_mac("mac"))
    source_network = Str("./source/@network")
    source_portgroup = Str("./source/@portgroup")
    source_bridge = Str("./source/@bridge")
    source_dev = Str("./source/@dev", doc="host interface for direct (macvtap) and hostdev types")
    source_mode = Str(
        "./source/@mode", check=_check_macvtap_mode, doc="macvtap mode (vepa, bridge, private, passthrough)"
    )
    virtualport_type = Str("./virtualport/@type", doc="openvswitch, 802.1Qbg, 802.1Qbh, midonet")
    virtualport_interfaceid = Str("./virtualport/parameters/@interfaceid")
    virtualport_profileid = Str("./virtualport/parameters/@profileid")
    target_dev = Str("./target/@dev")
    model = Str("./model/@type")
    driver_name = Str("./driver/@name")
    driver_queues = Int("./driver/@queues")
    link_state = Str("./link/@state", choices=("up", "down"))
    mtu = Int("./mtu/@size")
    boot_order = Int("./boot/@order")
    alias = Str("./alias/@name")
    address = XMLChild(Address)


class Controller(XMLObject):
    TAG = "controller"
    ORDER = ("model", "target", "driver", "master", "alias", "address")
    type = Str("@type")
    index = Int("@index")
    model = Str("@model")
    ports = Int("@ports")
    vectors = Int("@vectors")
    target_chassis = Int("./target/@chassis")
    target_port = Str("./target/@port")
    driver_queues = Int("./driver/@queues")
    driver_iothread = Int("./driver/@iothread")
    alias = Str("./alias/@name")
    address = XMLChild(Address)


class Graphics(XMLObject):
    TAG = "graphics"
    ORDER = ("listen", "channel", "image", "streaming", "clipboard", "mouse", "filetransfer", "gl", "audio")
    type = Str("@type")
    port = Int("@port")
    tls_port = Int("@tlsPort")
    autoport = Bool("@autoport")
    listen = Str("@listen")
    keymap = Str("@keymap")
    passwd = Str("@passwd", doc="a secret: never log it")
    listen_type = Str("./listen/@type")
    listen_address = Str("./listen/@address")
    listen_network = Str("./listen/@network")
    listen_socket = Str("./listen/@socket")
    gl_enable = Bool("./gl/@enable")


class Video(XMLObject):
    TAG = "video"
    ORDER = ("driver", "model", "acceleration", "resolution", "alias", "address")
    model = Str("./model/@type")
    vram = Int("./model/@vram")
    ram = Int("./model/@ram")
    vgamem = Int("./model/@vgamem")
    heads = Int("./model/@heads")
    primary = Bool("./model/@primary")
    accel3d = Bool("./model/acceleration/@accel3d")
    address = XMLChild(Address)


class Input(XMLObject):
    TAG = "input"
    ORDER = ("source", "driver", "alias", "address")
    type = Str("@type")
    bus = Str("@bus")
    model = Str("@model")
    address = XMLChild(Address)


class CharDevice(XMLObject):
    """Common shape of serial, console, parallel and channel devices."""

    ORDER = ("source", "protocol", "log", "target", "alias", "address")
    type = Str("@type")
    source_path = Str("./source/@path")
    source_mode = Str("./source/@mode")
    source_host = Str("./source/@host")
    source_service = Str("./source/@service")
    protocol = Str("./protocol/@type")
    log_file = Str("./log/@file")
    log_append = Bool("./log/@append", true="on", false="off")
    target_type = Str("./target/@type")
    target_port = Int("./target/@port")
    target_name = Str("./target/@name")
    target_model = Str("./target/model/@name")
    alias = Str("./alias/@name")
    address = XMLChild(Address)


class Serial(CharDevice):
    TAG = "serial"


class Console(CharDevice):
    TAG = "console"


class Parallel(CharDevice):
    TAG = "parallel"


class Channel(CharDevice):
    TAG = "channel"


class RNG(XMLObject):
    TAG = "rng"
    ORDER = ("rate", "backend", "driver", "alias", "address")
    model = Str("@model")
    backend_model = Str("./backend/@model", doc="random, egd or builtin")
    backend_path = Str("./backend", doc="the host source of entropy for the random backend")
    backend_type = Str("./backend/@type")
    rate_bytes = Int("./rate/@bytes")
    rate_period = Int("./rate/@period")
    address = XMLChild(Address)


class MemBalloon(XMLObject):
    TAG = "memballoon"
    ORDER = ("alias", "stats", "driver", "address")
    model = Str("@model")
    autodeflate = Bool("@autodeflate", true="on", false="off")
    free_page_reporting = Bool("@freePageReporting", true="on", false="off")
    stats_period = Int("./stats/@period")
    address = XMLChild(Address)


class TPM(XMLObject):
    TAG = "tpm"
    ORDER = ("backend", "alias", "address")
    model = Str("@model")
    backend_type = Str("./backend/@type", doc="emulator, passthrough or external")
    backend_version = Str("./backend/@version")
    backend_device_path = Str("./backend/device/@path")


class Watchdog(XMLObject):
    TAG = "watchdog"
    model = Str("@model")
    action = Str("@action")
    address = XMLChild(Address)


class Sound(XMLObject):
    TAG = "sound"
    model = Str("@model")
    address = XMLChild(Address)


class Filesystem(XMLObject):
    TAG = "filesystem"
    ORDER = ("driver", "binary", "source", "target", "readonly", "alias", "address")
    type = Str("@type")
    accessmode = Str("@accessmode")
    driver_type = Str("./driver/@type")
    source_dir = Str("./source/@dir")
    target_dir = Str("./target/@dir")
    readonly = Flag("./readonly")
    address = XMLChild(Address)


class Hostdev(XMLObject):
    TAG = "hostdev"
    mode = Str("@mode")
    type = Str("@type")
    managed = Bool("@managed")
    address = XMLChild(Address)


class Devices(XMLObject):
    """The ``<devices>`` section; each list is live and appends in libvirt's order."""

    TAG = "devices"
    ORDER: ClassVar[tuple[str, ...]] = (
        "emulator", "disk", "controller", "lease", "filesystem", "interface", "smartcard", "serial",
        "parallel", "console", "channel", "input", "tpm", "graphics", "sound", "audio", "video",
        "hostdev", "redirdev", "redirfilter", "hub", "watchdog", "memballoon", "rng", "shmem", "memory",
        "iommu", "vsock", "panic", "crypto",
    )  # fmt: skip

    emulator = Str("./emulator")
    disks = XMLChildren(Disk)
    controllers = XMLChildren(Controller)
    filesystems = XMLChildren(Filesystem)
    interfaces = XMLChildren(Interface)
    serials = XMLChildren(Serial)
    parallels = XMLChildren(Parallel)
    consoles = XMLChildren(Console)
    channels = XMLChildren(Channel)
    inputs = XMLChildren(Input)
    tpms = XMLChildren(TPM)
    graphics = XMLChildren(Graphics)
    sounds = XMLChildren(Sound)
    videos = XMLChildren(Video)
    hostdevs = XMLChildren(Hostdev)
    watchdogs = XMLChildren(Watchdog)
    memballoon = XMLChild(MemBalloon)
    rngs = XMLChildren(RNG)


__all__ = [
    "DISK_TYPES",
    "INTERFACE_TYPES",
    "MACVTAP_MODES",
    "NETWORK_DISK_PROTOCOLS",
    "RNG",
    "TPM",
    "Address",
    "Channel",
    "CharDevice",
    "Console",
    "Controller",
    "Cookie",
    "Devices",
    "Disk",
    "DiskHost",
    "Filesystem",
    "Graphics",
    "Hostdev",
    "Input",
    "Interface",
    "MemBalloon",
    "Parallel",
    "Serial",
    "Sound",
    "Video",
    "Watchdog",
]
