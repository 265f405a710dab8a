#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Remake tool/fuzz/corpus/registry/: request bodies (first byte 0..3:
# enroll, register, beacon, session) and, from a throwaway registry on
# SQLite, real answers (first byte 0x80..0x84: enrollment, sync, beacon
# list, error, session).
# Run from tool/ after "make -C registry ovl-registry tests/regcli".
set -eu
out=fuzz/corpus/registry
reg=registry/ovl-registry
cli=registry/tests/regcli
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$out"
seed() { { printf "\\x$1"; printf '%s' "$2"; } >"$out/$3"; }
key=$(head -c 32 /dev/urandom | base64)
seed 00 "{\"token\": \"$(printf %048d 7)\", \"public_key\": \"$key\"}" enroll
seed 00 "{\"token\": \"t\", \"public_key\": \"$key\", \"relay_only\": true}" enroll-relay
seed 01 '{"endpoints": ["192.0.2.1:51820", "[2001:db8::1]:51820"], "relay_only": false}' register
seed 01 '{"endpoints": []}' register-empty
seed 02 '{"token": "abc", "address": "198.51.100.9:3478"}' beacon
seed 02 '{"token": "abc", "address": "beacon.example.net:3478"}' beacon-host
seed 03 '{}' session
seed 83 '{"error": "stale", "message": "request time is off"}' error
for n in ca a b; do (umask 077; head -c 32 /dev/urandom | base64 >"$tmp/$n.key"); done
$reg init --db "sqlite:$tmp/r.db" --ca-key "$tmp/ca.key" --network 10.77.0.0/16
tok=$($reg token new --db "sqlite:$tmp/r.db" --uses 2)
btok=$($reg token new --db "sqlite:$tmp/r.db" --beacon)
port=$((20000 + RANDOM % 20000))
$reg serve --listen 127.0.0.1:$port --db "sqlite:$tmp/r.db" 2>/dev/null &
pid=$!
sleep 0.5
u=http://127.0.0.1:$port
answer() { "$cli" -u $u "$@" | tail -n +2 | tr -d '\n'; }
enr=$(printf '{"token": "%s", "public_key": "%s"}' "$tok" \
	"$($cli -k "$tmp/a.key" pubkey)")
seed 80 "$(answer -k "$tmp/a.key" -s key raw POST /v1/enroll "$enr")" enroll-answer
enr=$(printf '{"token": "%s", "public_key": "%s"}' "$tok" \
	"$($cli -k "$tmp/b.key" pubkey)")
answer -k "$tmp/b.key" -s key raw POST /v1/enroll "$enr" >/dev/null
$cli -u $u -k "$tmp/b.key" -n 2 register 192.0.2.2:1,[2001:db8::2]:2
$reg node revoke 1 --db "sqlite:$tmp/r.db"
$cli -u $u beacon "$btok" 198.51.100.9:3478
seed 81 "$(answer -k "$tmp/b.key" -n 2 raw GET '/v1/nodes?since=0')" sync-full
seed 81 "$(answer -k "$tmp/b.key" -n 2 raw GET '/v1/nodes?since=2')" sync-changes
seed 82 "$(answer -s none raw GET /v1/beacons)" beacons
seed 84 "$(answer -k "$tmp/b.key" -n 2 raw POST /v1/session '{}')" session-answer
