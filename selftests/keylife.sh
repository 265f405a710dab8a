#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Key lifetimes and promotion (docs/protocol.md, "Key lifetimes and
# rekeying"): a key installed with a lifetime stops sending and accepting
# once it is over, with drops counted and key-needed events raised (age
# before the end, expired after), while manual keys without a lifetime
# keep working; a secondary key installed with promote becomes the
# primary key when the peer first sends under it; and a rekey under a
# running ping, both ways round, loses no ping.
source "$(dirname "$0")/lib.sh"

# monitor_start NETNS: "ovlctl -j monitor" of NETNS into $TMPDIR/mon.NETNS,
# once it is subscribed: a peer 99 without a key is sent to until the
# monitor prints its key-needed event (a slow VM takes a while to start
# the monitor), then removed.
monitor_start()
{
	local i
	ip netns exec "$1" "$OVLCTL" -j monitor >"$TMPDIR/mon.$1" 2>&1 &
	MON=$!
	ip netns exec "$1" "$OVLCTL" peer add ovl0 99 allowed-ips 10.77.0.99/32 ||
		return 1
	for i in $(seq 100); do
		grep -q '"node_id":99' "$TMPDIR/mon.$1" && break
		ip netns exec "$1" ping -c 1 -W 1 10.77.0.99 >/dev/null 2>&1
		sleep 0.2
	done
	ip netns exec "$1" "$OVLCTL" peer del ovl0 99
	grep -q '"node_id":99' "$TMPDIR/mon.$1" || fail "monitor of $1 silent"
}

monitor_stop()
{
	kill "$MON" 2>/dev/null
	wait "$MON" 2>/dev/null
	echo "monitor of $1:"
	sed 's/^/  /' "$TMPDIR/mon.$1"
	return 0
}

# seen NETNS JQ: some event of NETNS's monitor matches the jq condition.
seen()
{
	jq -s -e "any(.[]; $2)" "$TMPDIR/mon.$1" >/dev/null ||
		fail "no event of $1 with $2"
}

# key_of NETNS NODEID SLOT FILTER: a field of the key in SLOT.
key_of()
{
	peer_json "$1" "$2" ".keys[] | select(.slot == \"$3\") | $4"
}

