#!/usr/bin/env bash
# A throwaway single-node Ceph cluster with the S3 gateway (radosgw) on loopback, for tests and CI
# (docs: ../shared/design/STACK-NOTES.md §3). One monitor, one memstore OSD held in RAM, radosgw
# (beast) on 127.0.0.1:<port>, and a user with the given keys. Everything lives under <dir>.
#
#   scripts/ceph-rgw.sh start <dir> <port> [access-key] [secret-key]   prints P8FS_S3_* lines
#   scripts/ceph-rgw.sh stop <dir>                                     stops it and removes <dir>
#
# The monitor listens on $CEPH_MON_PORT (default <port>+1). Start is idempotent: a cluster already
# serving in <dir> is reused. On failure it prints the tail of the logs and exits non-zero.
# Needs the Debian packages ceph-mon ceph-osd radosgw (scripts/setup-system.sh installs them).
set -euo pipefail

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start <dir> <port> [access] [secret] | stop <dir>" >&2; exit 2; }

pids() { cat "$dir"/run/*.pid 2>/dev/null || true; }

stop() {
  [ -d "$dir" ] || return 0
  local p; for p in $(pids); do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    local alive=0; for p in $(pids); do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.1
  done
  for p in $(pids); do kill -9 "$p" 2>/dev/null || true; done
  # Only ever remove a folder this script made.
  if [ -f "$dir/ceph.conf" ]; then rm -rf "$dir"; fi
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "unknown command $cmd" >&2; exit 2; }

port=${3:-}; access=${4:-p8fs-test}; secret=${5:-p8fs-test-secret}
[ -n "$port" ] || { echo "start needs a port" >&2; exit 2; }
mon_port=${CEPH_MON_PORT:-$((port + 1))}
for bin in ceph-mon ceph-osd radosgw ceph-authtool monmaptool radosgw-admin ceph; do
  command -v "$bin" >/dev/null || { echo "$bin is missing: run sudo bash scripts/setup-system.sh (Debian ceph-mon ceph-osd radosgw)" >&2; exit 3; }
done

emit() {
  echo "P8FS_S3_ENDPOINT=http://127.0.0.1:$port"
  echo "P8FS_S3_ACCESS_KEY=$access"
  echo "P8FS_S3_SECRET_KEY=$secret"
  echo "P8FS_S3_REGION=default"
}
serving() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/" ; }

if [ -f "$dir/ceph.conf" ] && serving; then emit; exit 0; fi

fail() {
  echo "ceph-rgw: $1" >&2
  for f in "$dir"/log/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  stop; exit 1
}
# Run a step with a deadline, so a hang shows up as a failure with logs instead of a stuck CI job.
step() {
  local what=$1; shift; echo "$(date +%T.%N) $what" >>"$dir/log/steps.log"
  timeout 60 "$@" >>"$dir/log/steps.log" 2>&1 || fail "$what failed (exit $?)"
}

mkdir -p "$dir"/{run,log,mon,osd}
dir=$(cd "$dir" && pwd)
fsid=$(cat /proc/sys/kernel/random/uuid)
conf="$dir/ceph.conf"
cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_port]
auth cluster required = none
auth service required = none
auth client required = none
; Without crc modes radosgw hangs in AUTH_CONNECTING (preferred_modes []).
ms mon client mode = crc
ms client mode = crc
ms bind ipv4 = true
ms bind ipv6 = false
public addr = 127.0.0.1
run dir = $dir/run
pid file = $dir/run/\$name.pid
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
keyring = $dir/keyring
osd objectstore = memstore
memstore device bytes = 1073741824
osd data = $dir/osd/\$name
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
osd crush chooseleaf type = 0
mon allow pool delete = true
mon warn on pool no redundancy = false
[mon]
mon data = $dir/mon/\$name
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$port
rgw dns name = 127.0.0.1
rgw enable usage log = false
EOF
c=(-c "$conf")
step "keyring" ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *'
step "monmap" monmaptool --create --addv a "[v2:127.0.0.1:$mon_port]" --fsid "$fsid" "$dir/monmap"
step "mon mkfs" ceph-mon "${c[@]}" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring"
step "mon start" ceph-mon "${c[@]}" -i a
osd=$(timeout 60 ceph "${c[@]}" osd create 2>>"$dir/log/steps.log") || fail "osd create failed"
mkdir -p "$dir/osd/osd.$osd"
step "osd mkfs" ceph-osd "${c[@]}" -i "$osd" --mkfs
step "osd start" ceph-osd "${c[@]}" -i "$osd"
step "crush add" ceph "${c[@]}" osd crush add "osd.$osd" 1.0 host=localhost
step "rgw start" radosgw "${c[@]}" -n client.rgw
for _ in $(seq 1 600); do serving && break; sleep 0.1; done
serving || fail "radosgw did not answer on 127.0.0.1:$port"
step "user create" radosgw-admin "${c[@]}" user create --uid=p8fs --display-name=p8fs --access-key="$access" --secret-key="$secret"
emit
