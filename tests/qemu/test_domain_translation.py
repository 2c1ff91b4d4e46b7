"""machine_from_domain applies libvirt's defaults where the XML is silent and libvirt's meaning
where it speaks; everything else is refused naming the element, or listed with a reason."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hearth.domain import parse
from hearth.errors import NotSupported, ValidationError
from hearth.qemu import caps, render_argv
from hearth.qemu.domain_ledger import IGNORE, IGNORE_ATTRS, SKIP, TRANSLATED, walk
from hearth.qemu.from_domain import Conversion, machine_from_domain
from tests.qemu.parity import corpus

HEAD = '<domain type="qemu"><name>t</name><memory unit="KiB">{memory}</memory>{vcpu}<os>{os}</os>'


def _conv(body: str = "", *, os: str = "<type arch='x86_64'>hvm</type>", memory: int = 131072,
          vcpu: str = "", **kw: Path | str) -> Conversion:  # fmt: skip
    return machine_from_domain(parse(HEAD.format(memory=memory, vcpu=vcpu, os=os) + body + "</domain>"), **kw)


def _argv(conv: Conversion) -> list[str]:
    return render_argv(conv.machine, accel="tcg").args


def _opt(args: list[str], option: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args) if a == option]


def _drivers(conv: Conversion) -> list[str]:
    return [str(d["driver"]) for d in conv.machine.devices]


def test_a_silent_domain_gets_libvirt_s_defaults() -> None:
    conv = _conv("<devices><controller type='scsi'/></devices>", memory=219100, vcpu="<vcpu>6</vcpu>")
    args = _argv(conv)
    assert conv.machine.machine_type == "pc"  # no machine=: libvirt's pc
    assert _opt(args, "-cpu") == ["qemu64"]  # no <cpu>: qemu64, not max/host
    assert _opt(args, "-m") == ["214"]  # 219100 KiB rounded up as libvirt passes it
    assert _opt(args, "-smp") == ["6,sockets=6,cores=1,threads=1,maxcpus=6"]
    assert _opt(args, "-boot") == ["strict=on"]
    assert _drivers(conv) == ["lsi53c895a", "piix3-usb-uhci", "virtio-balloon-pci"]


def test_q35_gets_an_xhci_controller_a_model_less_one_is_uhci_and_none_means_none() -> None:
    """libvirt 9.0's choices (tests/qemu/test_defaults_like_libvirt.py asks libvirt itself)."""
    q35 = "<type arch='x86_64' machine='q35'>hvm</type>"
    assert "qemu-xhci" in _drivers(_conv(os=q35))
    model_less = _drivers(_conv("<devices><controller type='usb'/></devices>", os=q35))
    assert "piix3-usb-uhci" in model_less and "qemu-xhci" not in model_less
    none = "<devices><controller type='usb' model='none'/><memballoon model='none'/></devices>"
    assert _drivers(_conv(none, os=q35)) == []


@pytest.mark.parametrize(
    ("model", "driver"),
    [("piix3-uhci", "piix3-usb-uhci"), ("ich9-ehci1", "ich9-usb-ehci1"), ("qemu-xhci", "qemu-xhci"),
     ("nec-xhci", "nec-usb-xhci")],
)  # fmt: skip
def test_usb_controller_models_are_libvirt_s(model: str, driver: str) -> None:
    assert _drivers(_conv(f"<devices><controller type='usb' model='{model}'/></devices>"))[0] == driver


def test_ich9_companions_attach_to_the_ehci_master() -> None:
    body = (
        "<devices><controller type='usb' index='0' model='ich9-ehci1'/>"
        "<controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller></devices>"
    )
    devices = _conv(body).machine.devices
    assert devices[0] == {"driver": "ich9-usb-ehci1", "id": "usb", "bus": "pci.0", "addr": "0x2.0x7"}
    assert devices[1] == {
        "driver": "ich9-usb-uhci1",
        "masterbus": "usb.0",
        "firstport": 0,
        "bus": "pci.0",
        "addr": "0x2",  # one slot with the EHCI, as libvirt lays them out
        "multifunction": True,
    }


def test_cpu_model_and_feature_policies_become_flags() -> None:
    cpu = (
        "<cpu match='exact'><model>Haswell</model><feature policy='disable' name='hle'/>"
        "<feature policy='forbid' name='rtm'/><feature policy='force' name='vmx'/>"
        "<feature policy='require' name='sse4.2'/><feature policy='optional' name='aes'/>"
        "<feature name='pcid'/></cpu>"
    )  # no mode: libvirt's custom mode
    assert _opt(_argv(_conv(cpu)), "-cpu") == ["Haswell,hle=off,rtm=off,vmx=on,sse4.2=on,aes=on,pcid=on"]


