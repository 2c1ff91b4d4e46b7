"""A second, root libvirtd whose configuration and state start empty: a fresh host, on this one.

It runs in a mount namespace of its own where ``/etc/libvirt`` is a copy of the host's without
any pool, network, domain or secret, and ``/var/lib/libvirt``, ``/run/libvirt``,
``/var/log/libvirt`` and ``/var/cache/libvirt`` are empty tmpfs (with a virtlogd of its own). Its
socket lies outside the namespace, so tests reach it by URI. What it defines, and the files of
its ``default`` pool, vanish with it: the host's own daemon and its objects are never touched.
Bridges and guests do share the host's network stack, so network names stay run-unique.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import libvirt

EMPTIED = ("storage", "secrets", "qemu")  # whose definitions a fresh host does not have
PRIVATE = ("/run/libvirt", "/var/lib/libvirt", "/var/log/libvirt", "/var/cache/libvirt")


class FreshLibvirtd:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.etc = root / "etc"
        self.socket = root / "sock" / "libvirt-sock"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def host_root(self) -> Path:
        """The daemon's view of the filesystem (its QEMU logs, its default pool's files)."""
        assert self.proc is not None
        return Path(f"/proc/{self.proc.pid}/root")

    @property
    def uri(self) -> str:
        return f"qemu+unix:///system?socket={self.socket}"

    def _prepare(self) -> None:
        shutil.copytree("/etc/libvirt", self.etc, symlinks=True)
        for sub in EMPTIED:
            target = self.etc / sub
            if target.is_dir():
                shutil.rmtree(target)
            target.mkdir()
        (self.etc / "qemu" / "networks").mkdir()
        (self.root / "sock").mkdir()
        conf = self.etc / "libvirtd.conf"
        conf.write_text(
            f'unix_sock_dir = "{self.root / "sock"}"\nunix_sock_rw_perms = "0700"\n'
            'auth_unix_rw = "none"\nauth_unix_ro = "none"\n'
        )

    def start(self) -> None:
        self._prepare()
        mounts = "; ".join(f"mount -t tmpfs -o mode=0755 hearth-fresh {d}" for d in PRIVATE)
        script = (
            "set -e; mount --make-rprivate /; "
            f"mount --bind {self.etc} /etc/libvirt; {mounts}; "
            "mkdir -p /var/lib/libvirt/qemu /var/lib/libvirt/images /var/lib/libvirt/dnsmasq "
            "/var/log/libvirt/qemu /var/cache/libvirt/qemu; "
            "chown libvirt-qemu:libvirt-qemu /var/lib/libvirt/qemu 2>/dev/null || true; "
            "virtlogd -d -p /run/libvirt/virtlogd.pid; "
            "exec libvirtd -f /etc/libvirt/libvirtd.conf -p /run/libvirt/libvirtd.pid"
        )
        log = (self.root / "libvirtd.log").open("wb")
        self.proc = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"},
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the fresh libvirtd exited: {(self.root / 'libvirtd.log').read_text()}")
            with contextlib.suppress(libvirt.libvirtError):
                if self.socket.exists():
                    libvirt.open(self.uri).close()
                    return
            if time.monotonic() > deadline:
                raise RuntimeError("the fresh libvirtd did not come up in 60 s")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is None:
            return
        pid = self.proc.pid
        with contextlib.suppress(OSError):  # its virtlogd: the pid file inside its namespace
            logd = int((Path(f"/proc/{pid}/root/run/libvirt/virtlogd.pid")).read_text().strip())
        self._destroy_guests()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        with contextlib.suppress(NameError, ProcessLookupError):
            os.kill(logd, signal.SIGTERM)
        self.proc = None

    def _destroy_guests(self) -> None:
        """Guests and networks would outlive the daemon (QEMU, dnsmasq, bridges): end them first."""
        with contextlib.suppress(libvirt.libvirtError):
            conn = libvirt.open(self.uri)
            try:
                for dom in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
                    with contextlib.suppress(libvirt.libvirtError):
                        dom.destroy()
                for net in conn.listAllNetworks(libvirt.VIR_CONNECT_LIST_NETWORKS_ACTIVE):
                    with contextlib.suppress(libvirt.libvirtError):
                        net.destroy()
            finally:
                conn.close()
