#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# TCP tunnels across the overlay (issue 12): "ovlctl tunnel listen" on
# host A forwards a local port to a backend on host B's overlay address,
# byte-exact both ways with half-close; a backend that the overlay
# black-holes (no peer has its address) is given up after the dial
# timeout, marked down, and the client is served by the next one.
source "$(dirname "$0")/lib.sh"

PEER="$PYTHON $(dirname "$0")/tunnel_peer.py"

# tunnel_up ARGS...: ovlctl tunnel listen ARGS in $A, until it is up.
tunnel_up()
{
	ip netns exec $A "$OVLCTL" tunnel listen "$@" 2>"$TMPDIR/tunnel.log" &
	local i
	for i in $(seq 50); do
		ls "$OVL_TUNNEL_DIR"/listen-*.sock >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$TMPDIR/tunnel.log"
	fail "tunnel listen did not start"
}

# backend PORT: an echo server on B's overlay address.
backend()
{
	rm -f "$TMPDIR/ready"
	ip netns exec $B $PEER echo 10.77.0.2 "$1" "$TMPDIR/ready" &
	wait_file "$TMPDIR/ready" "backend did not start"
}

tunnel_json()
{
	ip netns exec $A "$OVLCTL" -j tunnel show | jq -r ".[0] | $1"
}

t_overlay()
{
	local out
	pair_setup 4 || return 1
	backend 7000 || return 1
	tunnel_up 127.0.0.1:8080 --backend 10.77.0.2:7000 || return 1
	out=$(ip netns exec $A $PEER client 127.0.0.1 8080 $((16 << 20))) ||
		fail "$out" || return 1
	echo "$out through the tunnel and the overlay"
	out=$(ip netns exec $A $PEER client 127.0.0.1 8080 1000) ||
		fail "$out" || return 1
	expect_eq "total" "$(tunnel_json .total)" 2 &&
	expect_eq "bytes in" "$(tunnel_json .bytes_in)" $(((16 << 20) + 1000)) &&
	expect_eq "bytes out" "$(tunnel_json .bytes_out)" $(((16 << 20) + 1000)) &&
	expect_eq "backend" "$(tunnel_json '.backends[0] | "\(.address) \(.up) \(.total)"')" \
		"10.77.0.2:7000 true 2" || return 1
	# the bytes crossed the overlay: B's peer counters saw them
	[ "$(peer_json $B 1 .rx_bytes)" -gt $((16 << 20)) ] ||
		fail "B received $(peer_json $B 1 .rx_bytes) bytes from A"
}

t_blackhole()
{
	local out t0 t1
	pair_setup 4 || return 1
	backend 7000 || return 1
	# 10.77.0.9 is a keyed peer whose endpoint is an address nobody
	# answers ARP for: the SYNs are sealed and lost without a word (a
	# route to no peer at all would fail fast, with host unreachable).
	ip netns exec $A "$OVLCTL" peer add ovl0 9 endpoint 192.0.2.99:4500 \
		allowed-ips 10.77.0.9/32 &&
	ip netns exec $A "$OVLCTL" key set ovl0 9 id 1 \
		tx-key "$("$OVLCTL" key generate)" rx-key "$("$OVLCTL" key generate)" ||
		return 1
	tunnel_up 127.0.0.1:8080 --backend 10.77.0.9:7000@5 \
		--backend 10.77.0.2:7000 --dial-timeout 1 --pool 0 || return 1
	t0=$(date +%s%N)
	out=$(ip netns exec $A $PEER client 127.0.0.1 8080 100000) ||
		fail "$out" || return 1
	t1=$(date +%s%N)
	echo "served after $(((t1 - t0) / 1000000)) ms by the second backend"
	[ $(((t1 - t0) / 1000000)) -ge 900 ] || fail "no dial timeout?" || return 1
	expect_eq "black hole" "$(tunnel_json '.backends[0] | "\(.up) \(.total)"')" \
		"false 0" &&
	expect_eq "good backend" "$(tunnel_json '.backends[1] | "\(.up) \(.total)"')" \
		"true 1" || return 1
	# now down, it is skipped: no second dial to it (its health probes
	# do not count as failed dials)
	expect_eq "failed dials" "$(tunnel_json '.backends[0].failed')" 1 || return 1
	out=$(ip netns exec $A $PEER client 127.0.0.1 8080 1000) || fail "$out" || return 1
	expect_eq "failed dials after" "$(tunnel_json '.backends[0].failed')" 1 &&
	expect_eq "good backend after" "$(tunnel_json '.backends[1].total')" 2
}

TMPDIR=$(mktemp -d)
export OVL_TUNNEL_DIR=$TMPDIR/run
trap 'cleanup_netns; rm -rf "$TMPDIR"' EXIT
load_ovl || skip_all "cannot load the ovl module"
plan 2
run "tunnel to a backend across the overlay, byte-exact" t_overlay
run "black-holed backend: dial timeout, next backend" t_blackhole
finish
