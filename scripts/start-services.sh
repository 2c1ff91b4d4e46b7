#!/usr/bin/env bash
# Starts the host services the tests talk to: virtlogd + libvirtd (qemu:///system) and Open vSwitch
# with the userspace datapath. Idempotent.
set -uo pipefail
pgrep -x virtlogd >/dev/null || virtlogd -d
pgrep -x libvirtd >/dev/null || libvirtd -d
for _ in $(seq 1 50); do virsh -c qemu:///system version >/dev/null 2>&1 && break; sleep 0.2; done
virsh -c qemu:///system version >/dev/null || { echo "libvirtd did not come up" >&2; exit 1; }
# No network or pool is defined here: a fresh host has none, and the tests make their own.
if [ -x /usr/share/openvswitch/scripts/ovs-ctl ]; then
  ovs-vsctl --timeout=2 show >/dev/null 2>&1 \
    || /usr/share/openvswitch/scripts/ovs-ctl start --system-id=random >/dev/null \
    || { echo "Open vSwitch did not start" >&2; exit 1; }
fi
echo "services: libvirtd, virtlogd, openvswitch up"
