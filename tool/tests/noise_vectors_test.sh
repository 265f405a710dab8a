#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# noise_vectors_test.sh RUNNER VECTORS.json: the runner itself cannot pass
# what it should not.  From the reference file it makes files whose IK
# vector is changed (one ciphertext bit, the handshake hash, a missing key,
# a PSK added, another protocol name) and checks each verdict line and exit
# status; then an unreadable file and a file without IK vectors under -m 1.
set -u
runner=$1
ref=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0

# variant NAME PYTHON: write $tmp/NAME.json, the reference with the IK
# vector `v` changed by PYTHON.
variant() {
	python3 - "$ref" "$tmp/$1.json" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
ik = [v for v in d['vectors']
      if v['protocol_name'] == 'Noise_IK_25519_ChaChaPoly_BLAKE2b']
assert ik, 'no IK vector in the reference file'
for v in ik:
    exec(sys.argv[3])
json.dump(d, open(sys.argv[2], 'w'))
EOF
}

# expect NAME STATUS LAST-LINE [ARGS...]
expect() {
	local name=$1 want_rc=$2 want=$3 out rc
	shift 3
	out=$("$runner" "$@" 2>/dev/null)
	rc=$?
	if [ "$rc" != "$want_rc" ] || [ "${out##*$'\n'}" != "$want" ]; then
		echo "not ok $name: exit $rc, '${out##*$'\n'}'; want exit" \
		     "$want_rc, '$want'"
		fails=$((fails + 1))
	else
		echo "ok $name"
		passes=$((passes + 1))
	fi
}

n_ik=$(python3 -c "import json,sys; print(sum(v['protocol_name'] ==
	'Noise_IK_25519_ChaChaPoly_BLAKE2b' for v in
	json.load(open(sys.argv[1]))['vectors']))" "$ref")
n_all=$(python3 -c "import json,sys;
print(len(json.load(open(sys.argv[1]))['vectors']))" "$ref")
others=$((n_all - n_ik))

flip='m = v["messages"][{0}]; c = bytearray.fromhex(m["ciphertext"]); c[-1] ^= 1; m["ciphertext"] = c.hex()'
variant msg1 "${flip//\{0\}/0}"
variant msg2 "${flip//\{0\}/1}"
variant transport "${flip//\{0\}/4}"
variant hash 'v["handshake_hash"] = "00" * 64'
variant nokey 'del v["resp_static"]'
variant psk 'v["init_psks"] = v["resp_psks"] = ["00" * 32]'
variant name 'v["protocol_name"] = "Noise_IK_25519_AESGCM_BLAKE2b"'
variant payload 'v["messages"][0]["payload"] = "00" + v["messages"][0]["payload"]'
echo '{"vectors": []}' > "$tmp/empty.json"
echo '{"vectors": [' > "$tmp/broken.json"

expect reference 0 "$n_ik passed, 0 failed, $others skipped" -m 1 "$ref"
for v in msg1 msg2 transport hash nokey payload; do
	expect "$v" 1 "0 passed, $n_ik failed, $others skipped" "$tmp/$v.json"
done
expect psk 0 "0 passed, 0 failed, $n_all skipped" "$tmp/psk.json"
expect name 0 "0 passed, 0 failed, $n_all skipped" "$tmp/name.json"
expect min-passed 1 "0 passed, 0 failed, $n_all skipped" -m 1 \
	"$tmp/psk.json"
expect empty 1 "0 passed, 0 failed, 0 skipped" -m 1 "$tmp/empty.json"
expect broken 1 "0 passed, 1 failed, 0 skipped" "$tmp/broken.json"
expect missing 1 "0 passed, 1 failed, 0 skipped" "$tmp/missing.json"
expect usage 2 "" "$tmp/a.json" "$tmp/b.json"

echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
