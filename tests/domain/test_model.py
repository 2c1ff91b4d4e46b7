"""Typed access to libvirt XML: reading the corpus, building from scratch, refusing bad values.

Documents built here are judged by libvirt itself: its RelaxNG schemas (virt-xml-validate) and
its parser and formatter (the in-memory ``test`` driver, no daemon needed). Element order of
new output is compared with the order libvirt's own formatter writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import libvirt
import pytest
from lxml import etree

import hearth.domain
from hearth.domain import (
    CPU,
    RNG,
    TPM,
    Channel,
    Console,
    Controller,
    Cookie,
    CPUFeature,
    DHCPHost,
    DHCPRange,
    Disk,
    DiskHost,
    Domain,
    DomainCapabilities,
    Filesystem,
    ForwardInterface,
    Graphics,
    HostCapabilities,
    Input,
    Interface,
    MemBalloon,
    Network,
    NetworkIP,
    Serial,
    Sound,
    StoragePool,
    StorageVolume,
    Video,
    Watchdog,
)
from hearth.domain.devices import MACVTAP_MODES, NETWORK_DISK_PROTOCOLS
from hearth.errors import ValidationError

from ._support import assert_valid, corpus_path, libvirt_test_connection


def dom(name: str) -> Domain:
    return hearth.domain.parse(corpus_path(f"domain/{name}.xml").read_bytes())


# ---- reading the corpus: domain level -------------------------------------------------------


def test_identity_resources_and_lifecycle() -> None:
    d = dom("kvm-q35-efi-autoselect")
    assert (d.type, d.name, d.uuid) == ("kvm", "fedora38", "8f4c6a2e-3b1d-4e5f-9a7b-2c3d4e5f6a7b")
    assert d.id is None
    assert (d.memory_kib, d.current_memory_kib, d.memory_mib) == (4194304, 4194304, 4096)
    assert (d.vcpus, d.vcpu_placement, d.vcpus_current) == (2, "static", None)
    assert (d.on_poweroff, d.on_reboot, d.on_crash) == ("destroy", "restart", "destroy")
    assert (d.pm_suspend_to_mem, d.pm_suspend_to_disk) == (False, False)
    assert d.devices.emulator == "/usr/bin/qemu-system-x86_64"
    live = dom("running-live-dumpxml")
    assert live.id == 12


def test_memory_in_any_unit_reads_in_kib() -> None:
    assert dom("kvm-q35-secureboot-loader-nvram").memory_kib == 8 * 1024 * 1024
    legacy = dom("kvm-i440fx-bios-legacy")
    assert (legacy.memory_kib, legacy.current_memory_kib) == (1024 * 1024, 768 * 1024)
    assert (legacy.vcpus, legacy.vcpus_current) == (2, 1)
    assert legacy.on_crash == "coredump-restart"
    assert dom("minimal-qemu-tcg-oneline").memory_kib == 131072  # no unit: KiB
    numa = dom("cpu-host-passthrough-numa")
    assert (numa.max_memory_kib, numa.max_memory_slots) == (67108864, 16)


def test_memory_backing() -> None:
    d = dom("virtiofs-hostdev-hugepages")
    assert d.hugepages is True
    assert (d.memory_source_type, d.memory_access_mode) == ("memfd", "shared")
    assert dom("kvm-q35-efi-autoselect").hugepages is False


def test_os_firmware_autoselection_and_secure_boot_features() -> None:
    os_ = dom("kvm-q35-efi-autoselect").os
    assert (os_.type, os_.arch, os_.machine, os_.firmware) == ("hvm", "x86_64", "pc-q35-7.2", "efi")
    assert (os_.firmware_secure_boot, os_.firmware_enrolled_keys) == (True, True)
    assert os_.loader is None and os_.nvram is None
    assert [b.dev for b in os_.boot_devices] == ["hd"]


def test_os_explicit_loader_nvram_and_boot_menu() -> None:
    os_ = dom("kvm-q35-secureboot-loader-nvram").os
    assert os_.firmware is None
    assert os_.loader == "/usr/share/OVMF/OVMF_CODE_4M.ms.fd"
    assert (os_.loader_readonly, os_.loader_secure, os_.loader_type) == (True, True, "pflash")
    assert os_.nvram == "/var/lib/libvirt/qemu/nvram/win11-secure_VARS.fd"
    assert os_.nvram_template == "/usr/share/OVMF/OVMF_VARS_4M.ms.fd"
    assert [b.dev for b in os_.boot_devices] == ["cdrom", "hd"]
    assert os_.bootmenu_enable is True
    assert [b.dev for b in dom("kvm-i440fx-bios-legacy").os.boot_devices] == ["hd", "cdrom", "fd", "network"]


def test_os_direct_kernel_boot() -> None:
    os_ = dom("kvm-direct-kernel-boot").os
    assert os_.kernel == "/var/lib/libvirt/boot/vmlinuz-6.1.0-13-cloud-amd64"
    assert os_.initrd == "/var/lib/libvirt/boot/initrd.img-6.1.0-13-cloud-amd64"
    assert (
        os_.cmdline
        == 'console=ttyS0,115200n8 root=/dev/vda1 ro quiet panic=-1 init=/sbin/init "hearth.tag=a b"'
    )
    assert os_.dtb == "/var/lib/libvirt/boot/board.dtb"
    assert os_.boot_devices.find(lambda b: True) is None


def test_os_other_architectures_and_hypervisors() -> None:
    arm = dom("aarch64-virt-efi")
    assert (arm.os.arch, arm.os.machine, arm.os.loader_type) == ("aarch64", "virt-7.2", "pflash")
    assert arm.features.gic_version == "3"
    assert (dom("s390x-ccw").os.arch, dom("ppc64-pseries").os.machine) == ("s390x", "pseries-7.2")
    xen = dom("xen-pv")
    assert (xen.type, xen.os.type, xen.os.machine) == ("xen", "linux", "xenpv")
    assert xen.bootloader == "/usr/lib/xen-4.17/bin/pygrub"
    assert xen.os.cmdline == "root=/dev/xvda1 ro console=hvc0"
    lxc = dom("lxc-container")
    assert (lxc.type, lxc.os.type, lxc.os.init) == ("lxc", "exe", "/sbin/init")


def test_cpu_modes_topology_and_features() -> None:
    assert (dom("kvm-q35-efi-autoselect").cpu.mode, dom("kvm-q35-efi-autoselect").cpu.migratable) == (
        "host-passthrough",
        True,
    )
    cpu = dom("cpu-custom-model-features").cpu
    assert (cpu.mode, cpu.match, cpu.check) == ("custom", "exact", "partial")
    assert (cpu.model, cpu.model_fallback, cpu.vendor) == ("Cascadelake-Server-noTSX", "allow", "Intel")
    assert (cpu.sockets, cpu.dies, cpu.cores, cpu.threads) == (1, 1, 4, 1)
    assert [(f.policy, f.name) for f in cpu.features] == [
        ("force", "vmx"),
        ("require", "pcid"),
        ("optional", "avx512f"),
        ("disable", "mpx"),
        ("forbid", "hle"),
    ]
    host_model = dom("cpu-host-model-windows-hyperv").cpu
    assert (host_model.mode, host_model.model, host_model.model_fallback) == ("host-model", None, "allow")
    assert dom("kvm-direct-kernel-boot").cpu.mode == "maximum"
    absent = dom("xen-pv").cpu
    assert absent.mode is None and not absent.exists


def test_clock_and_timers() -> None:
    clock = dom("cpu-host-model-windows-hyperv").clock
    assert clock.offset == "localtime"
    timers = {t.name: (t.present, t.tickpolicy) for t in clock.timers}
    assert timers == {
        "rtc": (None, "catchup"),
        "pit": (None, "delay"),
        "hpet": (False, None),
        "hypervclock": (True, None),
        "tsc": (None, None),
    }
    assert dom("kvm-i440fx-bios-legacy").clock.offset == "variable"


def test_features() -> None:
    f = dom("cpu-host-model-windows-hyperv").features
    assert (f.acpi, f.apic, f.pae, f.hap) == (True, True, False, False)
    assert (f.vmport_state, f.smm_state, f.ioapic_driver, f.kvm_hidden_state) == ("off", "on", "kvm", "off")
    assert (f.hyperv_mode, f.hyperv_relaxed, f.hyperv_vapic, f.hyperv_spinlocks) == (
        "custom",
        "on",
        "on",
        "on",
    )
    assert f.hyperv_spinlocks_retries == 8191
    assert dom("kvm-i440fx-bios-legacy").features.pae is True
    assert dom("s390x-ccw").features.acpi is False


def test_metadata_namespaces() -> None:
    d = dom("metadata-seclabel-resource")
    hearth_md = d.metadata("urn:hearth:instance:1")
    assert hearth_md is not None and etree.QName(hearth_md).localname == "instance"
    assert hearth_md.findtext("{urn:hearth:instance:1}owner") == "alice"
    assert d.metadata("http://example.com/xmlns/billing/2") is not None
    assert d.metadata("urn:nobody") is None
    assert (d.title, d.description) == (
        "App server 01 (tenant A)",
        "Managed by Hearth; <do not> edit by hand & expect it to stick.",
    )


def test_set_metadata_replaces_only_its_own_namespace(tmp_path: Path) -> None:
    d = dom("metadata-seclabel-resource")
    fresh = etree.fromstring("<instance><owner id='u-7'>bob</owner></instance>")
    d.set_metadata("urn:hearth:instance:1", "hearth", fresh)
    md = d.metadata("urn:hearth:instance:1")
    # As in libvirt's own virDomainSetMetadata, only the top element is put into the namespace.
    assert md is not None and md.findtext("owner") == "bob"
    meta = d.node.find("metadata")
    assert meta is not None and len([c for c in meta if isinstance(c.tag, str)]) == 3
    assert d.metadata("http://openstack.org/xmlns/libvirt/nova/1.1") is not None
    assert_valid(d.to_xml(), "domain", tmp_path)


def test_set_metadata_on_a_document_without_metadata(tmp_path: Path) -> None:
    d = dom("minimal-qemu-tcg-oneline")
    d.set_metadata(
        "urn:hearth:instance:1", "hearth", etree.fromstring("<instance><owner>carol</owner></instance>")
    )
    tags = [c.tag for c in d.node]
    assert tags.index("metadata") == tags.index("name") + 1
    assert_valid(d.to_xml(), "domain", tmp_path)


# ---- reading the corpus: disks ----------------------------------------------------------------


def test_network_disk_https_with_every_source_option() -> None:
    disk = dom("disk-network-http-ftp").devices.disks[0]
    assert (disk.type, disk.device, disk.readonly) == ("network", "cdrom", True)
    assert disk.source_protocol == "https"
    assert disk.source_name == "/isos/debian-12.2.0-amd64-netinst.iso"
    assert disk.source_query == "token=AbC123&expires=1700000000"
    assert [(h.name, h.port, h.transport) for h in disk.source_hosts] == [("media.example.com", 8443, None)]
    assert disk.source_ssl_verify is False
    assert [(c.name, c.value) for c in disk.source_cookies] == [
        ("session", "6a3f9c0e2b"),
        ("route", '"edge-2"'),
    ]
    assert (disk.source_readahead_bytes, disk.source_timeout_seconds) == (65536, 30)
    assert (disk.target_dev, disk.target_bus) == ("sda", "sata")
    assert disk.source_path is None


def test_network_disks_http_ftp_ftps_tftp() -> None:
    disks = dom("disk-network-http-ftp").devices.disks
    http, ftp, ftps, tftp = disks[1], disks[2], disks[3], disks[4]
    assert (http.source_protocol, http.source_query, http.source_ssl_verify) == ("http", "mirror=eu", None)
    assert [(c.name, c.value) for c in http.source_cookies] == [("consent", "yes")]
    assert (http.source_readahead_bytes, http.source_timeout_seconds) == (None, 10)
    assert (ftp.source_protocol, ftp.source_readahead_bytes, list(ftp.source_cookies)) == ("ftp", 1048576, [])
    assert (ftps.source_protocol, ftps.source_ssl_verify, ftps.source_timeout_seconds) == ("ftps", True, 60)
    assert [(h.name, h.port) for h in ftps.source_hosts] == [("ftps.example.net", 990)]
    assert (tftp.source_protocol, tftp.source_name) == ("tftp", "/boot/pxe-tools.img")


def test_network_disks_rbd_nbd_nfs() -> None:
    disks = dom("disk-network-rbd-nbd").devices.disks
    rbd = disks[0]
    assert (rbd.source_protocol, rbd.source_name, rbd.boot_order) == ("rbd", "vms/ceph-guest_disk", 1)
    assert [(h.name, h.port) for h in rbd.source_hosts] == [(f"10.20.0.1{i}", 6789) for i in (1, 2, 3)]
    scratch = disks[1]
    assert (scratch.source_auth_username, scratch.source_auth_secret_type) == ("scratch", "ceph")
    assert scratch.source_auth_secret_usage == "client.scratch secret"
    assert [(h.name, h.port) for h in scratch.source_hosts] == [("ceph-mon.example.com", None)]
    nbd = disks[2]
    assert (nbd.source_protocol, nbd.source_name) == ("nbd", "export0")
    sock = disks[3]
    assert [(h.transport, h.socket, h.name) for h in sock.source_hosts] == [
        ("unix", "/run/hearth/nbd/scratch.sock", None)
    ]
    assert sock.source_name is None
    assert disks[4].source_protocol == "nfs"


def test_rbd_auth_written_at_disk_level_is_read_too() -> None:
    """libvirt accepts <auth> directly under <disk> (OpenStack Nova writes it there) and means
    the same thing as <source><auth>; a typed reader that only looks inside <source> reports
    an authenticated Ceph disk as unauthenticated."""
    rbd = dom("disk-network-rbd-nbd").devices.disks[0]
    assert rbd.source_auth_username == "libvirt"
    assert rbd.source_auth_secret_uuid == "2a5b08e4-3dca-4ff9-9a1d-40389758d081"


def test_network_disks_iscsi_gluster_volume_nvme() -> None:
    disks = dom("disk-network-iscsi-gluster").devices.disks
    iscsi = disks[0]
    assert (iscsi.source_protocol, iscsi.source_name) == ("iscsi", "iqn.2013-07.com.example:iscsi-nopool/1")
    assert (iscsi.source_auth_username, iscsi.source_auth_secret_type, iscsi.source_auth_secret_usage) == (
        "chapuser",
        "iscsi",
        "libvirtiscsi",
    )
    assert disks[1].device == "lun"
    gluster = disks[2]
    assert [(h.name, h.transport, h.socket) for h in gluster.source_hosts] == [
        ("gluster1.example.com", None, None),
        ("gluster2.example.com", None, None),
        (None, "unix", "/var/run/glusterd.socket"),
    ]
    vol = disks[3]
    assert (vol.type, vol.source_pool, vol.source_volume) == ("volume", "iscsi-pool", "unit:0:0:3")
    assert disks[5].type == "nvme"
    assert disks[0].address is not None and disks[0].address.type == "drive"
    assert (disks[0].address.controller, disks[0].address.unit) == ("0", "0")


def test_file_disk_with_backing_chain_and_driver_options() -> None:
    disks = dom("disk-qcow2-backing-chain").devices.disks
    top = disks[0]
    assert (top.type, top.device, top.driver_name, top.driver_type) == ("file", "disk", "qemu", "qcow2")
    assert (top.driver_cache, top.driver_io, top.driver_discard, top.driver_detect_zeroes) == (
        "none",
        "native",
        "unmap",
        "unmap",
    )
    assert top.source_file == top.source_path == "/var/lib/libvirt/images/web01-overlay.qcow2"
    assert (top.alias, top.target_dev, top.target_bus) == ("virtio-disk0", "vda", "virtio")
    assert top.address is not None and (top.address.type, top.address.bus) == ("pci", "0x04")
    assert (disks[1].serial, disks[1].shareable) == ("web01-data", True)


def test_block_disks() -> None:
    disks = dom("disk-block-raw-tuned").devices.disks
    root = disks[0]
    assert (root.type, root.source_dev, root.source_path) == (
        "block",
        "/dev/mapper/vg_db-lv_root",
        "/dev/mapper/vg_db-lv_root",
    )
    assert (root.driver_cache, root.driver_io, root.driver_iothread, root.driver_queues) == (
        "none",
        "native",
        1,
        4,
    )
    assert root.boot_order == 1
    assert (disks[1].driver_io, disks[1].serial) == ("io_uring", "DB-DATA-0001")
    assert disks[2].device == "lun"
    assert (disks[3].wwn, disks[3].driver_cache) == ("5000c500a1b2c3d5", "writeback")


def test_cdrom_and_floppy_drives() -> None:
    disks = dom("cdrom-floppy-removable").devices.disks
    empty = disks[0]
    assert (empty.device, empty.source_path, empty.readonly, empty.target_tray) == (
        "cdrom",
        None,
        True,
        "closed",
    )
    assert (disks[1].target_tray, disks[1].source_file) == ("open", "/srv/iso/gparted-live-1.5.0-6-amd64.iso")
    assert (disks[2].type, disks[2].source_dev, disks[2].transient) == ("block", "/dev/sr0", True)
    assert (disks[3].device, disks[3].target_bus, disks[3].readonly) == ("floppy", "fdc", True)
    assert (disks[4].device, disks[4].source_path, disks[4].readonly) == ("floppy", None, False)
    assert (disks[5].target_bus, disks[5].target_removable) == ("usb", True)
    legacy = dom("kvm-i440fx-bios-legacy").devices.disks[1]
    assert legacy.source_startup_policy == "optional"


# ---- reading the corpus: other devices ---------------------------------------------------------


def test_interfaces_network_bridge_openvswitch_user() -> None:
    ifs = dom("interfaces-network-bridge-ovs-user").devices.interfaces
    net = ifs[0]
    assert (net.type, net.source_network, net.source_portgroup, net.mac) == (
        "network",
        "default",
        "engineering",
        "52:54:00:4a:00:01",
    )
    assert (net.model, net.driver_name, net.driver_queues, net.boot_order) == ("virtio", "vhost", 4, 1)
    assert net.address is not None and (net.address.bus, net.address.slot) == ("0x01", "0x00")
    assert (ifs[1].link_state, ifs[1].model) == ("down", "e1000e")
    br = ifs[2]
    assert (br.type, br.source_bridge, br.target_dev, br.mtu, br.virtualport_type) == (
        "bridge",
        "br0",
        "vnet-lab3",
        1500,
        None,
    )
    ovs = ifs[3]
    assert (ovs.type, ovs.source_bridge, ovs.virtualport_type) == ("bridge", "ovsbr0", "openvswitch")
    assert (ovs.virtualport_interfaceid, ovs.virtualport_profileid) == (
        "09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f",
        "menial",
    )
    assert (ifs[4].virtualport_type, ifs[4].virtualport_interfaceid) == ("openvswitch", None)
    assert [i.type for i in ifs] == [
        "network", "network", "bridge", "bridge", "bridge",
        "user", "user", "ethernet", "vhostuser", "hostdev",
    ]  # fmt: skip
    assert (ifs[5].model, ifs[6].model, ifs[6].mac) == ("virtio", "e1000", None)


def test_interfaces_direct_macvtap_modes() -> None:
    ifs = dom("interfaces-direct-macvtap").devices.interfaces
    direct = [i for i in ifs if i.type == "direct"]
    assert [(i.source_dev, i.source_mode) for i in direct] == [
        ("eth0", "bridge"),
        ("eth1", "vepa"),
        ("eth2", "private"),
        ("enp59s0f1", "passthrough"),
        ("bond0.20", "bridge"),
    ]
    assert {i.source_mode for i in direct} == set(MACVTAP_MODES)
    assert (direct[1].virtualport_type, direct[3].virtualport_type) == ("802.1Qbg", "802.1Qbh")
    assert (direct[3].trust_guest_rx_filters, direct[0].trust_guest_rx_filters) == (True, None)
    assert (direct[4].target_dev, direct[4].alias, direct[4].driver_queues) == ("macvtap7", "ua-uplink", 2)


def test_controllers() -> None:
    ctrls = dom("controllers-mixed").devices.controllers
    by = {(c.type, c.index, c.model): c for c in ctrls}
    assert ("pci", 0, "pcie-root") in by
    port = by[("pci", 1, "pcie-root-port")]
    assert (port.target_chassis, port.target_port) == (1, "0x8")
    assert port.address is not None and port.address.multifunction is True
    xhci = by[("usb", 0, "qemu-xhci")]
    assert xhci.ports == 15
    scsi = by[("scsi", 0, "virtio-scsi")]
    assert (scsi.driver_queues, scsi.driver_iothread) == (2, 1)
    vs = by[("virtio-serial", 0, None)]
    assert (vs.ports, vs.vectors) == (16, 4)
    assert ("sata", 0, None) in by and ("ccid", 0, None) in by
    s390 = dom("s390x-ccw").devices.controllers[0]
    assert s390.address is not None and (s390.address.type, s390.address.cssid, s390.address.devno) == (
        "ccw",
        "0xfe",
        "0x0002",
    )


def test_graphics_video_input() -> None:
    devs = dom("graphics-video-input").devices
    spice = devs.graphics[0]
    assert (spice.type, spice.port, spice.tls_port, spice.autoport, spice.passwd) == (
        "spice",
        5930,
        5931,
        False,
        "spice-pw",
    )
    assert (spice.listen_type, spice.listen_address, spice.gl_enable) == ("address", "192.168.1.10", False)
    assert (devs.graphics[1].type, devs.graphics[1].gl_enable) == ("egl-headless", None)
    qxl = devs.videos[0]
    assert (qxl.model, qxl.ram, qxl.vram, qxl.vgamem, qxl.heads, qxl.primary) == (
        "qxl", 65536, 65536, 16384, 2, True,
    )  # fmt: skip
    assert (devs.videos[1].model, devs.videos[1].accel3d) == ("virtio", True)
    assert [v.model for v in devs.videos] == ["qxl", "virtio", "bochs", "ramfb"]
    assert [(i.type, i.bus, i.model) for i in devs.inputs][:5] == [
        ("tablet", "usb", None),
        ("keyboard", "usb", None),
        ("mouse", "virtio", None),
        ("keyboard", "virtio", None),
        ("tablet", "virtio", "virtio-non-transitional"),
    ]
    vnc = dom("interfaces-direct-macvtap").devices.graphics[0]
    assert (vnc.type, vnc.listen_type, vnc.listen_network) == ("vnc", "network", "default")
    sock = dom("controllers-mixed").devices.graphics[0]
    assert (sock.listen_type, sock.listen_socket) == ("socket", "/run/hearth/many-controllers.vnc")
    legacy = dom("kvm-i440fx-bios-legacy").devices
    assert (legacy.graphics[0].keymap, legacy.graphics[0].port, legacy.videos[0].model) == (
        "en-us",
        5901,
        "cirrus",
    )
    assert dom("kvm-direct-kernel-boot").devices.videos[0].model == "none"


def test_serial_console_channel() -> None:
    devs = dom("chardev-serial-console-channel").devices
    serials = devs.serials
    assert [(s.type, s.target_port) for s in serials] == [
        ("pty", 0), ("file", 1), ("unix", 2), ("tcp", 3), ("unix", 4), ("udp", 5),
    ]  # fmt: skip
    assert (serials[0].source_path, serials[0].target_type, serials[0].target_model) == (
        "/dev/pts/3",
        "isa-serial",
        "isa-serial",
    )
    assert serials[1].source_path == "/var/log/hearth/serial-lab.ttyS1.log"
    assert (serials[2].source_mode, serials[2].source_path) == ("bind", "/run/hearth/serial-lab.ttyS2.sock")
    assert (serials[3].source_host, serials[3].source_service, serials[3].protocol) == (
        "127.0.0.1",
        "4555",
        "telnet",
    )
    assert [(c.type, c.target_type) for c in devs.consoles] == [("pty", "serial"), ("pty", "virtio")]
    chans = devs.channels
    assert [(c.type, c.target_name) for c in chans][:3] == [
        ("unix", "org.qemu.guest_agent.0"),
        ("unix", "org.hearth.agent.1"),
        ("spicevmc", "com.redhat.spice.0"),
    ]
    assert chans[0].address is not None and chans[0].address.port == "1"
    kernel = dom("kvm-direct-kernel-boot").devices.serials[0]
    assert (kernel.log_file, kernel.log_append) == (
        "/var/log/libvirt/qemu/kernel-boot-serial0.copy.log",
        False,
    )


def test_rng_memballoon_tpm_watchdog_sound_filesystem() -> None:
    devs = dom("misc-rng-balloon-tpm-watchdog-sound").devices
    rngs = devs.rngs
    assert (rngs[0].model, rngs[0].backend_model, rngs[0].backend_path) == (
        "virtio",
        "random",
        "/dev/urandom",
    )
    assert (rngs[0].rate_bytes, rngs[0].rate_period) == (1024, 1000)
    assert (rngs[1].backend_model, rngs[1].backend_type) == ("egd", "tcp")
    assert (rngs[3].backend_model, rngs[3].backend_path) == ("builtin", None)
    balloon = devs.memballoon
    assert balloon is not None
    assert (balloon.model, balloon.stats_period, balloon.autodeflate, balloon.free_page_reporting) == (
        "virtio", 10, True, True,
    )  # fmt: skip
    tpm = devs.tpms[0]
    assert (tpm.model, tpm.backend_type, tpm.backend_version) == ("tpm-tis", "emulator", "2.0")
    assert [(w.model, w.action) for w in devs.watchdogs] == [("i6300esb", "reset")]
    assert [s.model for s in devs.sounds] == ["ich9", "usb"]
    none = dom("disk-block-raw-tuned").devices.memballoon
    assert none is not None and none.model == "none"
    assert dom("lxc-container").devices.memballoon is None
    pt = dom("tpm-passthrough").devices.tpms[0]
    assert (pt.backend_type, pt.backend_device_path) == ("passthrough", "/dev/tpm0")
    crb = dom("kvm-q35-secureboot-loader-nvram").devices.tpms[0]
    assert (crb.model, crb.backend_version) == ("tpm-crb", "2.0")
    fs = dom("virtiofs-hostdev-hugepages").devices.filesystems
    assert [(f.type, f.driver_type, f.source_dir, f.target_dir, f.readonly) for f in fs] == [
        ("mount", "virtiofs", "/srv/shared/projects", "projects", False),
        ("mount", "path", "/srv/shared/readonly", "ro-share", True),
        ("mount", "virtiofs", None, "external", False),
    ]
    hostdevs = dom("virtiofs-hostdev-hugepages").devices.hostdevs
    assert [(h.mode, h.type, h.managed) for h in hostdevs][:2] == [
        ("subsystem", "pci", True),
        ("subsystem", "usb", True),
    ]


# ---- reading the corpus: networks, storage, capabilities ---------------------------------------


def net(name: str) -> Network:
    return Network.from_xml(corpus_path(f"network/{name}.xml").read_bytes())


def test_network_nat_with_dhcp() -> None:
    n = net("nat-dhcp-hosts")
    assert (n.name, n.forward_mode, n.bridge_name, n.bridge_stp, n.bridge_delay) == (
        "default", "nat", "virbr0", True, 0,
    )  # fmt: skip
    assert (n.mac, n.domain_name) == ("52:54:00:f1:e2:d3", "lab.internal")
    ip = n.ips[0]
    assert (ip.address, ip.netmask, ip.prefix, ip.family) == ("192.168.122.1", "255.255.255.0", None, None)
    assert [(r.start, r.end) for r in ip.dhcp_ranges] == [
        ("192.168.122.100", "192.168.122.199"),
        ("192.168.122.220", "192.168.122.239"),
    ]
    assert [(h.mac, h.name, h.ip) for h in ip.dhcp_hosts] == [
        ("52:54:00:6b:3c:58", "fedora38", "192.168.122.10"),
        ("52:54:00:12:34:56", "web01", "192.168.122.11"),
        (None, "printer", "192.168.122.12"),
    ]


def test_network_modes() -> None:
    assert net("isolated").forward_mode is None
    assert (net("isolated-no-ip").ipv6, net("isolated-no-ip").mtu, list(net("isolated-no-ip").ips)) == (
        False,
        9000,
        [],
    )
    routed = net("routed")
    assert (routed.forward_mode, routed.forward_dev, routed.bridge_stp) == ("route", "eno1", False)
    assert net("open-forward").forward_mode == "open"
    host = net("host-bridge")
    assert (host.forward_mode, host.bridge_name) == ("bridge", "br0")
    pool = net("macvtap-pool")
    assert (pool.forward_mode, [i.dev for i in pool.forward_interfaces]) == (
        "bridge",
        ["eno1", "eno2", "eno3"],
    )
    assert pool.bridge_name is None
    assert net("macvtap-vepa").forward_mode == "vepa"
    assert net("macvtap-passthrough").forward_mode == "passthrough"
    assert net("hostdev-sriov").forward_mode == "hostdev"
    ovs = net("openvswitch")
    assert (ovs.forward_mode, ovs.bridge_name, ovs.virtualport_type) == ("bridge", "ovsbr0", "openvswitch")


def test_network_dual_stack() -> None:
    n = net("ipv6-dualstack-dns")
    assert (n.connections, n.ipv6, n.mtu) == (3, True, 1450)
    assert [(i.family, i.address, i.prefix) for i in n.ips] == [
        ("ipv4", "10.20.0.1", 24),
        ("ipv6", "fd00:20::1", 64),
    ]
    assert [(r.start, r.end) for r in n.ips[1].dhcp_ranges] == [("fd00:20::100", "fd00:20::1ff")]
    assert [h.name for h in n.ips[1].dhcp_hosts] == ["db6"]


def pool(name: str) -> StoragePool:
    return StoragePool.from_xml(corpus_path(f"storagepool/{name}.xml").read_bytes())


def test_storage_pools() -> None:
    d = pool("dir")
    assert (d.type, d.name, d.target_path, d.target_mode, d.target_owner, d.target_group) == (
        "dir", "default", "/var/lib/libvirt/images", "0711", 0, 0,
    )  # fmt: skip
    assert (d.capacity_bytes, d.allocation_bytes, d.available_bytes) == (
        105089261568,
        40137936896,
        64951324672,
    )
    fs = pool("fs")
    assert ([x.path for x in fs.source_devices], fs.source_format) == (["/dev/disk/by-label/scratch"], "xfs")
    nfs = pool("netfs-nfs")
    assert ([h.name for h in nfs.source_hosts], nfs.source_dir, nfs.source_format) == (
        ["nfs.example.com"],
        "/export/libvirt/images",
        "nfs",
    )
    lvm = pool("logical")
    assert ([x.path for x in lvm.source_devices], lvm.source_name, lvm.source_format) == (
        ["/dev/sdb1", "/dev/sdc1"],
        "vg_guests",
        "lvm2",
    )
    iscsi = pool("iscsi")
    assert ([(h.name, h.port) for h in iscsi.source_hosts], iscsi.target_path) == (
        [("192.168.122.5", 3260)],
        "/dev/disk/by-path",
    )
    disk = pool("disk")
    assert (disk.type, disk.source_format, [x.path for x in disk.source_devices]) == (
        "disk",
        "gpt",
        ["/dev/sdd"],
    )
    assert pool("rbd").source_name == "vms"


def vol(name: str) -> StorageVolume:
    return StorageVolume.from_xml(corpus_path(f"storagevol/{name}.xml").read_bytes())


def test_storage_volumes() -> None:
    q = vol("qcow2-backing")
    assert (q.type, q.name, q.key) == (
        "file",
        "web01-overlay.qcow2",
        "/var/lib/libvirt/images/web01-overlay.qcow2",
    )
    assert (q.capacity_bytes, q.allocation_bytes, q.target_format, q.target_mode, q.target_compat) == (
        21474836480, 200704, "qcow2", "0600", "1.1",
    )  # fmt: skip
    assert (q.backing_path, q.backing_format) == ("/var/lib/libvirt/images/debian-12-base.qcow2", "qcow2")
    raw = vol("raw")
    assert (raw.capacity_bytes, raw.allocation_bytes, raw.target_format, raw.backing_path) == (
        10 * 2**30, 0, "raw", None,
    )  # fmt: skip
    assert vol("luks-encrypted").capacity_bytes == 5 * 2**30
    assert (vol("lvm-block").type, vol("lvm-block").target_path) == ("block", "/dev/vg_guests/lv_web01")


def test_host_and_domain_capabilities() -> None:
    caps = HostCapabilities.from_xml(corpus_path("capability/host-x86_64-kvm.xml").read_bytes())
    assert (caps.host_arch, caps.host_uuid) == ("x86_64", "4c4c4544-0042-3510-8052-b4c04f564d32")
    guest = caps.guest("x86_64")
    assert guest is not None
    assert (guest.os_type, guest.wordsize, guest.emulator) == ("hvm", 64, "/usr/bin/qemu-system-x86_64")
    assert "pc-q35-7.2" in guest.machine_names() and "q35" in guest.machine_names()
    assert guest.machines.find(lambda m: m.name == "q35") is not None
    q35 = guest.machines.find(lambda m: m.name == "q35")
    assert q35 is not None and (q35.canonical, q35.max_cpus) == ("pc-q35-7.2", 288)
    assert [t.type for t in guest.domain_types] == ["qemu", "kvm"]
    assert caps.guest("aarch64") is None
    dc = DomainCapabilities.from_xml(corpus_path("domaincaps/kvm-q35-x86_64.xml").read_bytes())
    assert (dc.path, dc.domain, dc.machine, dc.arch, dc.vcpu_max) == (
        "/usr/bin/qemu-system-x86_64", "kvm", "pc-q35-7.2", "x86_64", 288,
    )  # fmt: skip
    assert dc.firmwares == ["efi"]
    assert dc.loaders == ["/usr/share/OVMF/OVMF_CODE_4M.ms.fd", "/usr/share/OVMF/OVMF_CODE_4M.fd"]
    assert dc.enum_values("devices/disk", "diskDevice") == ["disk", "cdrom", "floppy", "lun"]
    assert dc.enum_values("devices/tpm", "backendVersion") == ["1.2", "2.0"]
    assert dc.supported("devices/rng") and not dc.supported("features/sev")


# ---- building from scratch, judged by libvirt ---------------------------------------------------


def define_in_libvirt(conn: Any, xml: str) -> etree._Element:
    """Define in libvirt's test driver and return what libvirt's formatter writes back."""
    d = conn.defineXML(xml)
    try:
        return etree.fromstring(d.XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE))  # cookies are secrets
    finally:
        d.undefine()


def build_full_domain() -> Domain:
    d = Domain(type="kvm", name="built-from-scratch", uuid="0b0b0b0b-1111-4222-8333-444455556666")
    d.memory_kib = 2 * 1024 * 1024
    d.current_memory_kib = 2 * 1024 * 1024
    d.vcpus = 2
    d.os.type = "hvm"
    d.os.arch = "x86_64"
    d.os.machine = "pc-q35-7.2"
    d.os.firmware = "efi"
    d.os.firmware_secure_boot = True
    d.os.set_boot_order(["cdrom", "hd", "network"])
    d.features.acpi = True
    d.features.apic = True
    d.features.smm_state = "on"
    d.features.vmport_state = "off"
    d.cpu.mode = "host-passthrough"
    d.cpu.migratable = True
    d.clock.offset = "utc"
    d.clock.set_timer("rtc", tickpolicy="catchup")
    d.clock.set_timer("hpet", present=False)
    d.on_poweroff, d.on_reboot, d.on_crash = "destroy", "restart", "destroy"
    dev = d.devices
    dev.emulator = "/usr/bin/qemu-system-x86_64"
    dev.disks.append(
        Disk(type="file", device="disk", driver_name="qemu", driver_type="qcow2", driver_discard="unmap",
             source_file="/var/lib/libvirt/images/built.qcow2", target_dev="vda", target_bus="virtio")
    )  # fmt: skip
    iso = Disk(type="network", device="cdrom", driver_name="qemu", driver_type="raw")
    iso.source_protocol = "https"
    iso.source_name = "/isos/install.iso"
    iso.source_query = "sig=1&exp=2"
    iso.source_hosts.append(DiskHost(name="media.example.com", port=443))
    iso.source_ssl_verify = False
    iso.source_cookies.append(Cookie(name="session", value="abc123"))
    iso.source_cookies.append(Cookie(name="lang", value="en"))
    iso.source_readahead_bytes = 65536
    iso.source_timeout_seconds = 20
    iso.target_dev, iso.target_bus, iso.readonly = "sda", "sata", True
    dev.disks.append(iso)
    dev.disks.append(Disk(type="file", device="floppy", target_dev="fda", target_bus="fdc"))
    dev.controllers.append(Controller(type="usb", index=0, model="qemu-xhci", ports=15))
    dev.controllers.append(Controller(type="pci", index=0, model="pcie-root"))
    dev.controllers.append(Controller(type="scsi", index=0, model="virtio-scsi", driver_queues=2))
    dev.interfaces.append(
        Interface(type="network", source_network="default", model="virtio", mac="52:54:00:00:01:01")
    )
    dev.interfaces.append(
        Interface(type="bridge", source_bridge="br0", model="virtio", driver_name="vhost", driver_queues=2)
    )
    dev.interfaces.append(
        Interface(type="bridge", source_bridge="ovsbr0", virtualport_type="openvswitch",
                  virtualport_interfaceid="11111111-2222-4333-8444-555555555555", model="virtio")
    )  # fmt: skip
    for i, mode in enumerate(("bridge", "vepa", "private", "passthrough")):
        dev.interfaces.append(
            Interface(type="direct", source_dev=f"eth{i}", source_mode=mode, model="virtio")
        )
    dev.interfaces.append(Interface(type="user", model="e1000e", link_state="up", mtu=1500))
    dev.serials.append(Serial(type="pty", target_port=0))
    dev.consoles.append(Console(type="pty", target_type="serial", target_port=0))
    dev.channels.append(Channel(type="unix", target_type="virtio", target_name="org.qemu.guest_agent.0"))
    dev.inputs.append(Input(type="tablet", bus="usb"))
    dev.tpms.append(TPM(model="tpm-crb", backend_type="emulator", backend_version="2.0"))
    dev.graphics.append(
        Graphics(type="vnc", autoport=True, listen_type="address", listen_address="127.0.0.1")
    )
    dev.sounds.append(Sound(model="ich9"))
    dev.videos.append(Video(model="virtio", heads=1, primary=True))
    dev.watchdogs.append(Watchdog(model="i6300esb", action="reset"))
    dev.memballoon = MemBalloon(model="virtio", stats_period=10)
    dev.rngs.append(RNG(model="virtio", backend_model="random", backend_path="/dev/urandom"))
    dev.filesystems.append(Filesystem(type="mount", accessmode="passthrough", driver_type="virtiofs",
                                      source_dir="/srv/share", target_dir="share"))  # fmt: skip
    d.memory_source_type = "memfd"
    d.memory_access_mode = "shared"
    return d


def test_built_domain_is_valid_libvirt_xml(tmp_path: Path) -> None:
    xml = build_full_domain().to_xml()
    assert_valid(xml, "domain", tmp_path)
    conn = libvirt_test_connection(tmp_path)
    theirs = define_in_libvirt(conn, xml)
    # libvirt read what we meant: spot-check through our own typed reader on libvirt's output.
    back = Domain(theirs)
    iso = back.devices.disks.find(lambda x: x.device == "cdrom")
    assert iso is not None
    assert (iso.source_protocol, iso.source_name, iso.source_query) == (
        "https",
        "/isos/install.iso",
        "sig=1&exp=2",
    )
    assert [(h.name, h.port) for h in iso.source_hosts] == [("media.example.com", 443)]
    assert (iso.source_ssl_verify, iso.source_readahead_bytes, iso.source_timeout_seconds) == (
        False,
        65536,
        20,
    )
    assert [(c.name, c.value) for c in iso.source_cookies] == [("session", "abc123"), ("lang", "en")]
    assert [i.source_mode for i in back.devices.interfaces if i.type == "direct"] == list(
        ("bridge", "vepa", "private", "passthrough")
    )
    ovs = back.devices.interfaces.find(lambda i: i.virtualport_type == "openvswitch")
    assert ovs is not None and ovs.virtualport_interfaceid == "11111111-2222-4333-8444-555555555555"
    assert (back.os.firmware, back.os.firmware_secure_boot) == ("efi", True)
    assert [b.dev for b in back.os.boot_devices] == ["cdrom", "hd", "network"]
    assert (back.memory_kib, back.vcpus, back.cpu.mode, back.clock.offset) == (
        2097152,
        2,
        "host-passthrough",
        "utc",
    )


def test_built_domain_roundtrips_through_parse(tmp_path: Path) -> None:
    d = build_full_domain()
    again = hearth.domain.parse(d.to_xml())
    assert again.to_xml() == d.to_xml()


def test_direct_kernel_boot_from_scratch(tmp_path: Path) -> None:
    d = Domain(type="qemu", name="kboot", memory_kib=262144, vcpus=1)
    d.os.type = "hvm"
    d.os.kernel = "/boot/vmlinuz"
    d.os.initrd = "/boot/initrd.img"
    d.os.cmdline = "console=ttyS0 panic=-1"
    d.os.loader = "/usr/share/OVMF/OVMF_CODE_4M.fd"
    d.os.loader_readonly = True
    d.os.loader_type = "pflash"
    d.os.nvram = "/var/lib/libvirt/qemu/nvram/kboot_VARS.fd"
    d.os.nvram_template = "/usr/share/OVMF/OVMF_VARS_4M.fd"
    d.devices.serials.append(Serial(type="pty"))
    assert_valid(d.to_xml(), "domain", tmp_path)
    theirs = Domain(define_in_libvirt(libvirt_test_connection(tmp_path), d.to_xml()))
    assert (theirs.os.kernel, theirs.os.initrd, theirs.os.cmdline) == (
        "/boot/vmlinuz",
        "/boot/initrd.img",
        "console=ttyS0 panic=-1",
    )
    assert (theirs.os.loader, theirs.os.nvram_template) == (
        "/usr/share/OVMF/OVMF_CODE_4M.fd",
        "/usr/share/OVMF/OVMF_VARS_4M.fd",
    )


def test_cpu_custom_from_scratch(tmp_path: Path) -> None:
    d = Domain(type="kvm", name="cpu-custom", memory_kib=262144, vcpus=4)
    d.os.type = "hvm"
    cpu: CPU = d.cpu
    cpu.mode, cpu.match, cpu.check = "custom", "exact", "partial"
    cpu.model, cpu.model_fallback, cpu.vendor = "Skylake-Client", "allow", "Intel"
    cpu.sockets, cpu.dies, cpu.cores, cpu.threads = 1, 1, 2, 2
    cpu.features.append(CPUFeature(policy="require", name="vmx"))
    cpu.features.append(CPUFeature(policy="disable", name="hle"))
    d.features.hyperv_relaxed = "on"
    d.features.hyperv_spinlocks = "on"
    d.features.hyperv_spinlocks_retries = 8191
    d.features.kvm_hidden_state = "on"
    assert_valid(d.to_xml(), "domain", tmp_path)
    theirs = Domain(define_in_libvirt(libvirt_test_connection(tmp_path), d.to_xml()))
    assert [(f.policy, f.name) for f in theirs.cpu.features] == [("require", "vmx"), ("disable", "hle")]
    assert (theirs.cpu.sockets, theirs.cpu.cores, theirs.cpu.threads) == (1, 2, 2)
    assert theirs.features.hyperv_spinlocks_retries == 8191


def test_boot_order_can_be_replaced() -> None:
    d = dom("kvm-i440fx-bios-legacy")
    d.os.set_boot_order(["network"])
    assert [b.dev for b in d.os.boot_devices] == ["network"]
    tags = [c.tag for c in d.node.find("os")]  # type: ignore[union-attr]
    assert tags.index("boot") == tags.index("type") + 1 and tags.count("boot") == 1


def test_per_device_boot_order() -> None:
    d = dom("boot-order-per-device")
    order = {x.target_dev: x.boot_order for x in d.devices.disks}
    assert order == {"vda": 3, "vdb": None, "sda": 2}
    assert [i.boot_order for i in d.devices.interfaces] == [1, None]
    d.devices.disks[1].boot_order = 4
    assert d.devices.disks[1].boot_order == 4


def test_network_from_scratch(tmp_path: Path) -> None:
    n = Network(name="built-nat", forward_mode="nat", bridge_name="virbr77", bridge_stp=True, bridge_delay=0)
    n.mac = "52:54:00:77:00:01"
    n.domain_name = "built.test"
    ip = n.ips.append(NetworkIP(address="192.168.77.1", netmask="255.255.255.0"))
    ip.dhcp_ranges.append(DHCPRange(start="192.168.77.100", end="192.168.77.200"))
    ip.dhcp_hosts.append(DHCPHost(mac="52:54:00:77:00:10", name="vm10", ip="192.168.77.10"))
    n.ips.append(NetworkIP(family="ipv6", address="fd00:77::1", prefix=64))
    assert_valid(n.to_xml(), "network", tmp_path)
    mac = Network(name="built-macvtap", forward_mode="bridge")
    for dev in ("eno1", "eno2"):
        mac.forward_interfaces.append(ForwardInterface(dev=dev))
    assert_valid(mac.to_xml(), "network", tmp_path, "macvtap.xml")
    ovs = Network(
        name="built-ovs", forward_mode="bridge", bridge_name="ovsbr0", virtualport_type="openvswitch"
    )
    assert_valid(ovs.to_xml(), "network", tmp_path, "ovs.xml")
    conn: Any = libvirt_test_connection(tmp_path)
    for doc in (n, mac, ovs):
        obj = conn.networkDefineXML(doc.to_xml())
        back = Network.from_xml(obj.XMLDesc(0))
        obj.undefine()
        assert (back.name, back.forward_mode, back.bridge_name) == (
            doc.name,
            doc.forward_mode,
            doc.bridge_name,
        )
    assert [i.dev for i in mac.forward_interfaces] == ["eno1", "eno2"]


def test_storage_from_scratch(tmp_path: Path) -> None:
    p = StoragePool(type="dir", name="built-pool")
    p.target_path = "/var/lib/hearth/pool"
    p.target_mode = "0755"
    p.target_owner = 0
    p.target_group = 0
    assert_valid(p.to_xml(), "storagepool", tmp_path)
    v = StorageVolume(name="disk0.qcow2", capacity_bytes=20 * 2**30, allocation_bytes=0)
    v.target_format = "qcow2"
    v.backing_path = "/var/lib/hearth/pool/base.qcow2"
    v.backing_format = "qcow2"
    assert_valid(v.to_xml(), "storagevol", tmp_path, "vol.xml")
    conn: Any = libvirt_test_connection(tmp_path)
    lp = conn.storagePoolDefineXML(p.to_xml())
    lp.create()
    lv = lp.createXML(v.to_xml())
    back = StorageVolume.from_xml(lv.XMLDesc(0))
    assert (back.name, back.capacity_bytes, back.target_format) == ("disk0.qcow2", 20 * 2**30, "qcow2")
    lv.delete()
    lp.destroy()
    lp.undefine()


# ---- invalid values ------------------------------------------------------------------------------

INVALID = [
    (lambda: Disk(), "device", "harddisk"),
    (lambda: Disk(), "type", "iscsi"),
    (lambda: Interface(), "type", "macvtap"),
    (lambda: Interface(), "link_state", "sideways"),
    (lambda: hearth.domain.parse("<domain type='kvm'/>"), "on_crash", "explode"),
    (lambda: hearth.domain.parse("<domain type='kvm'/>"), "on_reboot", "reboot"),
    (lambda: CPU(), "mode", "host"),
    (lambda: CPUFeature(), "policy", "maybe"),
    (lambda: hearth.domain.parse("<domain type='kvm'/>").clock, "offset", "gmt"),
    (lambda: hearth.domain.parse("<domain type='kvm'/>").features, "smm_state", "yes"),
    (lambda: hearth.domain.parse("<domain type='kvm'/>").features, "hyperv_relaxed", "true"),
    (
        lambda: hearth.domain.parse("<domain type='kvm'/>").os.boot_devices.append(hearth.domain.BootDev()),
        "dev",
        "usb",
    ),
    (lambda: Network(), "forward_mode", "masquerade"),
    (lambda: NetworkIP(), "family", "ipv5"),
    (lambda: StoragePool(), "type", "ntfs"),
]


@pytest.mark.parametrize(("make", "field", "value"), INVALID, ids=[f"{f}={v}" for _, f, v in INVALID])
def test_invalid_enum_value_names_the_field(make: Any, field: str, value: str) -> None:
    obj = make()
    root = obj.node.getroottree().getroot()
    before = etree.tostring(root)
    with pytest.raises(ValidationError) as info:
        setattr(obj, field, value)
    msg = str(info.value)
    assert field in msg and repr(value) in msg, msg
    assert info.value.details.get("field") == field
    assert value not in info.value.details.get("allowed", [value])
    assert etree.tostring(root) == before, "a refused value must leave the document untouched"


def test_macvtap_mode_is_checked() -> None:
    """The issue names the macvtap modes (bridge|vepa|private|passthrough); a typo must not reach libvirt."""
    iface = Interface(type="direct", source_dev="eth0")
    with pytest.raises(ValidationError) as info:
        iface.source_mode = "bridged"
    assert "source_mode" in str(info.value) and "bridged" in str(info.value)
    for mode in MACVTAP_MODES:
        iface.source_mode = mode
        assert iface.source_mode == mode


def test_network_disk_protocol_is_checked() -> None:
    disk = Disk(type="network", device="disk")
    with pytest.raises(ValidationError) as info:
        disk.source_protocol = "gopher"
    assert "source_protocol" in str(info.value) and "gopher" in str(info.value)
    for proto in NETWORK_DISK_PROTOCOLS:
        disk.source_protocol = proto
        assert disk.source_protocol == proto


@pytest.mark.parametrize(
    ("make", "field", "value"),
    [
        (lambda: Domain(), "vcpus", "two"),
        (lambda: Domain(), "vcpus", True),
        (lambda: Domain(), "memory_kib", -1),
        (lambda: Domain(), "memory_kib", 1.5),
        (lambda: Disk(), "boot_order", "1"),
        (lambda: DiskHost(), "port", "443"),
        (lambda: Disk(), "source_file", 42),
    ],
    ids=["vcpus-str", "vcpus-bool", "memory-negative", "memory-float", "boot-str", "port-str", "file-int"],
)
def test_wrong_python_type_is_a_validation_error(make: Any, field: str, value: object) -> None:
    obj = make()
    before = etree.tostring(obj.node)
    with pytest.raises(ValidationError):
        setattr(obj, field, value)
    assert etree.tostring(obj.node) == before


def test_bad_number_in_a_document_names_the_field() -> None:
    d = hearth.domain.parse("<domain type='kvm'><vcpu>lots</vcpu><memory unit='parsecs'>1</memory></domain>")
    with pytest.raises(ValidationError) as info:
        _ = d.vcpus
    assert "vcpu" in str(info.value) and "lots" in str(info.value)
    with pytest.raises(ValidationError) as info:
        _ = d.memory_kib
    assert "parsecs" in str(info.value)


def test_unknown_property_in_constructor_is_refused() -> None:
    with pytest.raises(TypeError):
        Disk(colour="blue")


# ---- order of newly added elements, judged against libvirt's own formatter ---------------------


def child_order(el: etree._Element) -> list[str]:
    out: list[str] = []
    for c in el:
        if isinstance(c.tag, str) and (not out or out[-1] != c.tag):
            out.append(c.tag)
    return out


def assert_libvirt_order(ours: etree._Element, theirs: etree._Element, where: str) -> None:
    mine = child_order(ours)
    libvirt_order = [t for t in child_order(theirs) if t in mine]
    assert mine == libvirt_order, f"<{where}> children: we wrote {mine}, libvirt writes {libvirt_order}"


def scrambled_domain() -> Domain:
    """Set properties in roughly the reverse of document order; output must still be in order."""
    d = Domain(type="test")
    d.on_crash = "destroy"
    d.pm_suspend_to_mem = False
    dev = d.devices
    dev.rngs.append(RNG(model="virtio", backend_model="random", backend_path="/dev/urandom"))
    dev.memballoon = MemBalloon(model="virtio", stats_period=5)
    dev.watchdogs.append(Watchdog(model="i6300esb", action="reset"))
    dev.videos.append(Video(model="vga"))
    dev.sounds.append(Sound(model="ich9"))
    dev.graphics.append(Graphics(type="vnc", autoport=True))
    dev.tpms.append(TPM(model="tpm-tis", backend_type="emulator", backend_version="2.0"))
    dev.inputs.append(Input(type="tablet", bus="usb"))
    dev.channels.append(Channel(type="unix", target_type="virtio", target_name="org.qemu.guest_agent.0"))
    dev.consoles.append(Console(type="pty"))
    dev.serials.append(Serial(type="pty"))
    iface = Interface(type="network")
    iface.boot_order = 2
    iface.mtu = 1500
    iface.link_state = "up"
    iface.driver_name = "vhost"
    iface.model = "virtio"
    iface.source_network = "default"
    iface.mac = "52:54:00:00:00:09"
    dev.interfaces.append(iface)
    dev.filesystems.append(Filesystem(type="mount", source_dir="/srv", target_dir="srv"))
    dev.controllers.append(Controller(type="usb", index=0, model="qemu-xhci"))
    disk = Disk(type="file", device="cdrom")
    disk.alias = "ua-cd"
    disk.boot_order = 1
    disk.serial = "SER1"
    disk.readonly = True
    disk.target_bus, disk.target_dev = "sata", "sda"
    disk.source_file = "/srv/x.iso"
    disk.driver_name, disk.driver_type = "qemu", "raw"
    dev.disks.append(disk)
    dev.emulator = "/usr/bin/qemu-system-x86_64"
    d.on_reboot, d.on_poweroff = "restart", "destroy"
    d.clock.set_timer("hpet", present=False)
    d.clock.offset = "utc"
    d.cpu.features.append(CPUFeature(policy="require", name="vmx"))
    d.cpu.sockets, d.cpu.cores, d.cpu.threads = 1, 2, 1
    d.cpu.model = "qemu64"
    d.cpu.mode = "custom"
    d.features.ioapic_driver = "qemu"
    d.features.smm_state = "on"
    d.features.vmport_state = "off"
    d.features.kvm_hidden_state = "on"
    d.features.hyperv_relaxed = "on"
    d.features.pae = True
    d.features.acpi = True
    d.os.cmdline = "console=ttyS0"
    d.os.initrd = "/boot/initrd"
    d.os.kernel = "/boot/vmlinuz"
    d.os.type, d.os.arch = "hvm", "x86_64"
    d.vcpus = 2
    d.current_memory_kib = 131072
    d.memory_kib = 131072
    d.description, d.title = "desc", "title"
    d.uuid = "11111111-2222-4333-8444-555555555555"
    d.name = "order-test"
    return d


@pytest.mark.parametrize(
    "where",
    [
        ".",
        "os",
        "features",
        "features/hyperv",
        "cpu",
        "clock",
        "devices",
        "devices/interface",
        "devices/memballoon",
    ],
)
def test_new_elements_follow_libvirt_order(where: str, tmp_path: Path) -> None:
    d = scrambled_domain()
    ours = etree.fromstring(d.to_xml())
    theirs = define_in_libvirt(libvirt_test_connection(tmp_path), d.to_xml())
    a = ours if where == "." else ours.find(where)
    b = theirs if where == "." else theirs.find(where)
    assert a is not None and b is not None
    assert_libvirt_order(a, b, where)


def test_new_disk_children_follow_libvirt_order(tmp_path: Path) -> None:
    """libvirt writes <readonly/> and <serial> before <boot order>; new output should too."""
    d = scrambled_domain()
    theirs = define_in_libvirt(libvirt_test_connection(tmp_path), d.to_xml())
    a, b = etree.fromstring(d.to_xml()).find("devices/disk"), theirs.find("devices/disk")
    assert a is not None and b is not None
    assert_libvirt_order(a, b, "disk")


def test_new_network_children_follow_libvirt_order(tmp_path: Path) -> None:
    n = Network()
    ip = n.ips.append(NetworkIP(address="192.168.150.1", netmask="255.255.255.0"))
    ip.dhcp_hosts.append(DHCPHost(mac="52:54:00:00:00:01", name="a", ip="192.168.150.10"))
    ip.dhcp_ranges.append(DHCPRange(start="192.168.150.100", end="192.168.150.200"))
    n.domain_name = "x.test"
    n.mac = "52:54:00:11:22:33"
    n.mtu = 1500
    n.bridge_name, n.bridge_stp, n.bridge_delay = "virbr150", True, 0
    n.forward_mode = "nat"
    n.uuid = "11111111-2222-4333-8444-555555555556"
    n.name = "order-net"
    conn: Any = libvirt_test_connection(tmp_path)
    obj = conn.networkDefineXML(n.to_xml())
    theirs = etree.fromstring(obj.XMLDesc(0))
    obj.undefine()
    ours = etree.fromstring(n.to_xml())
    for where in (".", "ip", "ip/dhcp"):
        a = ours if where == "." else ours.find(where)
        b = theirs if where == "." else theirs.find(where)
        assert a is not None and b is not None
        assert_libvirt_order(a, b, where)


def test_appended_device_goes_after_its_siblings_in_an_existing_document() -> None:
    d = dom("kvm-q35-efi-autoselect")
    new = d.devices.disks.append(Disk(type="file", device="disk", source_file="/x.qcow2", target_dev="vdb"))
    devs = d.node.find("devices")
    assert devs is not None
    kids = [c for c in devs if isinstance(c.tag, str)]
    i = kids.index(new.node)
    assert kids[i - 1].tag == "disk" and kids[i + 1].tag == "controller"
    rng = d.devices.rngs.append(RNG(model="virtio", backend_model="random", backend_path="/dev/random"))
    kids = [c for c in devs if isinstance(c.tag, str)]
    assert kids[-1] is rng.node and kids[-2].tag == "rng"
    tpm = d.devices.tpms.append(TPM(model="tpm-crb", backend_type="emulator", backend_version="2.0"))
    kids = [c for c in devs if isinstance(c.tag, str)]
    j = kids.index(tpm.node)
    assert kids[j - 1].tag == "input" and kids[j + 1].tag == "graphics"


def test_removing_devices() -> None:
    d = dom("interfaces-direct-macvtap")
    ifs = d.devices.interfaces
    victim = ifs[1]
    ifs.remove(victim)
    assert [i.source_dev for i in d.devices.interfaces if i.type == "direct"] == [
        "eth0",
        "eth2",
        "enp59s0f1",
        "bond0.20",
    ]
    with pytest.raises(ValidationError):
        ifs.remove(victim)
    d.devices.memballoon = None
    assert d.devices.memballoon is None and d.node.find("devices/memballoon") is None


def test_clearing_a_property_removes_only_what_it_created() -> None:
    d = dom("kvm-q35-secureboot-loader-nvram")
    d.os.nvram_template = None
    nv = d.node.find("os/nvram")
    assert nv is not None and nv.text == "/var/lib/libvirt/qemu/nvram/win11-secure_VARS.fd"
    d.features.smm_state = None
    assert d.node.find("features/smm") is None and d.features.acpi is True
    d.devices.disks[0].address = None
    assert d.devices.disks[0].address is None and d.devices.disks[0].target_dev == "sda"


def test_clearing_element_text_keeps_the_elements_attributes() -> None:
    """``<model fallback='allow'/>`` has no name; clearing the (absent) name must keep the element."""
    cpu = dom("cpu-host-model-windows-hyperv").cpu
    cpu.model = None
    assert cpu.model_fallback == "allow"
    os_ = dom("kvm-newer-elements").os  # <loader stateless='yes'/>: firmware autoselection hint
    os_.loader = None
    loader = os_.node.find("loader")
    assert loader is not None and loader.get("stateless") == "yes"
