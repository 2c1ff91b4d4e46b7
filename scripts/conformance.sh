#!/usr/bin/env bash
# Runs Deltacloud's live API test suite against a fresh Hearth mock server seeded with
# Deltacloud's mock fixtures, with the ec2 driver reachable per request as the suite expects
# (its entry point answers offline), then stops the server and removes its state.
#
#   scripts/conformance.sh [COLLECTION ...]     (default: every collection the suite has)
#
# Environment:
#   HEARTH            the hearth command (default: .venv/bin/hearth, else hearth on PATH)
#   DELTACLOUD_TESTS  the suite's directory (default: conformance/deltacloud-tests, the copy
#                     kept in this repository)
#   STARTUP_TIMEOUT   seconds to wait for the server to answer (default 60)
# Exit status: the suite's (0 when nothing failed); 2 when the suite or the server is missing.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

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

# A free loopback port: the kernel picks one, we release it and hand it to the server.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
state=$(mktemp -d "${TMPDIR:-/tmp}/hearth-conformance.XXXXXX")
log="$state/server.log"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$hearth" serve --driver mock --seed deltacloud --also-driver ec2 --state-dir "$state" --listen "127.0.0.1:$port" >"$log" 2>&1 &
pid=$!

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

echo "conformance: Hearth mock (Deltacloud fixtures; ec2 per request) at $url"
"$suite/run.sh" "$url" "$@"
status=$?
exit $status
