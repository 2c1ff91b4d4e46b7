#!/usr/bin/env bash
# Runs Deltacloud's live API test suite against a fresh Hearth server (the ec2 driver reachable
# per request beside it, as the suite expects: its entry point answers offline), then stops the
# server and removes everything the run made.
#
#   scripts/conformance.sh [--driver mock|libvirt] [--expected-failures FILE] [COLLECTION ...]
#                                  (default: the mock driver, every collection the suite has)
#
# --expected-failures FILE: the suite's tests known to fail, one "COLLECTION TEST_ID  reason" a
#   line (e.g. "base_api test_0013  why"; # starts a comment). The run then passes when exactly
#   those of the collections run fail: any other failure fails it, and so does a listed test that
#   passes now (take it off the list), so the list stays true.
#
# --driver mock (the default): `hearth serve --driver mock --seed deltacloud` (Deltacloud's mock
#   fixtures and the user mockuser / mockpassword), its state dir under $TMPDIR.
# --driver libvirt: `hearth serve --driver libvirt` on $LIBVIRT_URI (default qemu:///system),
#   guests under TCG (HEARTH_ACCEL=tcg), the user mockuser / mockpassword, and the busybox test
#   guest (hearth.testing.guest: the host's kernel and a busybox initramfs) added as the image
#   "test-guest" by an admin made for the run, through `hearth image add`. Every libvirt object
#   the server makes is named with a prefix unique to the run (hc<hex>-); its storage pool
#   (<prefix>pool) is created by the server in the run's directory under $LIBVIRT_RUN_ROOT
#   (default /var/tmp: QEMU, running as libvirt-qemu, must reach the disks, which a private
#   $TMPDIR may forbid). At the end every domain, network and pool (with its volumes) carrying the
#   prefix is removed, and the run's directory; nothing else on the host is touched.
#
# Environment:
#   HEARTH            the hearth command (default: .venv/bin/hearth, else hearth on PATH)
#   PYTHON            the Python with Hearth installed (default: the python beside $HEARTH,
#                     else python3)
#   DELTACLOUD_TESTS  the suite's directory (default: conformance/deltacloud-tests, the copy
#                     kept in this repository)
#   STARTUP_TIMEOUT   seconds to wait for the server to answer (default 60)
#   SERVER_LOG        a file to copy the server's log to at the end (it is removed with the run)
# Exit status: the suite's (0 when nothing failed); 2 on bad usage, or when the suite, the server
# or (libvirt mode) the hypervisor is missing.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

driver=mock
expected=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --driver)
      [ $# -ge 2 ] || { echo "conformance: --driver needs a value: mock or libvirt" >&2; exit 2; }
      driver=$2; shift 2 ;;
    --driver=*) driver=${1#--driver=}; shift ;;
    --expected-failures)
      [ $# -ge 2 ] || { echo "conformance: --expected-failures needs a file" >&2; exit 2; }
      expected=$2; shift 2 ;;
    -h|--help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "conformance: unknown option $1 (known: --driver mock|libvirt, --expected-failures FILE)" >&2; exit 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
case "$driver" in
  mock|libvirt) ;;
  *) echo "conformance: unknown driver '$driver' (known: mock, libvirt)" >&2; exit 2 ;;
esac
if [ -n "$expected" ] && [ ! -f "$expected" ]; then
  echo "conformance: no expected-failures file at $expected" >&2
  exit 2
fi

suite=${DELTACLOUD_TESTS:-conformance/deltacloud-tests}
if [ ! -x "$suite/run.sh" ]; then
  echo "conformance: no Deltacloud test suite at $suite (set DELTACLOUD_TESTS)" >&2
  exit 2
fi
hearth=${HEARTH:-}
if [ -z "$hearth" ]; then
  if [ -x .venv/bin/hearth ]; then hearth=.venv/bin/hearth; else hearth=hearth; fi
fi
command -v "$hearth" >/dev/null || { echo "conformance: '$hearth' not found (set HEARTH)" >&2; exit 2; }

