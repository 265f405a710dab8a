#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Manual keys never seal two messages under one (key, counter): a peer
# deleted and added again with the same keys, the same key set again, and
# the module reloaded with the same keys all continue the counters on the
# wire instead of starting over, and every datagram captured before is
# refused as a replay once the keys are back (docs/protocol.md, "Counters
# and key reuse").
source "$(dirname "$0")/lib.sh"

CAPTURE="$PYTHON $REPO/selftests/capture.py"

# capture_start NAME: record the sealed datagrams crossing A's veth (both
# directions) into $TMPDIR/NAME until capture_stop.
capture_start()
{
	rm -f "$TMPDIR/mark"
	ip netns exec $A $CAPTURE record v0 4500 "$TMPDIR/$1" "$TMPDIR/mark" &
	CAP=$!
	wait_file "$TMPDIR/mark" "capture did not start"
}

capture_stop()
{
	sleep 0.3
	kill $CAP
	wait $CAP 2>/dev/null
	return 0
}

# traffic: pings both ways, all answered.
traffic()
{
	ip netns exec $A ping -q -c 4 -i 0.1 -W 2 10.77.0.2 >/dev/null &&
	ip netns exec $B ping -q -c 4 -i 0.1 -W 2 10.77.0.1 >/dev/null ||
		fail "ping over the re-keyed peers"
}

# set_keys: the same two keys, $K1 from A to B and $K2 back, id 1.
set_keys()
{
	ip netns exec $A "$OVLCTL" key set ovl0 2 id 1 tx-key "$K1" rx-key "$K2" &&
	ip netns exec $B "$OVLCTL" key set ovl0 1 id 1 tx-key "$K2" rx-key "$K1"
}

readd_peers()
{
	ip netns exec $A "$OVLCTL" peer del ovl0 2 &&
	ip netns exec $B "$OVLCTL" peer del ovl0 1 &&
	ip netns exec $A "$OVLCTL" peer add ovl0 2 endpoint 192.0.2.2:4500 \
		allowed-ips 10.77.0.2/32,fd77::2/128 &&
	ip netns exec $B "$OVLCTL" peer add ovl0 1 endpoint 192.0.2.1:4500 \
		allowed-ips 10.77.0.1/32,fd77::1/128 &&
	set_keys
}

tx_used()
{
	peer_json "$1" "$2" '.keys[0].tx_counter'
}

t_readd()
{
	local sent readded n drops rx before side bad=0
	pair_setup 4 && set_keys || return 1

	capture_start first || return 1
	traffic || return 1
	capture_stop
	sent=$(tx_used $A 2)

	# The peers go away, and come back with the same keys.
	readd_peers || return 1
	readded=$(tx_used $A 2)
	capture_start readded || return 1
	traffic || return 1
	capture_stop

	# The same keys set again over the ones in use.
	set_keys || return 1
	capture_start reset || return 1
	traffic || return 1
	capture_stop

	$CAPTURE check "$TMPDIR/first" "$TMPDIR/readded" "$TMPDIR/reset" || bad=1

	# Everything captured, replayed at each side: refused, counted, not
	# delivered, and the sender's endpoint stays where it is.
	cat "$TMPDIR/first" "$TMPDIR/readded" "$TMPDIR/reset" >"$TMPDIR/all"
	for side in "$B 1 192.0.2.2 $A" "$A 2 192.0.2.1 $B"; do
		set -- $side
		drops=$(drops "$1" replay)
		rx=$(peer_json "$1" "$2" .rx_packets)
		before=$(peer_json "$1" "$2" .endpoint)
		n=$(ip netns exec "$4" $CAPTURE replay "$TMPDIR/all" "$2" "$3" 4500) ||
			return 1
		sleep 1
		echo "replayed $n datagrams sealed by node $2 at $1"
		[ "$n" -ge 20 ] || fail "only $n datagrams of node $2 captured" || bad=1
		expect_eq "replay drops at $1" "$(drops "$1" replay)" "$((drops + n))" || bad=1
		expect_eq "packets delivered at $1" "$(peer_json "$1" "$2" .rx_packets)" "$rx" ||
			bad=1
		expect_eq "endpoint at $1" "$(peer_json "$1" "$2" .endpoint)" "$before" ||
			bad=1
	done

	# ovlctl shows the count going on where it was, not from 0.
	[ "$sent" -gt 0 ] && [ "$readded" -ge "$sent" ] ||
		fail "A's messages under K1: $sent before, $readded after the re-add" ||
		bad=1
	traffic && [ $bad = 0 ]
}

# Across a module reload nothing is remembered: the counters start from
# the clock, past everything sent before.
t_reload()
{
	pair_setup 4 && set_keys || return 1
	capture_start before || return 1
	traffic || return 1
	capture_stop
	cleanup_netns
	unload_ovl || fail "rmmod" || return 1
	load_ovl || fail "modprobe" || return 1
	pair_setup 4 && set_keys || return 1
	capture_start after || return 1
	traffic || return 1
	capture_stop
	$CAPTURE check --after "$TMPDIR/before" -- "$TMPDIR/after"
}

TMPDIR=$(mktemp -d)
trap 'cleanup_netns; rm -rf "$TMPDIR"' EXIT
load_ovl || skip_all "cannot load the ovl module"
K1=$("$OVLCTL" key generate) && K2=$("$OVLCTL" key generate) ||
	skip_all "ovlctl key generate failed"
plan 2
run "peer re-added and key set again with the same keys: no nonce reuse, old capture refused" t_readd
run "module reloaded with the same keys: counters continue past the old ones" t_reload
finish