def test_maximum_with_migratable_features_and_phys_bits() -> None:
    cpu = (
        "<cpu mode='maximum' migratable='on'><maxphysaddr mode='emulate' bits='42'/>"
        "<feature policy='disable' name='pdpe1gb'/></cpu>"
    )
    assert _opt(_argv(_conv(cpu)), "-cpu") == ["max,migratable=on,pdpe1gb=off,phys-bits=42"]


def test_host_model_forbidding_a_feature_the_host_cpu_has_is_refused_as_libvirt_refuses_it() -> None:
    with pytest.raises(ValidationError, match="forbidden features: monitor"):
        _conv("<cpu mode='host-model'><feature policy='forbid' name='monitor'/></cpu>")


def test_host_model_where_its_accelerator_cannot_run_is_refused_naming_what_runs_instead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A host without KVM cannot be made here: the probe's answer is replaced by one without it."""
    real = caps.load()
    monkeypatch.setattr(caps, "load", lambda *a, **k: dataclasses.replace(real, widest_cpus={}))
    text = HEAD.format(memory=131072, vcpu="", os="<type arch='x86_64'>hvm</type>").replace('"qemu"', '"kvm"')
    with pytest.raises(NotSupported, match="host-model.*needs kvm.*host-passthrough"):
        machine_from_domain(parse(text + "<cpu mode='host-model'/></domain>"))


def test_timers_hyperv_pm_and_vmport_are_libvirt_s_arguments() -> None:
    body = (
        "<features><acpi/><hyperv mode='custom'><relaxed state='on'/><spinlocks state='on' retries='8191'/>"
        "<vendor_id state='on' value='Hearth'/></hyperv><vmport state='off'/></features>"
        "<clock offset='localtime'><timer name='rtc' tickpolicy='catchup' track='guest'/>"
        "<timer name='pit' tickpolicy='delay'/><timer name='hpet' present='no'/>"
        "<timer name='kvmclock' present='no'/><timer name='hypervclock' present='yes'/></clock>"
        "<pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='no'/></pm>"
    )
    args = _argv(_conv(body, os="<type arch='x86_64' machine='q35'>hvm</type>", qemu_version="7.2.22"))
    assert _opt(args, "-cpu") == [
        "qemu64,kvmclock=off,hv-time=on,hv-relaxed=on,hv-spinlocks=0x1fff,hv-vendor-id=Hearth"
    ]
    assert _opt(args, "-machine") == ["q35,vmport=off,hpet=off"]
    assert _opt(args, "-rtc") == ["base=localtime,clock=vm,driftfix=slew"]
    assert _opt(args, "-global") == [
        "driver=kvm-pit,property=lost_tick_policy,value=delay",
        "driver=ICH9-LPC,property=disable_s3,value=1",
        "driver=ICH9-LPC,property=disable_s4,value=1",
        "driver=ICH9-LPC,property=noreboot,value=on",
    ]


@pytest.mark.parametrize(
    ("machine", "qemu", "noreboot"),
    [
        ("q35", "7.2.22", "on"),  # the alias is the QEMU's own board: pc-q35-7.2
        ("q35", "8.0.0", "off"),  # QEMU 8.0 turned the strap off for its new boards
        ("pc-q35-7.2", "9.2.0", "on"),  # an old board keeps its default on a newer QEMU
        ("pc-q35-8.1", "9.2.0", "off"),
    ],
)
def test_the_ich9_no_reboot_strap_is_written_out_as_the_board_s_default(
    machine: str, qemu: str, noreboot: str
) -> None:
    """libvirt 9.0 leaves the strap to QEMU's board default; written out, it cannot change
    with whatever default the QEMU running the guest has (the iTCO watchdog resets or not)."""
    args = _argv(_conv(os=f"<type arch='x86_64' machine='{machine}'>hvm</type>", qemu_version=qemu))
    assert _opt(args, "-global") == [f"driver=ICH9-LPC,property=noreboot,value={noreboot}"]
    assert "noreboot" not in " ".join(_argv(_conv(qemu_version=qemu)))  # pc has no ICH9


def test_guest_numa_cells_get_their_own_memory_backends() -> None:
    cpu = (
        "<cpu><topology sockets='2' cores='1' threads='1'/><numa>"
        "<cell id='0' cpus='0' memory='64' unit='MiB'/>"
        "<cell id='1' cpus='1' memory='64' unit='MiB'/></numa></cpu>"
        "<memoryBacking><locked/></memoryBacking>"
    )
    conv = _conv(cpu, vcpu="<vcpu>2</vcpu>")
    args = _argv(conv)
    assert _opt(args, "-numa") == [
        "node,nodeid=0,cpus=0,memdev=ram-node0",
        "node,nodeid=1,cpus=1,memdev=ram-node1",
    ]
    assert _opt(args, "-object")[:2] == [
        "memory-backend-ram,id=ram-node0,size=67108864",
        "memory-backend-ram,id=ram-node1,size=67108864",
    ]
    assert _opt(args, "-overcommit") == ["mem-lock=on"]


