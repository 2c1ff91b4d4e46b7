"""Devices beyond disks and NICs, each as libvirt's QEMU driver builds it.

Includes the devices libvirt adds on its own when the XML is silent (a USB controller and a
virtio balloon unless the XML says ``none``), so the guest sees the same board either way.
Character devices get a host side hearth.qemu can own (a file, or nothing at all for a
pty/socket nobody here would read); the guest sees the same port in every case.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hearth.domain import Domain
from hearth.domain.devices import CharDevice, Video
from hearth.errors import NotSupported, ValidationError
from hearth.qemu import devices as dev
from hearth.qemu.machine import Machine
from hearth.qemu.properties import Backend, Device, Parts, Scalar

USB_MODELS = {
    "piix3-uhci": "piix3-usb-uhci",
    "piix4-uhci": "piix4-usb-uhci",
    "ehci": "usb-ehci",
    "ich9-ehci1": "ich9-usb-ehci1",
    **{f"ich9-uhci{i}": f"ich9-usb-uhci{i}" for i in (1, 2, 3)},
    "qemu-xhci": "qemu-xhci",
    "nec-xhci": "nec-usb-xhci",
}
_UHCI_COMPANIONS = {"ich9-uhci1": 0, "ich9-uhci2": 2, "ich9-uhci3": 4}  # libvirt's default startport
ICH9_USB_SET = frozenset({"ich9-ehci1", *_UHCI_COMPANIONS})
_XHCI = {"qemu-xhci", "nec-xhci"}
VIDEO_MODELS = {
    "vga": ("VGA", "VGA"),
    "cirrus": ("cirrus-vga", "cirrus-vga"),
    "virtio": ("virtio-vga", "virtio-gpu-pci"),
    "qxl": ("qxl-vga", "qxl"),
    "bochs": ("bochs-display", "bochs-display"),
    "ramfb": ("ramfb", "ramfb"),
}
# libvirt's sizes (KiB) for a <model> that gives none, passed to QEMU whether given or not:
# QEMU's own defaults differ for qxl (max_outputs 0, a 64-bit VRAM BAR), so the guest would
# see another card.
_VIDEO_KIB = {
    "vga": {"vram": 16384},
    "bochs": {"vram": 16384},
    "qxl": {"ram": 65536, "vram": 65536, "vgamem": 16384},
}
_WATCHDOGS = {"i6300esb": "i6300esb", "ib700": "ib700"}
_WATCHDOG_ACTIONS = {"reset", "shutdown", "poweroff", "pause", "none", "inject-nmi"}


def usb_controller_id(index: int) -> str:
    """libvirt's id for USB controller ``index`` (``usb``, ``usb1``...), so ``bus=usb.0`` means the same."""
    return "usb" if index == 0 else f"usb{index}"


# libvirt 9.0 makes a <controller type='usb'> without a model PIIX3 UHCI on every x86 board, q35
# too (where it sits behind a PCIe-to-PCI bridge); only the controller it adds itself follows the board.
MODEL_LESS_USB = "piix3-uhci"


def default_usb_model(machine_type: str) -> str:
    """libvirt's model for the USB controller it adds to a domain that names none."""
    return "qemu-xhci" if machine_type.startswith(("q35", "pc-q35")) else "piix3-uhci"


def usb_controller(model: str, index: int, ports: int | None, startport: int | None) -> Device:
    if model not in USB_MODELS:
        raise NotSupported(f"USB controller model {model!r} is not supported by hearth.qemu")
    device: Device = {"driver": USB_MODELS[model]}
    if model in _UHCI_COMPANIONS:
        device["masterbus"] = f"{usb_controller_id(index)}.0"
        device["firstport"] = _UHCI_COMPANIONS[model] if startport is None else startport
        return device
    if startport is not None:
        raise ValidationError(f"<master startport> only belongs on an ICH9 UHCI companion, not {model}")
    if ports is not None:
        if model not in _XHCI:
            raise NotSupported(f"ports= on USB controller {model} is not supported by hearth.qemu")
        device["p2"] = device["p3"] = ports
    device["id"] = usb_controller_id(index)
    return device


