"""hearth.host.ovs against the real Open vSwitch of this machine (userspace datapath)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from hearth.errors import BackendError
from hearth.host import list_ovs_bridges
from hearth.host.ovs import run_vsctl

from . import netdevs


def test_a_new_bridge_is_listed_with_its_ports(ovs_bridge: str) -> None:
    found = {b.name: b for b in list_ovs_bridges()}
    assert ovs_bridge in found
    br = found[ovs_bridge]
    assert br.datapath_type == "netdev"
    assert br.ports == [ovs_bridge]  # the bridge's own internal port
    with netdevs.veth_pair() as (a, _):
        netdevs.run("ovs-vsctl", "--timeout=10", "add-port", ovs_bridge, a)
        br = {b.name: b for b in list_ovs_bridges()}[ovs_bridge]
        assert br.ports == sorted([ovs_bridge, a])


def test_a_deleted_bridge_is_gone(ovs_bridge: str) -> None:
    netdevs.run("ovs-vsctl", "--timeout=10", "del-br", ovs_bridge)
    assert ovs_bridge not in {b.name for b in list_ovs_bridges()}


def test_ovs_not_running_is_one_clear_error(tmp_path: object) -> None:
    """ovs-vsctl pointed at a database socket nobody serves: what a stopped OVS looks like."""

    def stopped(args: Sequence[str]) -> str:
        return run_vsctl(args, db=f"unix:{tmp_path}/db.sock")

    with pytest.raises(BackendError) as err:
        list_ovs_bridges(stopped)
    assert err.value.message.startswith("Open vSwitch is not running")
