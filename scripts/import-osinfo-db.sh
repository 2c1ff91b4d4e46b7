#!/usr/bin/env bash
# Imports a current osinfo-db into libosinfo's local database (/etc/osinfo), which libosinfo
# reads on top of the system one (/usr/share/osinfo), so Hearth, virt-install and every other
# libosinfo user see the same, current OS list.
#
# Debian 12 ships osinfo-db 0.20221130 (no debian12, ubuntu24.04, win2k25, ...). The data is
# taken from the newest Debian release that carries the osinfo-db package (data only, no
# code): a private apt configuration (its own sources list, lists and cache, in a temp dir)
# finds and downloads it, so the system's apt sources are never changed; apt checks the
# archive's signatures with the system's debian-archive-keyring as for any other update.
#
# Cheap when warm: nothing is fetched while the local (or system) database is at least
# $min_version. --refresh looks for a newer release and imports it even then.
# HEARTH_OSINFO_ROOT=<dir> imports below <dir> instead of / (osinfo-db-import --root).
set -euo pipefail

min_version=20250606 # the osinfo-db the tests' facts come from (VERSION file, a date)
suites=(stable testing unstable) # whichever has the newest osinfo-db wins
archive="http://deb.debian.org/debian"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

refresh=0
case "${1:-}" in
  "") ;;
  --refresh) refresh=1 ;;
  *) echo "usage: $0 [--refresh]" >&2; exit 2 ;;
esac

root=${HEARTH_OSINFO_ROOT:-}
local_dir="$root/etc/osinfo"
system_dir=/usr/share/osinfo

db_version() { # the VERSION (a date) of the osinfo database in $1, else 0
  local v
  v=$(cat "$1/VERSION" 2>/dev/null || true)
  [[ $v =~ ^[0-9]+$ ]] && echo "$v" || echo 0
}

have=$(db_version "$local_dir")
sys=$(db_version "$system_dir")
if [ "$refresh" = 0 ]; then
  if [ "$have" -ge "$min_version" ]; then
    echo "osinfo-db: local database $local_dir is $have (>= $min_version)"
    exit 0
  fi
  if [ "$sys" -ge "$min_version" ] && [ -z "$root" ]; then
    echo "osinfo-db: system database $system_dir is $sys (>= $min_version)"
    exit 0
  fi
fi

for tool in apt-get apt-cache dpkg-deb osinfo-db-import tar xz; do
  command -v "$tool" >/dev/null || { echo "osinfo-db: $tool is missing (run scripts/install-system-packages.sh)" >&2; exit 1; }
done
if [ "$(id -u)" != 0 ] && [ -z "$root" ]; then
  echo "osinfo-db: importing into $local_dir needs root (the local database is at $have, needed $min_version)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/parts" "$work/deb"
for suite in "${suites[@]}"; do
  echo "deb [signed-by=$keyring] $archive $suite main"
done >"$work/sources.list"
# Only this file and these dirs: no system sources, pins or lists take part.
apt_opts=(
  -o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=-"
  -o "Dir::Etc::preferences=$work/preferences" -o "Dir::Etc::preferencesparts=$work/parts"
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
  -o "Acquire::Languages=none"
)

echo "osinfo-db: looking for the newest osinfo-db in Debian ${suites[*]}"
apt-get -q "${apt_opts[@]}" --error-on=any update >"$work/update.log" 2>&1 || {
  cat "$work/update.log" >&2
  echo "osinfo-db: the private apt update failed (see above)" >&2
  exit 1
}
newest=
while read -r version; do
  if [ -z "$newest" ] || dpkg --compare-versions "$version" gt "$newest"; then newest=$version; fi
done < <(apt-cache "${apt_opts[@]}" madison osinfo-db | awk -F'|' '$3 ~ /Packages/ {gsub(/ /, "", $2); print $2}')
[ -n "$newest" ] || { echo "osinfo-db: no osinfo-db package found in Debian ${suites[*]}" >&2; exit 1; }

chown _apt "$work/deb" 2>/dev/null || true # apt downloads as _apt where it can
(cd "$work/deb" && apt-get -q "${apt_opts[@]}" download "osinfo-db=$newest" >/dev/null)
deb=$(echo "$work"/deb/osinfo-db_*.deb)
[ -f "$deb" ] || { echo "osinfo-db: downloading osinfo-db $newest gave no package" >&2; exit 1; }
dpkg-deb -x "$deb" "$work/extract"
data="$work/extract/usr/share/osinfo"
version=$(db_version "$data")
[ "$version" != 0 ] || { echo "osinfo-db: osinfo-db $newest holds no osinfo database" >&2; exit 1; }
if [ "$refresh" = 1 ] && [ "$have" -ge "$version" ]; then
  echo "osinfo-db: local database $local_dir is $have, the newest Debian has is $version: nothing to do"
  exit 0
fi
if [ "$version" -lt "$min_version" ]; then
  echo "osinfo-db: the newest osinfo-db in Debian ($newest, $version) is older than $min_version" >&2
  exit 1
fi

# osinfo-db-import takes an archive laid out like osinfo's own releases: one top directory.
mv "$data" "$work/osinfo-db-$version"
tar -C "$work" -cJf "$work/osinfo-db-$version.tar.xz" "osinfo-db-$version"
import=(env -u OSINFO_LOCAL_DIR osinfo-db-import --local) # the machine's, whatever this shell says
[ -z "$root" ] || import+=(--root "$root")
"${import[@]}" "$work/osinfo-db-$version.tar.xz"
got=$(db_version "$local_dir")
[ "$got" = "$version" ] || { echo "osinfo-db: $local_dir/VERSION is $got after importing $version" >&2; exit 1; }
echo "osinfo-db: imported osinfo-db $newest (database $version) into $local_dir"
