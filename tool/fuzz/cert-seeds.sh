#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate the seed corpus of fuzz_cert (fuzz/corpus/cert/) with a
# throwaway CA: certificates of 1, 3 and 32 addresses, relay-only, each in
# binary and some armored, and a few malformed ones.  Run from tool/
# after "make".
set -euo pipefail

ovlctl=./ovlctl
out=fuzz/corpus/cert
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

$ovlctl genkey > "$tmp/ca.key"
pub=$($ovlctl genkey | $ovlctl pubkey)
sign() {
	$ovlctl cert sign --ca-key "$tmp/ca.key" --pubkey "$pub" \
		--not-before 2026-01-01T00:00:00Z \
		--not-after 2027-01-01T00:00:00Z "$@"
}
bin() { sed '1d;$d' "$1" | base64 -d; }

many=()
for i in $(seq 1 32); do many+=(--address "fd00:77::$i/128"); done
sign --node-id 2 --address 10.77.0.2/32 > "$tmp/a.crt"
sign --node-id 3 --address 10.77.0.3/32 --address fd00:77::3/128 \
	--address 10.77.8.0/21 > "$tmp/b.crt"
sign --node-id 4294967295 --address fd00::/64 --relay-only > "$tmp/c.crt"
sign --node-id 9 "${many[@]}" > "$tmp/d.crt"

rm -f "$out"/*
mkdir -p "$out"
for f in a b c d; do bin "$tmp/$f.crt" > "$out/$f-bin"; done
cp "$tmp/a.crt" "$out/a-armor"
cp "$tmp/d.crt" "$out/d-armor"
{ cat "$out/a-bin"; printf '\0'; } > "$out/a-trailing"
python3 - "$out" <<'PY'
import sys
d = sys.argv[1]
b = bytearray(open(d + "/b-bin", "rb").read())
for name, off, val in (("version2", 4, 2), ("count33", 6, 33)):
    m = bytearray(b)
    m[off] = val
    open("%s/b-%s" % (d, name), "wb").write(m)
PY