# The Python Hearth is installed in (hearth.testing: the test guest, seeding, the comparison).
python=${PYTHON:-$(dirname "$(command -v "$hearth")")/python}
[ -n "${PYTHON:-}" ] || [ -x "$python" ] || python=python3
command -v "$python" >/dev/null || { echo "conformance: no Python at '$python' (set PYTHON)" >&2; exit 2; }
if [ "$driver" = libvirt ]; then
  uri=${LIBVIRT_URI:-qemu:///system}
  command -v virsh >/dev/null || { echo "conformance: virsh not found (apt-get install libvirt-clients)" >&2; exit 2; }
  if ! virsh -q -c "$uri" uri >/dev/null 2>&1; then
    echo "conformance: cannot reach libvirt at $uri (is libvirtd running?)" >&2
    exit 2
  fi
fi

# A free loopback port: the kernel picks one, we release it and hand it to the server.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if [ "$driver" = libvirt ]; then
  run_root=${LIBVIRT_RUN_ROOT:-/var/tmp}
  run=$(mktemp -d "$run_root/hearth-conformance.XXXXXX") || exit 2
  chmod 0755 "$run"  # QEMU reaches the pool and the guest files; the state dir stays private
  state="$run/state"
  mkdir -m 0700 "$state"
  prefix="hc$(python3 -c 'import secrets; print(secrets.token_hex(4))')-"
else
  run=$(mktemp -d "${TMPDIR:-/tmp}/hearth-conformance.XXXXXX") || exit 2
  state=$run
fi
log="$run/server.log"
pid=""

# Every domain, network and storage pool (with its volumes) named with the run's prefix.
purge_libvirt() {
  local name vol
  for name in $(virsh -q -c "$uri" list --all --name 2>/dev/null); do
    case "$name" in "$prefix"*) ;; *) continue ;; esac
    virsh -q -c "$uri" destroy "$name" >/dev/null 2>&1
    virsh -q -c "$uri" undefine "$name" --nvram --managed-save --snapshots-metadata >/dev/null 2>&1 \
      || virsh -q -c "$uri" undefine "$name" >/dev/null 2>&1
  done
  for name in $(virsh -q -c "$uri" net-list --all --name 2>/dev/null); do
    case "$name" in "$prefix"*) ;; *) continue ;; esac
    virsh -q -c "$uri" net-destroy "$name" >/dev/null 2>&1
    virsh -q -c "$uri" net-undefine "$name" >/dev/null 2>&1
  done
  for name in $(virsh -q -c "$uri" pool-list --all --name 2>/dev/null); do
    case "$name" in "$prefix"*) ;; *) continue ;; esac
    virsh -q -c "$uri" pool-refresh "$name" >/dev/null 2>&1
    for vol in $(virsh -q -c "$uri" vol-list "$name" 2>/dev/null | awk '{print $1}'); do
      virsh -q -c "$uri" vol-delete "$vol" --pool "$name" >/dev/null 2>&1
    done
    virsh -q -c "$uri" pool-destroy "$name" >/dev/null 2>&1
    virsh -q -c "$uri" pool-undefine "$name" >/dev/null 2>&1
  done
}

cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  if [ "$driver" = libvirt ]; then purge_libvirt; fi
  if [ -n "${SERVER_LOG:-}" ]; then cp "$log" "$SERVER_LOG"; fi
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$driver" = libvirt ]; then
  # The test guest, built into the run's directory (readable by QEMU).
  guest=$("$python" -c 'import sys
from pathlib import Path
from hearth.testing.guest import guest_image
g = guest_image(Path(sys.argv[1]))
print(g.kernel, g.initrd, g.append("wait"), sep="\n")' "$run/guest") || {
    echo "conformance: could not build the test guest (busybox-static and a kernel in /boot?)" >&2; exit 2; }
  { read -r kernel; read -r initrd; read -r cmdline; } <<<"$guest"
  chmod -R a+rX "$run/guest"
  cat >"$run/hearth.toml" <<TOML
driver = "libvirt"
uris = ["$uri"]

