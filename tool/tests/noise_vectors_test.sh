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

# The variants: $tmp/NAME.json, the reference with each IK vector `v`
# changed by the statement after NAME, all written by one python3 (its
# start is most of this script's time), which prints how many vectors
# are IK and how many there are.
read -r n_ik n_all < <(python3 - "$ref" "$tmp" <<'EOF'
import copy, json, os, sys
ref = json.load(open(sys.argv[1]))
IK = 'Noise_IK_25519_ChaChaPoly_BLAKE2b'
flip = ('m = v["messages"][{0}]; c = bytearray.fromhex(m["ciphertext"]); '
        'c[-1] ^= 1; m["ciphertext"] = c.hex()')
variants = {
    'msg1': flip.format(0),
    'msg2': flip.format(1),
    'transport': flip.format(4),
    'hash': 'v["handshake_hash"] = "00" * 64',
    'nokey': 'del v["resp_static"]',
    'psk': 'v["init_psks"] = v["resp_psks"] = ["00" * 32]',
    'name': 'v["protocol_name"] = "Noise_IK_25519_AESGCM_BLAKE2b"',
    'payload': 'v["messages"][0]["payload"] = "00" + '
               'v["messages"][0]["payload"]',
}
n_ik = sum(v['protocol_name'] == IK for v in ref['vectors'])
assert n_ik, 'no IK vector in the reference file'
for name, change in variants.items():
    d = copy.deepcopy(ref)
    for v in [v for v in d['vectors'] if v['protocol_name'] == IK]:
        exec(change)
    json.dump(d, open(os.path.join(sys.argv[2], name + '.json'), 'w'))
print(n_ik, len(ref['vectors']))
EOF
)
[ -n "${n_all:-}" ] || { echo "not ok variants: python3 failed"; exit 1; }
others=$((n_all - n_ik))

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
