"""Plain, immutable views of osinfo-db entries.

The designer and the API work with these, never with GObject instances: they are cheap to
keep, hash and compare, safe to share between threads, and free the upper layers from GI.
Inheritance (derives-from, clones) is already resolved when one of these is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ALL_ARCHES = "all"


@dataclass(frozen=True, slots=True)
class Device:
    """One device an OS has drivers for (osinfo ``<device>``), as linked from the OS."""

    id: str  # osinfo URI, e.g. http://pcisig.com/pci/1af4/1001
    name: str  # e.g. "virtio-block", "e1000e", "ich9-hda"
    device_class: str  # net | block | audio | input | video | controller | rng | ...
    bus_type: str | None = None  # pci | usb | isa | ...
    vendor_id: str | None = None
    product_id: str | None = None
    driver: str | None = None  # driver name from the OS's <driver> list, when known


@dataclass(frozen=True, slots=True)
class Resources:
    """One ``<minimum>``/``<recommended>``/``<maximum>``/``<network-install>`` block for an arch."""

    arch: str  # an arch name or "all"
    n_cpus: int | None = None
    cpu_hz: int | None = None
    ram_bytes: int | None = None
    storage_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class Firmware:
    arch: str
    type: str  # "efi" | "bios"
    supported: bool


@dataclass(frozen=True, slots=True)
class Media:
    """An installation medium osinfo knows, with the patterns that recognise it."""

    arch: str
    url: str | None = None
    volume_id: str | None = None  # regular expression
    publisher_id: str | None = None  # regular expression
    application_id: str | None = None  # regular expression
    system_id: str | None = None  # regular expression
    live: bool = False
    installer: bool = True
    id: str | None = None  # osinfo media id ("<os uri>:<n>"), links a match back to its entry


@dataclass(frozen=True, slots=True)
class OS:
    """An operating system with devices, resources and firmware already inherited."""

    id: str  # osinfo URI
    short_id: str
    name: str
    short_ids: tuple[str, ...] = ()
    family: str | None = None  # linux | winnt | win9x | freebsd | ...
    distro: str | None = None
    vendor: str | None = None
    version: str | None = None
    release_date: str | None = None
    eol_date: str | None = None
    derives_from: str | None = None  # short-id of the parent OS
    clones: str | None = None  # short-id of the OS this one clones
    devices: tuple[Device, ...] = ()  # supported ones only (supported="false" removed)
    minimum: tuple[Resources, ...] = ()
    recommended: tuple[Resources, ...] = ()
    maximum: tuple[Resources, ...] = ()
    network_install: tuple[Resources, ...] = ()
    firmwares: tuple[Firmware, ...] = ()
    media: tuple[Media, ...] = field(default=(), repr=False)
    kernel_url_arg: str | None = None

    def resources(self, kind: str, arch: str) -> Resources | None:
        """The ``kind`` (minimum|recommended|maximum|network_install) block for ``arch``.

        Falls back to the "all" block, as libosinfo and virt-install do.
        """
        blocks: tuple[Resources, ...] = getattr(self, kind)
        exact = next((r for r in blocks if r.arch == arch), None)
        return exact or next((r for r in blocks if r.arch == ALL_ARCHES), None)

    def devices_of_class(self, device_class: str) -> tuple[Device, ...]:
        return tuple(d for d in self.devices if d.device_class == device_class)

    def has_device(self, *names_or_ids: str) -> bool:
        """True if the OS supports any device named or identified by one of the arguments."""
        wanted = set(names_or_ids)
        return any(d.name in wanted or d.id in wanted for d in self.devices)

    def firmware_support(self, arch: str, fw_type: str) -> bool | None:
        """True/False when osinfo says so for this arch, None when it says nothing."""
        for fw in self.firmwares:
            if fw.arch == arch and fw.type == fw_type:
                return fw.supported
        return None

    def requires_efi(self, arch: str) -> bool:
        """EFI-only: EFI is supported and BIOS explicitly is not."""
        return self.firmware_support(arch, "efi") is True and self.firmware_support(arch, "bios") is False

    @property
    def is_windows(self) -> bool:
        return self.family in ("win9x", "winnt", "win16")


@dataclass(frozen=True, slots=True)
class MediaMatch:
    """What osinfo recognised on a medium: the OS and the osinfo entry that matched (its arch)."""

    os: OS
    media: Media