def implicit_usb(domain: Domain, machine: Machine) -> None:
    """libvirt adds a USB controller unless one (or ``model='none'``) is given."""
    if not any(c.type == "usb" for c in domain.devices.controllers):
        machine.devices.append(usb_controller(default_usb_model(machine.machine_type), 0, None, None))


def implicit_balloon(domain: Domain, machine: Machine) -> None:
    """libvirt adds a virtio memory balloon unless ``<memballoon model='none'/>`` says otherwise."""
    if domain.devices.memballoon is None:
        machine.add(dev.balloon("balloon0"))


def balloon(domain: Domain, place: Callable[[Device, object], Device]) -> Parts:
    found = domain.devices.memballoon
    if found is None or found.model == "none":
        return Parts()
    if found.model != "virtio":
        raise NotSupported(f"memballoon model {found.model!r} is not supported by hearth.qemu")
    device: Device = {"driver": "virtio-balloon-pci", "id": "balloon0"}
    if found.autodeflate is not None:
        device["deflate-on-oom"] = found.autodeflate
    if found.free_page_reporting is not None:
        device["free-page-reporting"] = found.free_page_reporting
    return Parts([], [place(device, found)])


def videos(domain: Domain, place: Callable[[Device, object], Device]) -> list[Device]:
    """The primary ``<video>`` is a VGA-compatible device, a secondary one is not (libvirt's rule)."""
    out: list[Device] = []
    items = list(domain.devices.videos)
    if not items and domain.devices.graphics:
        return [{"driver": "cirrus-vga", "id": "video0"}]  # libvirt's video for a display without <video>
    primary = next((i for i, v in enumerate(items) if v.primary), 0)
    for i, video in enumerate(items):
        model = video.model or "vga"
        if model == "none":
            continue
        if model not in VIDEO_MODELS:
            raise NotSupported(f"video model {model!r} is not supported by hearth.qemu")
        first, other = VIDEO_MODELS[model]
        device: Device = {"driver": first if i == primary else other, "id": f"video{i}"}
        if i != primary and model in ("vga", "cirrus", "bochs", "ramfb"):
            raise ValidationError(f"video model {model!r} can only be the primary video device")
        device.update(_video_memory(model, video))
        out.append(place(device, video))
    # the primary goes first: QEMU's first VGA device is the boot display
    if primary and out:
        out.insert(0, out.pop(primary))
    return out


