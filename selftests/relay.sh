#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Relay fallback in the topology of relay_lib.sh: nftables in the router
# cuts the A<->B UDP path (both ways, one way, or with ICMP unreachable
# answers).  A and B run ovl0 with the beacon set; C runs ovl-beacon.  A
# ping from A to B runs through each case; what a user sees is asserted:
# the path each peer shows, its counters, the path events, and that the
# ping keeps going.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/relay_lib.sh"

# Both ways cut: both peers go to relay, the ping goes on through the
# beacon; healed, both come back to direct.  Times are reported.
t_cut_both()
{
	local t
	relay_setup || return 1
	monitor $A
	monitor $B
	start_ping
	ping_ok || return 1
	expect_eq "path before" "$(path $A 2)/$(path $B 1)" direct/direct || return 1
	cut both || return 1
	t=$(wait_path $A 2 relay 30) || return 1
	echo "A flipped to relay after $t ms"
	t=$(wait_path $B 1 relay 30) || return 1
	echo "B flipped to relay after $t ms (since A did)"
	ping_ok || return 1
	[ "$(peer_json $A 2 .relay_tx_packets)" -gt 0 ] &&
	[ "$(peer_json $A 2 .relay_rx_packets)" -gt 0 ] ||
		fail "relay counters did not move" || return 1
	expect_eq "relay peers" "$(ip netns exec $A "$OVLCTL" -j dev show ovl0 | jq .relay_peers)" 1 || return 1
	heal || return 1
	t=$(wait_path $A 2 direct 30) || return 1
	echo "A back to direct after $t ms"
	t=$(wait_path $B 1 direct 30) || return 1
	echo "B back to direct after $t ms (since A was)"
	ping_ok || return 1
	expect_eq "flips" "$(flips $A 2)/$(flips $B 1)" 2/2 || return 1
	sleep 0.5
	cat "$TMP/events-$A" "$TMP/events-$B"
	expect_eq "events" "$(jq -r '"\(.path)/\(.reason)"' "$TMP/events-$A" | xargs)" \
		"relay/blackhole direct/probed" || return 1
	# B flips on its own blackhole or on A's relayed packets (activation).
	jq -r '"\(.path)/\(.reason)"' "$TMP/events-$B" | xargs |
		grep -qE '^relay/(blackhole|relay_rx) direct/probed$' ||
		fail "B's path events"
}

# A's datagrams to B are lost, B's reach A: both settle on relay and stay
# there for 60 s (20 s with OVL_SMOKE) without a single flip back (no
# flapping).
SOAK=${OVL_SMOKE:+20}
SOAK=${SOAK:-60}

t_one_way()
{
	local fa fb
	relay_setup || return 1
	start_ping
	ping_ok || return 1
	cut a2b || return 1
	wait_path $B 1 relay 30 >/dev/null && wait_path $A 2 relay 30 >/dev/null || return 1
	fa=$(flips $A 2) fb=$(flips $B 1)
	echo "both relayed (flips $fa/$fb); holding the one-way cut for $SOAK s"
	sleep $SOAK
	expect_eq "paths after $SOAK s" "$(path $A 2)/$(path $B 1)" relay/relay &&
	expect_eq "flips after $SOAK s" "$(flips $A 2)/$(flips $B 1)" "$fa/$fb" &&
	ping_ok || return 1
	heal && wait_path $A 2 direct 30 >/dev/null && wait_path $B 1 direct 30 >/dev/null
}

# Every send bounces with ICMP host unreachable: the peers flip on the
# ICMP errors well before the blackhole timeout (60 s), but only once the
# direct path is overdue (nothing heard for twice the passive keepalive
# interval, 4 s): a live peer is never flipped by ICMP alone (path.sh).
t_unreachable()
{
	local t
	relay_setup blackhole-ms 60000 || return 1
	monitor $A
	start_ping
	ping_ok || return 1
	cut unreach || return 1
	t=$(wait_path $A 2 relay 20) || return 1
	echo "A flipped to relay after $t ms"
	[ "$t" -ge 3000 ] ||
		fail "A flipped before its direct path was overdue" || return 1
	wait_path $B 1 relay 20 >/dev/null && ping_ok || return 1
	sleep 0.5
	expect_eq "A's path events" "$(jq -r '"\(.path)/\(.reason)"' "$TMP/events-$A" | xargs)" \
		relay/unreachable || return 1
	[ "$(peer_json $A 2 .icmp_errors)" -ge 3 ] ||
		fail "A counted no ICMP errors"
}

