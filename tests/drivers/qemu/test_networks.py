"""A new qemu driver on a state directory makes its networks' host side again and removes what
no network row claims (real bridges, dnsmasq and nftables; names unique to the run)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from sqlalchemy import delete

from hearth.drivers import Caller
from hearth.drivers.qemu import hostnets, open_qemu_driver
from hearth.drivers.qemu.tables import QemuNetwork, QemuSubnet
from hearth.drivers.resources import NetworkCreate, SubnetCreate

from .case import short_dir
from .host_networks import dnsmasq_running, free_block, nft_table_exists

ALICE = Caller("alice")


def host_side(where: Path, bridge: str) -> tuple[bool, bool, bool]:
    """(bridge, dnsmasq, NAT table) of a network, each there or not."""
    return (
        Path("/sys/class/net", bridge).exists(),
        dnsmasq_running(where / "dnsmasq.conf"),
        nft_table_exists(hostnets.nft_table(bridge)),
    )


def test_reopening_the_driver_remakes_its_networks_and_removes_the_unclaimed(state_dir: Path) -> None:
    run = short_dir("hqn-")
    try:
        driver = open_qemu_driver(state_dir, run_dir=run)
        try:
            made = []
            for name in ("kept", "dropped"):  # one after the other: the second block avoids the first
                net = driver.create_network(ALICE, NetworkCreate(name=name, address_blocks=[free_block()]))
                driver.create_subnet(
                    ALICE, SubnetCreate(network_id=net.id, name="a", address_block=net.address_blocks[0])
                )
                made.append(net)
            kept, dropped = made
            layout = driver.context.layout
            where = {n.id: layout.network_dir(hostnets.bridge_name(n.id)) for n in made}
            # As after a host reboot: the kept network's host side is gone; the dropped one's row
            # goes behind the driver's back, its bridge, dnsmasq and table left on the host.
            hostnets.remove(hostnets.bridge_name(kept.id), where[kept.id])
            with driver.context.write() as s:
                s.execute(delete(QemuSubnet).where(QemuSubnet.network_id == dropped.id))
                s.execute(delete(QemuNetwork).where(QemuNetwork.id == dropped.id))
        finally:
            driver.close()
        assert host_side(where[kept.id], hostnets.bridge_name(kept.id)) == (False, False, False)
        assert host_side(where[dropped.id], hostnets.bridge_name(dropped.id)) == (True, True, True)

        driver = open_qemu_driver(state_dir, run_dir=run)
        try:
            assert host_side(where[kept.id], hostnets.bridge_name(kept.id)) == (True, True, True)
            assert host_side(where[dropped.id], hostnets.bridge_name(dropped.id)) == (False, False, False)
            assert not where[dropped.id].exists()
            addrs = subprocess.run(
                ["ip", "addr", "show", "dev", hostnets.bridge_name(kept.id)], capture_output=True, text=True
            ).stdout
            assert str(hostnets.gateway(kept.address_blocks[0])) in addrs
        finally:
            driver.remove_host_networks()
            driver.close()
        assert host_side(where[kept.id], hostnets.bridge_name(kept.id)) == (False, False, False)
    finally:
        shutil.rmtree(run, ignore_errors=True)