[libvirt]
name_prefix = "${prefix%-}"
pool = "${prefix}pool"
pool_path = "$run/pool"
shared_networks = []
file_roots = ["/boot", "$run/guest"]
TOML
  admin_password=$("$python" -c 'import secrets; print(secrets.token_urlsafe(18))')
  for user in "mockuser --password mockpassword" "conformance-admin --admin --password $admin_password"; do
    # shellcheck disable=SC2086  # the words are the user's name and flags
    if ! "$hearth" user add $user --config "$run/hearth.toml" --state-dir "$state" >>"$log" 2>&1; then
      echo "conformance: could not add the suite's users:" >&2; tail -5 "$log" >&2; exit 2
    fi
  done
  HEARTH_ACCEL=tcg "$hearth" serve --config "$run/hearth.toml" --also-driver ec2 --state-dir "$state" \
    --listen "127.0.0.1:$port" >>"$log" 2>&1 &
  pid=$!
else
  "$hearth" serve --driver mock --seed deltacloud --also-driver ec2 --state-dir "$state" --listen "127.0.0.1:$port" >"$log" 2>&1 &
  pid=$!
fi

url="http://127.0.0.1:$port/api"
deadline=$(( $(date +%s) + ${STARTUP_TIMEOUT:-60} ))
# Any HTTP answer (a 401 too) means it is serving.
until python3 -c 'import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass' "$url" 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "conformance: hearth serve exited before answering:" >&2
    tail -20 "$log" >&2
    exit 2
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "conformance: hearth serve did not answer at $url within ${STARTUP_TIMEOUT:-60}s:" >&2
    tail -20 "$log" >&2
    exit 2
  fi
  sleep 0.2
done

if [ "$driver" = libvirt ]; then
  if ! added=$(HEARTH_PASSWORD=$admin_password "$hearth" image add test-guest --os debian11 \
      --kernel "$kernel" --initrd "$initrd" --cmdline "$cmdline" \
      --description "busybox test guest (direct kernel boot)" \
      --url "http://127.0.0.1:$port" --user conformance-admin --json 2>>"$log"); then
    echo "conformance: could not add the test guest image:" >&2; tail -10 "$log" >&2; exit 2
  fi
  image=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' <<<"$added") || exit 2
  # mockuser's account starts with one key, volume, snapshot and running instance, as Deltacloud's
  # mock fixtures do: the suite's member tests ("must have some key elements", each element's id,
  # href, name...) need one of each to look at, and metrics are those of running instances.
  if ! "$python" -m hearth.testing.conformance seed "$url" "$image" "${prefix}seed" >>"$log" 2>&1; then
    echo "conformance: could not seed mockuser's account:" >&2; tail -10 "$log" >&2; exit 2
  fi
  # The suite's settings for a server whose driver is libvirt: who logs in, and the image,
  # hardware profile and realm its instance tests launch (the busybox guest, the smallest profile).
  export CONFIG_TEMPLATE="$run/deltacloud-config.yaml"
  cp "$suite/config.yaml" "$CONFIG_TEMPLATE"
  cat >>"$CONFIG_TEMPLATE" <<YAML
libvirt:
  user: "mockuser"
  password: "mockpassword"
  preferred:
    image: "$image"
    hardware_profile: "small"
    realm: "local"
YAML
  echo "conformance: Hearth libvirt on $uri (prefix $prefix, TCG, image test-guest $image) at $url"
else
  echo "conformance: Hearth mock (Deltacloud fixtures; ec2 per request) at $url"
fi
if [ -z "$expected" ]; then
  "$suite/run.sh" "$url" "${args[@]}"
  exit $?
fi
"$suite/run.sh" "$url" "${args[@]}" | tee "$run/suite.out"
status=${PIPESTATUS[0]}
[ "$status" -le 1 ] || exit "$status"  # bad usage or no server: nothing to compare
# The failing tests run.sh named, per collection, against the list (for the collections run).
"$python" -m hearth.testing.conformance compare "$expected" "$run/suite.out"
exit $?