# The beacon is removed while A's peer is relayed (the direct path cut,
# so no probe can bring it back): not pinned, it is direct again as soon
# as "dev set" returns, with a path event (config), and A's packets are
# no longer dropped as tx_no_beacon.  Healed, the ping goes through.
t_beacon_removed()
{
	relay_setup blackhole-ms 2000 || return 1
	monitor $A
	start_ping
	ping_ok || return 1
	cut both || return 1
	wait_path $A 2 relay 20 >/dev/null || return 1
	ip netns exec $A "$OVLCTL" dev set ovl0 beacon none || return 1
	# A relayed packet already past the beacon check when the beacon
	# went may flip the peer to relay once more; A's next send brings
	# it back (ovl_relay_beacon_gone(), ovl_peer_tx_path()): the ping
	# sends every 0.2 s.
	wait_path $A 2 direct 2 >/dev/null &&
	expect_eq "A's relayed peers" \
		"$(ip netns exec $A "$OVLCTL" -j dev show ovl0 | jq .relay_peers)" 0 ||
		return 1
	sleep 1
	expect_eq "tx_no_beacon drops with the ping running" \
		"$(drops $A tx_no_beacon)" 0 || return 1
	heal || return 1
	wait_path $B 1 direct 15 >/dev/null && ping_ok || return 1
	expect_eq "A's path" "$(path $A 2)" direct || return 1
	sleep 0.3
	jq -r '"\(.path)/\(.reason)"' "$TMP/events-$A" | xargs |
		grep -qE '^relay/(blackhole|relay_rx) direct/config( relay/relay_rx direct/config)?$' ||
		fail "A's path events: $(jq -c . "$TMP/events-$A" | xargs)"
}

# A pinned peer goes through the beacon on a healthy path and stays there;
# unpinned, it comes back to direct.
t_pinned()
{
	local before
	relay_setup || return 1
	ip netns exec $A "$OVLCTL" peer set ovl0 2 relay pinned || return 1
	expect_eq pinned "$(peer_json $A 2 '"\(.path) \(.pinned) \(.relay)"')" \
		"relay true pinned" || return 1
	ping_ok || return 1
	before=$(peer_json $A 2 .relay_tx_packets)
	[ "$before" -gt 0 ] || fail "nothing went through the beacon" || return 1
	sleep 5
	expect_eq "still pinned" "$(path $A 2)" relay &&
	expect_eq "flips" "$(flips $A 2)" 1 || return 1
	ip netns exec $A "$OVLCTL" peer set ovl0 2 relay on || return 1
	wait_path $A 2 direct 15 >/dev/null || return 1
	ip netns exec $A "$OVLCTL" peer set ovl0 2 relay off &&
	expect_eq "off" "$(peer_json $A 2 '"\(.path) \(.relay)"')" "direct off"
}