def _video_memory(model: str, video: Video) -> Device:
    """The size and head properties libvirt always passes for ``model`` (its defaults filled in)."""
    kib = _VIDEO_KIB.get(model, {})
    vram = video.vram or kib.get("vram", 0)
    heads = video.heads or 1
    if model == "vga":
        return {"vgamem_mb": vram // 1024}
    if model == "bochs":
        return {"vgamem": vram * 1024}
    if model == "virtio":
        return {"max_outputs": heads}
    if model == "qxl":
        return {
            "max_outputs": heads,
            "ram_size": (video.ram or kib["ram"]) * 1024,
            "vram_size": vram * 1024,
            "vram64_size_mb": 0,  # <model vram64> is refused (domain_ledger), libvirt's 0 then
            "vgamem_mb": (video.vgamem or kib["vgamem"]) // 1024,
        }
    return {}


_INPUTS = {
    ("tablet", "usb"): "usb-tablet",
    ("mouse", "usb"): "usb-mouse",
    ("keyboard", "usb"): "usb-kbd",
    ("tablet", "virtio"): "virtio-tablet-pci",
    ("mouse", "virtio"): "virtio-mouse-pci",
    ("keyboard", "virtio"): "virtio-keyboard-pci",
}
_SOUNDS = {
    "ich6": ("intel-hda", True),
    "ich9": ("ich9-intel-hda", True),
    "ac97": ("AC97", False),
    "es1370": ("ES1370", False),
    "sb16": ("sb16", False),
    "usb": ("usb-audio", False),
}
AUDIODEV = "audio1"


def inputs(domain: Domain, machine: Machine, place: Callable[[Device, object], Device]) -> None:
    """PS/2 mouse and keyboard are part of the pc/q35 board; USB and virtio ones are devices."""
    for i, item in enumerate(domain.devices.inputs):
        bus = item.bus or ("ps2" if item.type in ("mouse", "keyboard") else "usb")
        if bus == "ps2" and item.type in ("mouse", "keyboard"):
            continue
        driver = _INPUTS.get((str(item.type), bus))
        if driver is None:
            raise NotSupported(f"input {item.type} on bus {bus} is not supported by hearth.qemu")
        machine.devices.append(place({"driver": driver, "id": f"input{i}"}, item))


def sounds(domain: Domain, machine: Machine, place: Callable[[Device, object], Device]) -> None:
    """Sound cards (with a duplex codec on HDA) playing into ``-audiodev none``, as libvirt
    does without a display; the guest sees the same card."""
    for audio in domain.node.findall("devices/audio"):
        if audio.get("type") != "none":
            raise NotSupported(
                f"<audio type={audio.get('type')!r}>: hearth.qemu plays sound into nothing (type none)"
            )
    items = list(domain.devices.sounds)
    if not items:
        return
    machine.backends.append(Backend("audiodev", {"driver": "none", "id": AUDIODEV}))
    for i, sound in enumerate(items):
        model = str(sound.model)
        if model not in _SOUNDS:
            raise NotSupported(f"sound model {model!r} is not supported by hearth.qemu")
        driver, hda = _SOUNDS[model]
        codecs = [c.get("type", "duplex") for c in sound.node.findall("codec")] or (["duplex"] if hda else [])
        if codecs and not hda:
            raise ValidationError(f"sound model {model!r} takes no <codec>")
        device: Device = {"driver": driver, "id": f"sound{i}"}
        if not hda:
            device["audiodev"] = AUDIODEV
        machine.devices.append(place(device, sound))
        for j, codec in enumerate(codecs):
            if codec not in ("duplex", "micro", "output"):
                raise NotSupported(f"sound codec {codec!r} is not supported by hearth.qemu")
            machine.devices.append(
                {
                    "driver": f"hda-{codec}",
                    "id": f"sound{i}-codec{j}",
                    "bus": f"sound{i}.0",
                    "audiodev": AUDIODEV,
                }
            )


def watchdogs(domain: Domain, machine: Machine, place: Callable[[Device, object], Device]) -> None:
    for i, watchdog in enumerate(domain.devices.watchdogs):
        model = watchdog.model
        if model not in _WATCHDOGS:
            raise NotSupported(f"watchdog model {model!r} is not supported by hearth.qemu")
        action = watchdog.action or "reset"
        if action not in _WATCHDOG_ACTIONS:
            raise NotSupported(f"watchdog action {action!r} is not supported by hearth.qemu")
        device: Device = {"driver": _WATCHDOGS[model], "id": f"watchdog{i}"}
        machine.devices.append(place(device, watchdog) if model == "i6300esb" else device)
        machine.actions["watchdog"] = action


def _chardev(chr_dev: CharDevice, chardev_id: str, what: str) -> Backend:
    """The host side of a guest port: a file is kept; a pty or socket becomes ``null``."""
    kind = chr_dev.type or "pty"
    if kind == "file":
        if not chr_dev.source_path:
            raise ValidationError(f"{what} of type file has no <source path>")
        return Backend("chardev", {"backend": "file", "id": chardev_id, "path": chr_dev.source_path})
    if kind in ("pty", "null", "unix", "spicevmc", "tcp", "udp", "vc"):
        return Backend("chardev", {"backend": "null", "id": chardev_id})
    raise NotSupported(f"{what} of type {kind!r} is not supported by hearth.qemu")


def host_side_note(chr_dev: CharDevice, what: str) -> str | None:
    kind = chr_dev.type or "pty"
    return (
        None if kind in ("file", "null") else f"{what}: {kind} host side is not connected (the port is there)"
    )


def parallels(domain: Domain, machine: Machine, skipped: list[str]) -> None:
    for i, port in enumerate(domain.devices.parallels):
        chardev = _chardev(port, f"chr-parallel{i}", f"parallel port {i}")
        machine.backends.append(chardev)
        device: Device = {"driver": "isa-parallel", "id": f"parallel{i}", "chardev": chardev.id}
        if port.target_port is not None:
            device["index"] = port.target_port
        machine.devices.append(device)
        note = host_side_note(port, f"parallel {i}")
        if note:
            skipped.append(note)


def extra_serial(port: CharDevice, index: int, machine: Machine, skipped: list[str]) -> None:
    chardev = _chardev(port, f"chr-serial{index}", f"serial port {index}")
    machine.backends.append(chardev)
    machine.devices.append(
        {"driver": "isa-serial", "id": f"serial{index}", "chardev": chardev.id, "index": index}
    )
    note = host_side_note(port, f"serial {index}")
    if note:
        skipped.append(note)


def hubs_and_smartcards(domain: Domain, machine: Machine, skipped: list[str]) -> None:
    """USB hubs, then smartcard readers (usb-ccid with a passthrough card). libvirt gives USB
    ports in the order hubs, smartcards, inputs, sounds, redirdevs; QEMU gives each device the
    first free port in the order devices are made (a hub's ports after the root ports), so
    making them in libvirt's order puts each where libvirt puts it."""
    root = domain.node
    for i, hub in enumerate(root.findall("devices/hub")):
        if hub.get("type") != "usb":
            raise NotSupported(f"hub type {hub.get('type')!r} is not supported by hearth.qemu")
        machine.devices.append({"driver": "usb-hub", "id": f"hub{i}"})
    for i, card in enumerate(root.findall("devices/smartcard")):
        mode = card.get("mode")
        if mode != "passthrough":
            raise NotSupported(f"smartcard mode {mode!r} is not supported by hearth.qemu (only passthrough)")
        reader = f"ccid{i}"
        machine.devices.append({"driver": "usb-ccid", "id": reader})
        chardev = _chardev(CharDevice(card), f"chr-smartcard{i}", f"smartcard {i}")
        machine.backends.append(chardev)
        machine.devices.append(
            {
                "driver": "ccid-card-passthru",
                "id": f"smartcard{i}",
                "chardev": chardev.id,
                "bus": f"{reader}.0",
            }
        )
        skipped.append(f"smartcard {i}: the card's host side is not connected (the reader is there)")


def redirdevs(domain: Domain, machine: Machine, skipped: list[str]) -> None:
    """Redirected USB ports, the last USB devices to get a port (see hubs_and_smartcards)."""
    for i, redir in enumerate(domain.node.findall("devices/redirdev")):
        if redir.get("bus", "usb") != "usb":
            raise NotSupported(f"redirdev bus {redir.get('bus')!r} is not supported by hearth.qemu")
        chardev = _chardev(CharDevice(redir), f"chr-redir{i}", f"redirdev {i}")
        machine.backends.append(chardev)
        machine.devices.append({"driver": "usb-redir", "id": f"redir{i}", "chardev": chardev.id})
        skipped.append(f"redirdev {i}: nothing on the host side is redirected (the port is there)")


def channels(domain: Domain, machine: Machine, skipped: list[str], has_controller: bool) -> None:
    """virtio channels: the guest's port exists (under its name); the host end is not connected."""
    items = list(domain.devices.channels)
    virtio = [c for c in items if (c.target_type or "virtio") == "virtio"]
    if virtio and not has_controller:
        machine.devices.append({"driver": "virtio-serial-pci", "id": "virtio-serial0"})
    for i, channel in enumerate(items):
        if (channel.target_type or "virtio") != "virtio":
            raise NotSupported(f"channel target type {channel.target_type!r} is not supported by hearth.qemu")
        chardev = _chardev(channel, f"chr-channel{i}", f"channel {i}")
        machine.backends.append(chardev)
        device: Device = {
            "driver": "virtserialport",
            "id": f"channel{i}",
            "chardev": chardev.id,
            "bus": "virtio-serial0.0",
            "nr": i + 1,
        }
        if channel.target_name:
            device["name"] = channel.target_name
        addr = channel.address
        if addr is not None:
            if addr.type != "virtio-serial":
                raise NotSupported(f"a {addr.type!r} address on a channel is not supported by hearth.qemu")
            device["bus"] = f"virtio-serial{addr.controller or 0}.{addr.bus or 0}"
            device["nr"] = int(addr.port or i + 1)
        machine.devices.append(device)
        skipped.append(
            f"channel {channel.type} {channel.target_name or ''}".strip() + ": host end not connected"
        )


def misc(domain: Domain, machine: Machine, place: Callable[[Device, object], Device]) -> None:
    """rng, vsock, panic, iommu."""
    for i, rng in enumerate(domain.devices.rngs):
        if rng.model != "virtio" or rng.backend_model not in (None, "random"):
            raise NotSupported(f"rng {rng.model}/{rng.backend_model} is not supported by hearth.qemu")
        parts = dev.rng(f"rng{i}", source=rng.backend_path or "/dev/urandom")
        machine.backends.extend(parts.backends)
        machine.devices.extend(place(d, rng) for d in parts.devices)
    root = domain.node
    for i, vsock in enumerate(root.findall("devices/vsock")):
        cid = vsock.find("cid")
        if cid is None or cid.get("auto", "no") == "yes" or cid.get("address") is None:
            raise NotSupported("a vsock needs a fixed <cid address> under hearth.qemu")
        parts = dev.vsock(f"vsock{i}", int(str(cid.get("address"))))
        machine.devices.extend(place(d, vsock) for d in parts.devices)
    for panic in root.findall("devices/panic"):
        model = panic.get("model", "isa")
        if model not in ("isa", "pvpanic"):
            raise NotSupported(f"panic model {model!r} is not supported by hearth.qemu")
        machine.devices.append({"driver": "pvpanic", "id": "panic0"})
    for iommu in root.findall("devices/iommu"):
        if iommu.get("model") != "virtio":
            raise NotSupported(
                f"iommu model {iommu.get('model')!r} is not supported by hearth.qemu (only virtio)"
            )
        machine.devices.append(place({"driver": "virtio-iommu-pci", "id": "iommu0"}, iommu))


def console_file(domain: Domain) -> Path | None:
    """The file the first serial port (or the console standing for it) writes to, if any."""
    for port in [*domain.devices.serials, *domain.devices.consoles]:
        if port.type == "file" and port.source_path:
            return Path(port.source_path)
    return None


__all__ = ["USB_MODELS", "VIDEO_MODELS", "Scalar"]


# libvirt's order of PCI address assignment, by kind of device (the same on pc and q35).
_PCI_CLASS_ORDER = (
    ("net", {"virtio-net-pci", "e1000", "e1000e", "rtl8139"}),
    ("sound", {"intel-hda", "ich9-intel-hda", "AC97", "ES1370"}),
    ("controller", {"lsi53c895a", "virtio-scsi-pci", "virtio-serial-pci", "ich9-ahci", "pci-bridge",
                    *USB_MODELS.values()}),
    ("disk", {"virtio-blk-pci"}),
    ("memballoon", {"virtio-balloon-pci"}),
    ("rng", {"virtio-rng-pci"}),
    ("watchdog", {"i6300esb"}),
    ("video", {d for pair in VIDEO_MODELS.values() for d in pair} - {"ramfb"}),
    ("input", {"virtio-tablet-pci", "virtio-mouse-pci", "virtio-keyboard-pci"}),
    ("vsock", {"vhost-vsock-pci"}),
)  # fmt: skip
# On q35, devices libvirt plugs into a PCIe root port; other PCI devices go behind a
# pcie-pci-bridge (conventional PCI), except those built into the root complex.
_PCIE = {
    "virtio-net-pci", "e1000e", "virtio-scsi-pci", "virtio-serial-pci", "qemu-xhci", "nec-usb-xhci",
    "virtio-blk-pci", "virtio-balloon-pci", "virtio-rng-pci", "virtio-gpu-pci", "virtio-tablet-pci",
    "virtio-mouse-pci", "virtio-keyboard-pci", "vhost-vsock-pci", "ich9-ahci",
}  # fmt: skip
_Q35_INTEGRATED = {"ich9-intel-hda": 0x1B}


def _unplaced(machine: Machine, root_bus: str) -> list[Device]:
    """PCI devices without an address, in libvirt's order of assignment."""
    out: list[Device] = []
    for _kind, drivers in _PCI_CLASS_ORDER:
        out += [
            d
            for d in machine.devices
            if d["driver"] in drivers and "addr" not in d and d.get("bus") in (None, root_bus)
        ]
    return out


def pc_slots(machine: Machine, primary_video: Device | None) -> None:
    """Give the PCI devices without an address the slots libvirt gives them on pc (i440fx):
    the first USB controller at 01.2 (next to PIIX3), the primary video at 02, then the rest
    in libvirt's order of kinds, each at the next free slot. Guests name NICs and remember
    devices by slot, so the same domain must put them in the same place."""
    taken = {_slot(d) for d in machine.devices if d.get("bus") == "pci.0" and "addr" in d}
    usb = next((d for d in machine.devices if d.get("id") == "usb" and "addr" not in d), None)
    if usb is not None and "piix" in str(usb["driver"]):
        usb.update(bus="pci.0", addr="0x1.0x2")
    video = primary_video
    if video is not None and "addr" not in video and video.get("bus") is None and 2 not in taken:
        video.update(bus="pci.0", addr="0x2")
        taken.add(2)
    slot = 2
    for device in _unplaced(machine, "pci.0"):
        if "addr" in device:
            continue  # an ICH9 companion placed with its EHCI
        while slot in taken or slot <= 1:
            slot += 1
        if not usb_companion_slot(machine, _ehci_master(machine, device) or device, slot, "pci.0"):
            device.update(bus="pci.0", addr=f"{slot:#x}")
        taken.add(slot)


def q35_slots(machine: Machine, primary_video: Device | None) -> None:
    """libvirt's layout on q35 for devices without an address: the primary video at 00:01,
    ICH9 sound at 00:1b, each PCIe device on a root port of its own (free declared ones
    first, then new ones, plus one spare for hot-plug when any was added), conventional PCI
    devices behind one pcie-pci-bridge, and the root ports packed eight to a slot."""
    taken = {_slot(d) for d in machine.devices if d.get("bus") == "pcie.0" and "addr" in d} | {0, 0x1F}
    video = primary_video
    if video is not None and "addr" not in video and video.get("bus") is None and 1 not in taken:
        video.update(bus="pcie.0", addr="0x1")
        taken.add(1)
    for device in machine.devices:
        slot = _Q35_INTEGRATED.get(str(device["driver"]))
        if slot is not None and "addr" not in device and device.get("bus") is None and slot not in taken:
            device.update(bus="pcie.0", addr=f"{slot:#x}")
            taken.add(slot)
    ports = [d for d in machine.devices if d["driver"] == "pcie-root-port"]
    used = {str(d.get("bus")) for d in machine.devices}
    free = [p for p in ports if str(p["id"]) not in used]
    indexes = [int(str(d["id"])[4:]) for d in machine.devices if str(d.get("id", "")).startswith("pci.")]
    next_index = max(indexes, default=0) + 1
    added: list[Device] = []

    def port() -> Device:
        nonlocal next_index
        if free:
            return free.pop(0)
        new: Device = {"driver": "pcie-root-port", "id": f"pci.{next_index}", "chassis": next_index}
        next_index += 1
        added.append(new)
        return new

    todo = [d for d in _unplaced(machine, "pcie.0") if "addr" not in d]
    conventional = [d for d in todo if d["driver"] not in _PCIE]
    bridge = next((d for d in machine.devices if d["driver"] == "pcie-pci-bridge"), None)
    bridge_port = port() if conventional and bridge is None else None
    bridge_slot = 0
    for device in todo:
        if device["driver"] in _PCIE:
            device.update(bus=port()["id"], addr="0x0")
            continue
        if bridge is None:
            assert bridge_port is not None
            bridge = {
                "driver": "pcie-pci-bridge",
                "id": f"pci.{next_index}",
                "bus": bridge_port["id"],
                "addr": "0x0",
            }
            next_index += 1
            added.append(bridge)
        bridge_slot += 1
        device.update(bus=bridge["id"], addr=f"{bridge_slot:#x}")
    if any(d["driver"] == "pcie-root-port" for d in added):
        port()  # libvirt leaves one more root port free for hot-plug
    _pack_root_ports(machine, added, taken)


def _pack_root_ports(machine: Machine, added: list[Device], taken: set[int]) -> None:
    first = next(
        (i for i, d in enumerate(machine.devices) if d["driver"] != "pcie-root-port"), len(machine.devices)
    )
    machine.devices[first:first] = added
    loose = sorted(
        (
            d
            for d in machine.devices
            if d["driver"] == "pcie-root-port" and "addr" not in d and d.get("bus") in (None, "pcie.0")
        ),
        key=lambda d: int(str(d["id"])[4:]),
    )
    slot = 1
    for start in range(0, len(loose), 8):
        while slot in taken:
            slot += 1
        group = loose[start : start + 8]
        for function, device in enumerate(group):
            device.update(bus="pcie.0", addr=f"{slot:#x}.{function:#x}" if function else f"{slot:#x}")
            device.setdefault("port", (slot << 3) | function)
            if function == 0 and len(group) > 1:
                device["multifunction"] = True
        taken.add(slot)
    for device in machine.devices:
        if device["driver"] == "virtio-iommu-pci" and "addr" not in device:
            while slot in taken:
                slot += 1
            device.update(bus="pcie.0", addr=f"{slot:#x}")
            taken.add(slot)


def usb_companion_slot(machine: Machine, ehci: Device, slot: int, bus: str) -> bool:
    """An ICH9 EHCI and its UHCI companions share one slot as libvirt lays them out (EHCI at
    function 7, UHCI n at function n-1); False when ``ehci`` is not such a master."""
    if ehci["driver"] != "ich9-usb-ehci1":
        return False
    ehci.update(bus=bus, addr=f"{slot:#x}.0x7")
    for device in machine.devices:
        driver = str(device["driver"])
        if (
            device.get("masterbus") == f"{ehci['id']}.0"
            and driver.startswith("ich9-usb-uhci")
            and "addr" not in device
        ):
            function = int(driver[-1]) - 1
            device.update(bus=bus, addr=f"{slot:#x}.{function:#x}" if function else f"{slot:#x}")
            if function == 0:
                device["multifunction"] = True
    return True


def _ehci_master(machine: Machine, companion: Device) -> Device | None:
    """The unplaced ICH9 EHCI a UHCI companion belongs to (the set takes the slot of whichever
    member comes first, as in libvirt)."""
    bus = companion.get("masterbus")
    return next(
        (
            d
            for d in machine.devices
            if d["driver"] == "ich9-usb-ehci1" and f"{d.get('id')}.0" == bus and "addr" not in d
        ),
        None,
    )


def _slot(device: Device) -> int:
    return int(str(device["addr"]).split(".")[0], 16)