def test_secure_boot_firmware_needs_smm_and_gets_secure_flash(tmp_path: Path) -> None:
    os_ = (
        "<type arch='x86_64' machine='q35'>hvm</type>"
        "<loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</loader>"
        f"<nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>{tmp_path}/v.fd</nvram>"
    )
    with pytest.raises(ValidationError, match="smm"):
        _conv(os=os_)
    conv = _conv("<features><acpi/><smm state='on'/></features>", os=os_)
    fw = conv.machine.firmware
    assert fw is not None and fw.secure and fw.vars_template == Path("/usr/share/OVMF/OVMF_VARS_4M.fd")
    args = _argv(conv)
    assert "driver=cfi.pflash01,property=secure,value=on" in _opt(args, "-global")
    assert _opt(args, "-machine") == ["q35,smm=on,pflash0=hearth-pflash0,pflash1=hearth-pflash1"]


def test_firmware_efi_is_picked_from_the_descriptors_as_libvirt_picks_it(tmp_path: Path) -> None:
    def run(features: str) -> Path:
        text = HEAD.format(
            memory=131072,
            vcpu="",
            os=f"<type arch='x86_64' machine='q35'>hvm</type><firmware>{features}</firmware>",
        ).replace("<os>", "<os firmware='efi'>")
        conv = machine_from_domain(parse(text + "</domain>"), nvram_dir=tmp_path)
        assert conv.machine.firmware is not None and conv.machine.firmware.vars == tmp_path / "t_VARS.fd"
        return conv.machine.firmware.code  # fmt: skip

    assert run("").name == "OVMF_CODE_4M.ms.fd"  # the first descriptor: Secure Boot with MS keys
    secure = "<feature enabled='yes' name='secure-boot'/><feature enabled='no' name='enrolled-keys'/>"
    assert run(secure).name == "OVMF_CODE_4M.secboot.fd"
    assert run("<feature enabled='no' name='secure-boot'/>").name == "OVMF_CODE_4M.fd"


def test_a_loader_without_type_is_a_rom_and_pflash_code_is_writable_unless_readonly(tmp_path: Path) -> None:
    rom = _conv(os="<type arch='x86_64'>hvm</type><loader>/usr/share/seabios/bios-256k.bin</loader>")
    assert _opt(_argv(rom), "-bios") == ["/usr/share/seabios/bios-256k.bin"]
    code = tmp_path / "code.fd"
    rw = _conv(os=f"<type arch='x86_64'>hvm</type><loader readonly='no' type='pflash'>{code}</loader>")
    assert rw.machine.firmware is not None and rw.machine.firmware.code_read_only is False
    silent = _conv(os=f"<type arch='x86_64'>hvm</type><loader type='pflash'>{code}</loader>")
    assert (
        silent.machine.firmware is not None and silent.machine.firmware.code_read_only is False
    )  # libvirt's
    ro = _conv(os=f"<type arch='x86_64'>hvm</type><loader readonly='yes' type='pflash'>{code}</loader>")
    assert ro.machine.firmware is not None and ro.machine.firmware.code_read_only is True


def test_a_secondary_video_is_not_a_second_vga() -> None:
    body = "<devices><video><model type='qxl'/></video><video><model type='qxl'/></video></devices>"
    assert _drivers(_conv(body))[1:3] == ["qxl-vga", "qxl"]  # after the implicit USB controller


def test_watchdog_parallel_smartcard_hub_and_redirdev_are_devices() -> None:
    body = (
        "<devices><watchdog model='i6300esb' action='poweroff'/><parallel type='pty'/>"
        "<smartcard mode='passthrough' type='pty'/><hub type='usb'/>"
        "<redirdev bus='usb' type='pty'/></devices>"
    )
    conv = _conv(body)
    assert _drivers(conv)[1:7] == [
        "isa-parallel",
        "usb-hub",  # USB devices made in libvirt's order of USB ports: hubs, smartcards, ..., redirdevs
        "usb-ccid",
        "ccid-card-passthru",
        "usb-redir",
        "i6300esb",
    ]
    assert conv.machine.actions == {"watchdog": "poweroff"}
    assert any(s.startswith("smartcard 0") for s in conv.skipped)


def test_on_reboot_destroy_is_no_reboot_and_daemon_policies_are_listed() -> None:
    conv = _conv("<on_poweroff>restart</on_poweroff><on_reboot>destroy</on_reboot>")
    assert _opt(_argv(conv), "-action") == ["reboot=shutdown"]
    assert [s.split(":")[0] for s in conv.skipped] == ["on_poweroff"]


