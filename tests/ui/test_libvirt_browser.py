"""The web UI end to end on the libvirt driver (qemu:///system, the tiny test guest under TCG),
in headless Chromium, touching only what the pages show: make a template with a macvtap NIC and
a VNC screen, create a VM from it, watch it reach RUNNING without a reload, read the guest's boot
marker in the console tab, see the screen tab's canvas draw, add and remove a NIC, attach an ISO
from the media library, stop it; another user does not see it; delete it. Screenshots of each
step are kept (the test prints where)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hearth.testing.guest import MARKER, GuestImage
from tests.drivers.contract.libvirt_cases import guest_files
from tests.host import netdevs
from tests.media.conftest import build_iso

from ..api._libvirt import serve_libvirt
from ..api.conftest import ADMIN, OTHER, Running
from ..webdriver import Browser, chromium
from .browser import artifacts, flash, go, log_in

pytestmark = [pytest.mark.guest, pytest.mark.libvirtd]
BOOT = 180.0


@pytest.fixture
def libvirt_ui(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Running, Path, GuestImage]]:
    monkeypatch.setenv("HEARTH_ACCEL", "tcg")
    guest = guest_files()
    with serve_libvirt(guest, "ui") as (running, state):
        yield running, state, guest


def set_value(b: Browser, css: str, value: str) -> None:
    """Choose ``value`` in a select (or fill an input) the page shows."""
    b.find(css)
    b.execute(
        "const el = document.querySelector(arguments[0]); el.value = arguments[1];"
        "el.dispatchEvent(new Event('change', {bubbles: true}))",
        css,
        value,
    )


def fill_template(b: Browser, guest: GuestImage, name: str, veth: str) -> None:
    form = "form.template-form"
    b.type(b.find(f"{form} input[name=name]"), name)
    b.type(b.find(f"{form} input[name=os]"), "debian11")
    b.type(b.find(f"{form} input[name=memory]"), "192")
    b.type(b.find(f"{form} input[name=vcpus]"), "1")
    b.type(b.find(f"{form} input[name=kernel]"), str(guest.kernel))
    b.type(b.find(f"{form} input[name=initrd]"), str(guest.initrd))
    b.type(b.find(f"{form} input[name=cmdline]"), guest.append("wait"))
    set_value(b, f"{form} select[name=graphics]", "vnc")
    b.click(b.find(f"{form} button.add-interface"))
    set_value(b, f"{form} .nic-row select[name=nic_type]", "macvtap")
    b.type(b.find(f"{form} .nic-row input[name=nic_source]"), veth)
    set_value(b, f"{form} .nic-row select[name=nic_mode]", "bridge")
    b.click(b.find(f"{form} button[type=submit]"))


def tab(b: Browser, name: str) -> None:
    b.click(b.find(f"nav.tabs button[data-tab={name}]"))


# How many sampled pixels of the screen tab's canvas are not black (0: nothing drawn yet).
DRAWN = (
    "const c = document.querySelector('.screen canvas'); if (!c || !c.width) return 0;"
    "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
    "for (let i = 0; i < d.length; i += 64) if (d[i] || d[i + 1] || d[i + 2]) n++; return n;"
)
LIBRARY = "form.attach-media select[name=media]"
HAS_ISO = (
    f"return [...document.querySelectorAll('{LIBRARY} option')]"
    ".some(o => o.textContent.includes('tools.iso'))"
)
PICK_ISO = (
    f"const s = document.querySelector('{LIBRARY}');"
    "s.value = [...s.options].find(o => o.textContent.includes('tools.iso')).value"
)


def test_a_person_runs_a_vm_from_a_template_through_the_web_ui(
    libvirt_ui: tuple[Running, Path, GuestImage], tmp_path: Path
) -> None:
    server, state, guest = libvirt_ui
    shots = artifacts(tmp_path, "ui-libvirt")
    media = state / "ui-media"
    media.mkdir(mode=0o755)
    build_iso(media / "tools.iso", "UITOOLS")
    with (
        netdevs.veth_pair() as (veth, peer),
        httpx.Client(base_url=server.url, auth=ADMIN, timeout=60) as admin,
    ):
        for dev in (veth, peer):
            netdevs.run("ip", "link", "set", dev, "up")
        # Chromium starts after the host's links settle: a network change aborts its page loads.
        with chromium() as b:
            _through_the_pages(b, server, guest, admin, veth, peer, media, shots)


def _through_the_pages(
    b: Browser,
    server: Running,
    guest: GuestImage,
    admin: httpx.Client,
    veth: str,
    peer: str,
    media: Path,
    shots: Path,
) -> None:
    vm = f"ui-{secrets.token_hex(3)}"
    made = admin.post("/v1/media/sources", json={"name": "ui-isos", "type": "dir", "path": str(media)})
    assert made.status_code == 201, made.text
    b.resize(1280, 800)
    log_in(b, server.url, *ADMIN)

    go(b, "#/templates", "form.template-form")
    fill_template(b, guest, "ui-guest", veth)
    b.find("tr.template[data-name=ui-guest]", timeout=30)
    assert b.all("tr.template.invalid") == [], b.text(b.find("table.grid"))
    b.screenshot(shots / "01-templates.png")

    go(b, "#/create", "form.create-template")
    set_value(b, "form.create-template select[name=template]", "ui-guest")
    b.type(b.find("form.create-template input[name=name]"), vm)
    b.click(b.find("form.create-template button[type=submit]"))
    b.until("return location.hash.startsWith('#/instances/') && document.getElementById('state')", 120)
    iid = b.execute("return location.hash.split('/')[2]")
    b.execute("window.__same_page = 1")
    b.until("return document.getElementById('state')?.textContent === 'RUNNING'", BOOT)
    assert b.execute("return window.__same_page") == 1  # seen live, not by reloading
    b.screenshot(shots / "02-running.png")

    tab(b, "console")
    b.until(f"return document.querySelector('.terminal')?.textContent.includes('{MARKER}')", BOOT)
    b.screenshot(shots / "03-console.png")

    tab(b, "screen")
    assert b.until(DRAWN, 120) > 0  # the guest's screen, drawn by noVNC from the RFB stream
    b.screenshot(shots / "04-screen.png")

    tab(b, "nics")
    b.find("form.add-nic")
    assert len(b.all("tr.nic")) == 1
    set_value(b, "form.add-nic select[name=type]", "macvtap")
    b.type(b.find("form.add-nic input[name=source]"), peer)
    set_value(b, "form.add-nic select[name=mode]", "vepa")
    b.click(b.find("form.add-nic button[type=submit]"))
    b.until("return document.querySelectorAll('tr.nic').length === 2", 60)
    b.screenshot(shots / "05-nic-added.png")
    added = b.execute(
        "return [...document.querySelectorAll('tr.nic')]"
        ".find(r => r.textContent.includes(arguments[0])).dataset.mac",
        peer,
    )
    b.click(b.find(f"tr.nic[data-mac='{added}'] button.remove-nic"))
    b.until("return document.querySelectorAll('tr.nic').length === 1", 90)
    assert [n["source"] for n in admin.get(f"/v1/instances/{iid}/interfaces").json()["interfaces"]] == [veth]

    tab(b, "media")
    set_value(b, "form.attach-media select[name=type]", "cdrom")
    b.until(HAS_ISO, 30)
    b.execute(PICK_ISO)
    b.click(b.find("form.attach-media button[type=submit]"))
    # A running guest without an empty drive cannot get one: the page says so in the API's words.
    refused = admin.post(f"/v1/instances/{iid}/disks", json={"type": "cdrom"})
    assert refused.status_code == 409 and flash(b) == refused.json()["message"]

    b.click(b.find(".bar button[data-action=stop]"))
    b.until("return document.getElementById('state')?.textContent === 'STOPPED'", BOOT)
    tab(b, "media")
    b.until(HAS_ISO, 30)
    b.execute(PICK_ISO)
    b.click(b.find("form.attach-media button[type=submit]"))
    b.until(
        "return [...document.querySelectorAll('tr.disk')].some(r => r.textContent.includes('tools.iso'))",
        60,
    )
    b.screenshot(shots / "06-iso.png")

    b.follow(b.find("form.logout button"))
    log_in(b, server.url, *OTHER)
    assert vm not in b.text(b.find("table.instances"))
    b.execute("location.hash = arguments[0]", f"#/instances/{iid}")  # someone else's instance
    with httpx.Client(base_url=server.url, auth=OTHER, timeout=60) as other:
        hidden = other.get(f"/v1/instances/{iid}")
    assert hidden.status_code == 404 and flash(b) == hidden.json()["message"]
    b.screenshot(shots / "07-other-user.png")

    log_in(b, server.url, *ADMIN)
    go(b, f"#/instances/{iid}", "nav.tabs")
    b.click(b.find(".bar button[data-action=delete]"))
    b.until("return location.hash === '#/instances'", 60)
    b.until(f"return !document.getElementById('i-{iid}')", 30)
    assert admin.get(f"/v1/instances/{iid}").status_code == 404
    b.screenshot(shots / "08-deleted.png")
    assert admin.delete("/v1/templates/ui-guest").status_code == 204