# A's keys for B get a 3 s lifetime; B's for A stay manual.  After 3 s A
# neither sends (tx_key_expired) nor accepts (rx_key_expired) under them;
# B's manual keys, older than that, still work once A's are set again
# without a lifetime.
t_expire()
{
	local k1 k2 t0 t1 left rx hs now ms sent got
	pair_setup 4 || return 1
	k1=$("$OVLCTL" key generate) && k2=$("$OVLCTL" key generate) || return 1
	monitor_start $A || return 1
	ip netns exec $B "$OVLCTL" key set ovl0 1 id 2 tx-key "$k2" rx-key "$k1" ||
		return 1
	t0=$(date +%s%N)
	ip netns exec $A "$OVLCTL" key set ovl0 2 id 2 tx-key "$k1" rx-key "$k2" \
		lifetime 3 || return 1
	t1=$(date +%s%N)
	# Traffic from the install across the end of the lifetime: it flows,
	# asks for a new key near the end (age), then stops (expired).
	ip netns exec $A ping -i 0.05 -w 5 10.77.0.2 >"$TMPDIR/ping" 2>&1 &
	local bg=$!

	# The lifetime left is 3 s less what passed since the install (a
	# slow VM may take a second or two to get here).
	left=$(key_of $A 2 primary .expires_ms)
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "expires_ms $left, ${ms} ms after the install began"
	[ "$left" -le 3000 ] && [ "$left" -ge $((3000 - ms - 20)) ] ||
		fail "expires_ms $left, expected $((3000 - ms - 20))..3000" ||
		return 1
	expect_eq "lifetime" "$(key_of $A 2 primary .lifetime)" 3 || return 1
	expect_eq "B's manual key expires_ms" "$(key_of $B 1 primary .expires_ms)" null ||
		return 1
	hs=$(peer_json $A 2 .latest_handshake)
	now=$(date +%s)
	[ "$hs" -le "$now" ] && [ "$hs" -ge $((now - 10)) ] ||
		fail "latest_handshake $hs, now $now" || return 1
	expect_eq "B's latest_handshake (manual keys)" \
		"$(peer_json $B 1 .latest_handshake)" null || return 1

	# The key ended 3 s after its install at the latest.
	ms=$(( 3200 - ($(date +%s%N) - t1) / 1000000 ))
	[ $ms -le 0 ] || sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
	ip netns exec $A ping -q -c 3 -i 0.1 -W 1 10.77.0.2 >/dev/null &&
		fail "A still sends under its expired key" && return 1
	[ "$(drops $A tx_key_expired)" -gt 0 ] ||
		fail "no tx_key_expired at A" || return 1
	expect_eq "expires_ms once over" "$(key_of $A 2 primary .expires_ms)" 0 ||
		return 1

	# B's manual key still sends; A refuses what it gets under its own.
	rx=$(drops $A rx_key_expired)
	ip netns exec $B ping -q -c 3 -i 0.1 -W 1 10.77.0.1 >/dev/null &&
		fail "A still accepts under its expired key" && return 1
	[ "$(drops $A rx_key_expired)" -ge $((rx + 3)) ] ||
		fail "rx_key_expired at A: $rx, then $(drops $A rx_key_expired)" ||
		return 1
	wait $bg
	# Answered while the key lived, not after.
	read -r sent got <<<"$(awk '/packets transmitted/ {print $1, $4}' "$TMPDIR/ping")"
	echo "background ping: $sent sent, $got answered"
	[ "${got:-0}" -gt 0 ] && [ "$got" -lt "$sent" ] ||
		fail "background ping: $sent sent, $got answered" || return 1
	monitor_stop $A
	seen $A '.event == "key" and .what == "installed" and .id == 2 and .lifetime == 3' &&
	seen $A '.event == "key_needed" and .reason == "age"' &&
	seen $A '.event == "key_needed" and .reason == "expired"' &&
	seen $A '.event == "key" and .what == "expired" and .id == 2' || return 1

	# Without a lifetime the same bytes work again, B's key unchanged.
	ip netns exec $A "$OVLCTL" key set ovl0 2 id 2 tx-key "$k1" rx-key "$k2" ||
		return 1
	ip netns exec $A ping -q -c 2 -i 0.1 -W 1 10.77.0.2 >/dev/null &&
	ip netns exec $B ping -q -c 2 -i 0.1 -W 1 10.77.0.1 >/dev/null ||
		fail "manual keys do not work" || return 1
	expect_eq "A's manual key expires_ms" "$(key_of $A 2 primary .expires_ms)" null
}

# rekey ID INITIATOR RESPONDER: a handshake's key install, in the order
# the daemon makes it: the responder puts the new keys in its secondary
# slot with promote (when it sends the RESP), then the initiator (once it
# read the RESP) puts them in its secondary slot and swaps them in.
rekey()
{
	local id=$1 ini=$2 resp=$3 k1 k2 ini_id resp_id
	ini_id=$([ "$ini" = $A ] && echo 1 || echo 2)
	resp_id=$((3 - ini_id))
	k1=$("$OVLCTL" key generate) && k2=$("$OVLCTL" key generate) &&
	ip netns exec "$resp" "$OVLCTL" key set ovl0 "$ini_id" slot secondary \
		id "$id" tx-key "$k2" rx-key "$k1" lifetime 60 promote &&
	ip netns exec "$ini" "$OVLCTL" key set ovl0 "$resp_id" slot secondary \
		id "$id" tx-key "$k1" rx-key "$k2" lifetime 60 &&
	ip netns exec "$ini" "$OVLCTL" key swap ovl0 "$resp_id"
}