def test_qemu_commandline_arguments_and_environment_pass_through() -> None:
    body = (
        "<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
        "<qemu:arg value='-device'/><qemu:arg value='pvpanic,ioport=1285'/>"
        "<qemu:env name='HEARTH_X' value='1'/></qemu:commandline>"
    )
    conv = _conv(body)
    assert _argv(conv)[-2:] == ["-device", "pvpanic,ioport=1285"]
    assert conv.machine.env == {"HEARTH_X": "1"}


def test_metadata_and_libvirt_policy_are_ignored_with_a_reason() -> None:
    body = "<title>x</title><description>y</description><metadata><a xmlns='urn:x'/></metadata><cputune/>"
    conv = _conv(body)
    assert [i.split(":")[0] for i in conv.ignored] == ["title", "description", "metadata", "cputune"]
    checks = _conv("<cpu match='exact' check='partial'><model fallback='forbid'>Haswell</model></cpu>")
    assert [i.split(":")[0] for i in checks.ignored] == ["cpu/@match", "cpu/@check", "cpu/model/@fallback"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ("<devices><shmem name='x'/></devices>", "<domain>/devices/shmem"),
        ("<sysinfo type='smbios'/>", "<domain>/sysinfo"),
        ("<cpu mode='maximum'><frobnicate/></cpu>", "<domain>/cpu/frobnicate"),
        ("<devices><watchdog model='i6300esb' color='red'/></devices>", "<domain>/devices/watchdog/@color"),
        ("<devices><emulator>/usr/bin/qemu-system-i386</emulator></devices>", "qemu-system-i386"),
    ],
)
def test_anything_unknown_is_refused_naming_its_path(body: str, path: str) -> None:
    with pytest.raises(NotSupported) as err:
        _conv(body)
    assert path in err.value.message


@pytest.mark.parametrize("path", corpus(), ids=lambda p: p.stem)
def test_every_node_of_every_corpus_document_is_accounted_for(path: Path, tmp_path: Path) -> None:
    """Walk the raw tree: each element is translated (with its attributes), skipped or ignored."""
    domain = parse(path.read_text())
    conv = machine_from_domain(domain, nvram_dir=tmp_path)
    root = domain.node
    for where, el in walk(root):
        if where in SKIP or where in IGNORE:
            assert any(s.startswith(f"{where}:") for s in conv.skipped + conv.ignored), where
            continue
        assert where in TRANSLATED, where
        for attr in map(str, el.attrib):
            if attr in IGNORE_ATTRS.get(where, {}):
                assert any(i.startswith(f"{where}/@{attr}".lstrip("/")) for i in conv.ignored), (where, attr)
            else:
                assert attr in TRANSLATED[where], (where, attr)


def test_clock_offsets_are_libvirt_s_rtc_bases() -> None:
    zone = _conv("<clock offset='timezone' timezone='Europe/Paris'/>")
    assert (zone.machine.rtc, zone.machine.env) == ({"base": "localtime"}, {"TZ": "Europe/Paris"})
    absolute = _conv("<clock offset='absolute' start='1700000000'/>")
    assert absolute.machine.rtc == {"base": "2023-11-14T22:13:20"}


def test_a_model_libvirt_defines_without_a_feature_runs_without_it() -> None:
    """libvirt's CPU map has EPYC without monitor, so libvirt runs EPYC,monitor=off."""
    assert _opt(_argv(_conv("<cpu><model>EPYC</model></cpu>")), "-cpu") == ["EPYC,monitor=off"]
    assert _opt(_argv(_conv("<cpu><model>Haswell</model></cpu>")), "-cpu") == ["Haswell"]


def test_numatune_places_each_cell_s_memory_on_host_nodes() -> None:
    cpu = (
        "<numatune><memory mode='strict' nodeset='0-3,^1'/><memnode cellid='1' mode='preferred' nodeset='0'/>"
        "</numatune><cpu><topology sockets='2' cores='1' threads='1'/><numa>"
        "<cell id='0' cpus='0' memory='64' unit='MiB'/><cell id='1' cpus='1' memory='64' unit='MiB'/>"
        "</numa></cpu>"
    )
    objects = _opt(_argv(_conv(cpu, vcpu="<vcpu>2</vcpu>")), "-object")
    assert objects == [
        '{"qom-type":"memory-backend-ram","id":"ram-node0","size":67108864,"host-nodes":[0,2,3],"policy":"bind"}',
        '{"qom-type":"memory-backend-ram","id":"ram-node1","size":67108864,"host-nodes":[0],"policy":"preferred"}',
    ]
    assert any(s.startswith("numatune:") for s in _conv("<numatune><memory nodeset='0'/></numatune>").skipped)