# At the relay cap a peer cannot go to relay: its packets are dropped and
# counted, with an event.  Forged RELAY_DELIVER frames from the beacon's
# address change no peer state: without the registration keys they fail
# the beacon's tag; a genuine frame replayed fails the replay window; and
# frames a beacon holding the keys could forge (keys installed by hand)
# fail the checks behind the tag, each counted.
t_cap_and_forgery()
{
	local keys=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
	local before after auth
	relay_setup blackhole-ms 2000 || return 1
	ip netns exec $A "$OVLCTL" dev set ovl0 max-relay-peers 0 || return 1
	monitor $A
	start_ping
	ip netns exec $B ping -i 0.2 10.77.0.1 >/dev/null 2>&1 &
	cut both || return 1
	wait_path $B 1 relay 30 >/dev/null || return 1
	sleep 3
	expect_eq "A stays direct" "$(path $A 2)" direct || return 1
	[ "$(peer_json $A 2 .relay_cap_drops)" -gt 0 ] &&
	[ "$(drops $A relay_cap)" -gt 0 ] ||
		fail "no relay cap drops counted" || return 1
	grep -q '"reason":"relay_cap"' "$TMP/events-$A" ||
		fail "no relay_cap event" || return 1
	expect_eq "relay peers" "$(ip netns exec $A "$OVLCTL" -j dev show ovl0 | jq .relay_peers)" 0 ||
		return 1

	# A genuine relayed frame from B, to replay later.
	ip netns exec $C "$PYTHON" "$REPO/selftests/relay_forge.py" capture v0 \
		10.0.1.2 "$TMP/captured" || return 1
	# The beacon goes; its address now sends forged and replayed frames.
	kill $BEACON_PID && wait $BEACON_PID 2>/dev/null
	before=$(ip netns exec $A "$OVLCTL" -j peer show ovl0 2 | jq -c '{path, flips, relay_rx_packets, rx_packets}')
	auth=$(drops $A beacon_auth)
	ip netns exec $C "$PYTHON" "$REPO/selftests/relay_forge.py" send $BEACON \
		10.0.1.2:4500 "$TMP/captured" || return 1
	sleep 0.5
	expect_eq "forged frames failing the beacon's tag" \
		"$(($(drops $A beacon_auth) - auth))" 4 || return 1
	[ "$(drops $A replay)" -gt 0 ] || fail "replayed frame not counted" ||
		return 1
	ip netns exec $A "$OVLCTL" dev set ovl0 beacon-keys $keys &&
	ip netns exec $C "$PYTHON" "$REPO/selftests/relay_forge.py" send $BEACON \
		10.0.1.2:4500 --keys $keys || return 1
	sleep 0.5
	after=$(ip netns exec $A "$OVLCTL" -j peer show ovl0 2 | jq -c '{path, flips, relay_rx_packets, rx_packets}')
	expect_eq "peer state" "$after" "$before" || return 1
	ip netns exec $A "$OVLCTL" -j dev show ovl0 | jq -c .drops
	[ "$(drops $A unknown_peer)" -gt 0 ] && [ "$(drops $A relay_mismatch)" -gt 0 ] &&
	[ "$(drops $A bad_tag)" -gt 0 ] ||
		fail "forged frames with the beacon's tag not counted"
}

# RELAY_DELIVER and DISCOVER_REPLY from anyone but the beacon are dropped.
t_not_beacon()
{
	relay_setup || return 1
	ip netns exec $R "$PYTHON" - <<'PY' || return 1
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.1.1", 7000))
s.sendto(bytes([6]) + struct.pack("!I", 2) + bytes(40), ("10.0.1.2", 4500))
s.sendto(bytes([2, 4, 6, 6, 6, 6, 0, 1]), ("10.0.1.2", 4500))
PY
	sleep 0.3
	expect_eq "not_beacon drops" "$(drops $A not_beacon)" 2 &&
	expect_eq "public endpoint" \
		"$(ip netns exec $A "$OVLCTL" -j dev show ovl0 | jq -r .public_endpoint)" \
		10.0.1.2:4500
}

# The beacon restarts with an empty table: it answers the kernels'
# refreshes with REREGISTER, and traffic through it resumes once the hosts
# registered again (what the daemon does on its own, done here by hand).
t_beacon_restart()
{
	local start
	relay_setup || return 1
	ip netns exec $A "$OVLCTL" peer set ovl0 2 relay pinned &&
	ip netns exec $B "$OVLCTL" peer set ovl0 1 relay pinned || return 1
	ping_ok || return 1
	kill $BEACON_PID && wait $BEACON_PID 2>/dev/null
	beacon_start || return 1
	start=$(date +%s%3N)
	beacon_register $A ovl0 1 && beacon_register $B ovl0 2 || return 1
	ping_ok || return 1
	echo "traffic resumed $(($(date +%s%3N) - start)) ms after the restart"
}

need nft jq ping || skip_all "needs nft, jq and ping"
[ -x "$BEACON_BIN" ] || skip_all "ovl-beacon is not built"
load_ovl || skip_all "cannot load the ovl module"
TMP=$(mktemp -d)
relay_pki 1 2 || { fail "cannot make the test's certificates"; exit 1; }
plan 8
run "both ways cut: relay within seconds, back to direct when healed" t_cut_both
run "one-way cut for $SOAK s: both relay, zero flaps" t_one_way
run "ICMP unreachable on a dead path flips to relay before the blackhole timeout" t_unreachable
run "beacon removed: a relayed peer goes back to direct" t_beacon_removed
run "pinned relay never clears on its own" t_pinned
run "relay cap, forged and replayed relay frames" t_cap_and_forgery
run "beacon messages from others are dropped" t_not_beacon
run "beacon restart: traffic resumes after re-registration" t_beacon_restart
rm -rf "$TMP"
finish
