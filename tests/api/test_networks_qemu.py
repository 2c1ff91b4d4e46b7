"""A network and subnet of the qemu driver through /v1, a real guest (TCG) on it asking its
dnsmasq for an address, and nothing of the network left on the host once it is deleted.

Real components: the server on loopback, the qemu driver, a Linux bridge, dnsmasq, nftables and
the busybox test guest running ``udhcpc``. The subnet is a /24 no route of the host claims.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hearth.drivers.qemu import QemuDriver, hostnets
from hearth.testing.guest import DHCP_MARKER
from tests.drivers.qemu.case import GUEST_OS, guest_files
from tests.drivers.qemu.host_networks import dnsmasq_running, free_block, nft_table_exists

from ._qemu import qemu_serving
from .conftest import DEMO, Running, created, wait_state

DHCP_IMAGE = "test-guest-dhcp"


@pytest.fixture(scope="module")
def qemu_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    guest = guest_files(request)
    with qemu_serving(tmp_path_factory.mktemp("qemu-networks"), guest) as running:
        driver = running.service.driver
        assert isinstance(driver, QemuDriver)
        driver.register_image(
            DHCP_IMAGE,
            image_id=DHCP_IMAGE,
            os=GUEST_OS,
            kernel=guest.kernel,
            initrd=guest.initrd,
            cmdline=guest.append("wait", "hearth.dhcp=1"),
        )
        yield running


def test_a_guest_on_a_qemu_network_gets_its_address_from_the_networks_dnsmasq(qemu_server: Running) -> None:
    driver = qemu_server.service.driver
    assert isinstance(driver, QemuDriver)
    block = free_block()
    with qemu_server.client(DEMO) as demo:
        r = demo.post("/v1/networks", json={"name": f"qn-{secrets.token_hex(3)}", "address_blocks": [block]})
        assert r.status_code == 201, r.text
        net = r.json()
        bridge = hostnets.bridge_name(net["id"])
        where = driver.context.layout.network_dir(bridge)
        r = demo.post("/v1/subnets", json={"network_id": net["id"], "name": "qn-a", "address_block": block})
        assert r.status_code == 201, r.text
        sub = r.json()

        gateway = str(hostnets.gateway(block).ip)
        addrs = subprocess.run(["ip", "-j", "addr", "show", "dev", bridge], capture_output=True, text=True)
        assert gateway in addrs.stdout
        assert dnsmasq_running(where / "dnsmasq.conf")
        assert nft_table_exists(hostnets.nft_table(bridge))
        table = subprocess.run(
            ["nft", "list", "table", "ip", hostnets.nft_table(bridge)], capture_output=True, text=True
        ).stdout
        assert f"ip saddr {block}" in table and "masquerade" in table, table

        r = demo.post(
            "/v1/instances",
            json={"image_id": DHCP_IMAGE, "hwp_id": "small", "networks": [{"network_id": net["id"]}]},
        )
        inst = wait_state(demo, created(demo, r, 120)["id"], "RUNNING", timeout=120)
        [bound] = inst["network_bindings"]
        assert bound["network"] == net["id"] and bound["subnet"] == sub["id"]
        assert ipaddress.ip_address(bound["ip_address"]) in ipaddress.ip_network(block)
        assert inst["private_addresses"] == [bound["ip_address"]]

        # The guest asks over DHCP on its NIC on the bridge; dnsmasq leases it that very address.
        deadline = time.monotonic() + 180
        pattern = re.compile(rf"{DHCP_MARKER} iface=\S+ ip={re.escape(bound['ip_address'])}\b")
        while True:
            log = demo.get(f"/v1/instances/{inst['id']}/console/log").json()["output"]
            leased = hostnets.leases(where)
            if pattern.search(log) and bound["ip_address"] in leased.values():
                break
            assert time.monotonic() < deadline, (leased, log[-2000:])
            time.sleep(1)

        assert demo.delete(f"/v1/subnets/{sub['id']}").status_code == 409  # a guest is on it
        assert demo.post(f"/v1/instances/{inst['id']}/stop", json={"force": True}).status_code == 202
        wait_state(demo, inst["id"], "STOPPED", timeout=120)
        assert demo.delete(f"/v1/instances/{inst['id']}").status_code == 204
        assert demo.delete(f"/v1/subnets/{sub['id']}").status_code == 204
        assert demo.delete(f"/v1/networks/{net['id']}").status_code == 204

    assert not Path("/sys/class/net", bridge).exists()
    assert not dnsmasq_running(where / "dnsmasq.conf")
    assert not nft_table_exists(hostnets.nft_table(bridge))
    assert not where.exists()