# B waits with a promote key: its own traffic stays under the old key
# until A sends under the new one, which then is B's primary key, the old
# one its secondary.
t_promote()
{
	local k1 k2
	pair_setup 4 || return 1
	k1=$("$OVLCTL" key generate) && k2=$("$OVLCTL" key generate) || return 1
	monitor_start $B || return 1
	ip netns exec $B "$OVLCTL" key set ovl0 1 slot secondary id 2 \
		tx-key "$k2" rx-key "$k1" lifetime 60 promote || return 1
	expect_eq "B's secondary waits" "$(key_of $B 1 secondary .promote)" true ||
		return 1
	# B's own sending proves nothing: no promotion.
	ip netns exec $B ping -q -c 2 -i 0.1 -W 1 10.77.0.1 >/dev/null ||
		fail "ping from B under its old key" || return 1
	expect_eq "B's primary after B sent" "$(key_of $B 1 primary .id)" 1 ||
		return 1

	ip netns exec $A "$OVLCTL" key set ovl0 2 slot secondary id 2 \
		tx-key "$k1" rx-key "$k2" lifetime 60 &&
	ip netns exec $A "$OVLCTL" key swap ovl0 2 || return 1
	ip netns exec $A ping -q -c 2 -i 0.1 -W 1 10.77.0.2 >/dev/null ||
		fail "ping from A under the new key" || return 1
	expect_eq "B's primary once A sent" "$(key_of $B 1 primary .id)" 2 &&
	expect_eq "B's secondary once A sent" "$(key_of $B 1 secondary .id)" 1 &&
	expect_eq "promote flag after" "$(key_of $B 1 primary .promote)" false &&
	expect_eq "B sends under the new key" \
		"$(( $(key_of $B 1 primary .tx_counter) > 0 ))" 1 || return 1
	monitor_stop $B
	seen $B '.event == "key" and .what == "installed" and .slot == "secondary" and .id == 2' &&
	seen $B '.event == "key" and .what == "promoted" and .slot == "primary" and .id == 2'
}

# Rekeys under running pings, A initiating then B: every ping answered.
# The pings go on in rounds of 20, each whole, until the rekeys are done
# and the last one had traffic under it (a slow VM takes seconds per
# ovlctl), so that every round's count is exact.  Each round has a
# deadline (-w) rather than a reply timeout: with -c alone ping counts the
# last reply lost once max(2 x the largest RTT, the interval) has passed,
# and a reply late on a loaded VM is not a lost one.
t_rekey_no_loss()
{
	local sent got
	pair_setup 4 || return 1
	(
		while [ ! -e "$TMPDIR/stop" ]; do
			ip netns exec $A ping -q -c 20 -i 0.05 -w 10 10.77.0.2 2>&1
		done
	) >"$TMPDIR/ping" &
	local pings=$!
	sleep 1.5
	rekey 2 $A $B || fail "rekey 2" || return 1
	sleep 1.5
	rekey 3 $B $A || fail "rekey 3" || return 1
	sleep 1.5
	touch "$TMPDIR/stop"
	wait $pings
	read -r sent got <<<"$(awk '/packets transmitted/ {s += $1; r += $4}
		END {print s + 0, r + 0}' "$TMPDIR/ping")"
	echo "pings: $sent sent, $got answered"
	[ "$sent" -ge 60 ] || fail "only $sent pings sent" || return 1
	expect_eq "pings answered" "$got" "$sent" &&
	expect_eq "A's primary key" "$(key_of $A 2 primary .id)" 3 &&
	expect_eq "B's primary key" "$(key_of $B 1 primary .id)" 3 &&
	expect_eq "A's old key kept as secondary" "$(key_of $A 2 secondary .id)" 2 &&
	expect_eq "no key drops at A" "$(drops $A no_key)" 0 &&
	expect_eq "no key drops at B" "$(drops $B no_key)" 0
}

TMPDIR=$(mktemp -d)
trap 'cleanup_netns; rm -rf "$TMPDIR"' EXIT
need jq ping || skip_all "needs jq and ping"
load_ovl || skip_all "cannot load the ovl module"
plan 3
run "keys with a 3 s lifetime stop working after it; manual keys do not" t_expire
run "a secondary key with promote is swapped in when the peer first uses it" t_promote
run "rekeys under running pings (promote and swap) lose no ping" t_rekey_no_loss
finish
