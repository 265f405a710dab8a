#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Beacon protocol v2, the kernel's half (docs/beacon-auth.md): with the
# registration keys installed ("ovlctl dev set DEV beacon-keys HEX", as
# the control daemon will), the refresh is authenticated, DISCOVER_REPLY,
# PUNCH_COMMAND and RELAY_DELIVER count only when they authenticate and
# are fresh (drops.beacon_auth), the node's RELAYs carry a correct tag,
# punches never go to special or own addresses (drops.punch_target) and
# are rate-limited (drops.punch_rate); the daemon's registration frames
# pass through the device's socket to and from the beacon only.
#
# Hosts A and B of pair_setup; beacon2.py plays the beacon (in python,
# with its own SipHash) at 192.0.2.2:7000 in B's namespace.
source "$(dirname "$0")/lib.sh"

FAKE="$PYTHON $REPO/selftests/beacon2.py"
CTRL="$PYTHON $REPO/selftests/ctrl.py"
KEYS=$(printf '%02x' $(seq 0 31))

fake()
{
	ip netns exec $B env OVLCTL="$OVLCTL" $FAKE "$@"
}

# The keys are write-only, strictly 32 bytes, need a beacon, and go away
# when the beacon is set again; dev show says whether they are set.
t_keys()
{
	local out
	pair_setup 4 || return 1
	out=$(ip netns exec $A "$OVLCTL" dev set ovl0 beacon-keys "$KEYS" 2>&1) &&
		fail "keys accepted without a beacon" && return 1
	echo "no beacon: $out"
	echo "$out" | grep -q "beacon keys need a beacon" || fail "no extack" || return 1
	ip netns exec $A "$OVLCTL" dev set ovl0 beacon 192.0.2.2:7000 || return 1
	expect_eq "beacon_auth before" \
		"$(ip netns exec $A "$OVLCTL" -j dev show ovl0 | jq .beacon_auth)" false || return 1
	out=$(ip netns exec $A $YNL --do dev-set --json \
		"{\"ifname\": \"ovl0\", \"beacon-keys\": \"${KEYS:2}\"}" 2>&1) &&
		fail "31-byte keys accepted" && return 1
	echo "31 bytes: $(echo "$out" | tail -n 1)"
	ip netns exec $A $YNL --do dev-set --json \
		"{\"ifname\": \"ovl0\", \"beacon-keys\": \"$KEYS\"}" || return 1
	expect_eq "beacon_auth with keys" \
		"$(ip netns exec $A "$OVLCTL" -j dev show ovl0 | jq .beacon_auth)" true || return 1
	out=$(ip netns exec $A $YNL --do dev-get --json '{"ifname": "ovl0"}' --output-json) ||
		return 1
	expect_eq "keys never read back" "$(jq 'has("beacon-keys")' <<<"$out")" false &&
	expect_eq "beacon-auth flag" "$(jq '."beacon-auth"' <<<"$out")" true || return 1
	ip netns exec $A "$OVLCTL" dev set ovl0 beacon 192.0.2.2:7000 &&
	expect_eq "setting the beacon clears the keys" \
		"$(ip netns exec $A "$OVLCTL" -j dev show ovl0 | jq .beacon_auth)" false
}

t_refresh()
{
	pair_setup 4 && fake refresh
}

t_relay()
{
	pair_setup 4 || return 1
	ip netns exec $B "$OVLCTL" dev set ovl0 beacon 192.0.2.2:7000 &&
	ip netns exec $B "$OVLCTL" peer set ovl0 1 relay pinned || return 1
	fake relay
}

t_punch()
{
	pair_setup 4 && fake punch
}

# Registration frames: HELLO, REGISTER and PUNCH_REQUEST go to the beacon
# only; COOKIE, REGISTER_OK and REREGISTER come up from the beacon only.
t_ctrl()
{
	local out hello register preq cookie rereg
	hello=0700000001$(printf '00%.0s' $(seq 35))
	register=09$(printf '00%.0s' $(seq 130))
	preq=0300000002$(printf '00%.0s' $(seq 16))
	cookie=0800000001$(printf 'cc%.0s' $(seq 16))
	rereg=0b00000001
	pair_setup 4 &&
	ip netns exec $A "$OVLCTL" dev set ovl0 beacon 192.0.2.2:7000 || return 1
	for f in "$hello --endpoint 192.0.2.2:4500" \
		 "$register --endpoint 192.0.2.2:7001" \
		 "$preq --endpoint 10.9.9.9:7000" "$hello --node-id 2"; do
		# shellcheck disable=SC2086
		out=$(ip netns exec $A $CTRL send ovl0 $f) &&
			fail "sent: $f" && return 1
		echo "$out" | grep -q "to the device's beacon address only" ||
			fail "no extack for $f: $out" || return 1
	done
	echo "refused: $out"
	# To the beacon: it leaves, as sent.
	ip netns exec $B "$PYTHON" - "$TMP/ready0" >"$TMP/got" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", 7000))
s.settimeout(5)
open(sys.argv[1], "w").close()
while True:
    d, a = s.recvfrom(2048)
    if d[0] == 7:
        print(a[0], a[1], d.hex())
        break
PY
	wait_file "$TMP/ready0" || return 1
	ip netns exec $A $CTRL send ovl0 "$hello" --endpoint 192.0.2.2:7000 || return 1
	wait
	expect_eq "HELLO at the beacon" "$(cat "$TMP/got")" "192.0.2.1 4500 $hello" || return 1

	ip netns exec $A $CTRL listen ovl0 --ready "$TMP/ready" --count 2 \
		--timeout 5 >"$TMP/up" &
	wait_file "$TMP/ready" || return 1
	ip netns exec $B "$PYTHON" - "$cookie" "$rereg" <<'PY' || return 1
import socket, sys
for port in (7001, 7000):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("192.0.2.2", port))
    for f in sys.argv[1:]:
        s.sendto(bytes.fromhex(f), ("192.0.2.1", 4500))
PY
	wait
	cat "$TMP/up"
	expect_eq "frames up, from the beacon" \
		"$(jq -r '"\(.endpoint) \(.frame)"' "$TMP/up" | xargs)" \
		"192.0.2.2:7000 $cookie 192.0.2.2:7000 $rereg" &&
	expect_eq "the others counted as not_beacon" "$(drops $A not_beacon)" 2
}

need jq || skip_all "needs jq"
[ -e "$REPO/build/ksrc/tools/net/ynl/cli.py" ] || skip_all "needs the kernel's ynl cli (scripts/ksrc.sh)"
load_ovl || skip_all "cannot load the ovl module"
TMP=$(mktemp -d)
plan 5
run "beacon keys: strict, write-only, need a beacon, cleared by a new beacon" t_keys
run "refresh authenticated; only authenticated fresh replies set the public endpoint" t_refresh
run "relay: RELAY tagged under k_up, RELAY_DELIVER checked under k_down" t_relay
run "punch commands: authenticated, targets filtered, rate-limited, relayed peers probed" t_punch
run "registration frames go to and come from the beacon only" t_ctrl
rm -rf "$TMP"
finish
