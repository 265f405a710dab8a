#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Path selection under traffic that gives the heuristics nothing to go on
# but silence, or lies, in the topology of relay_lib.sh (hosts A and B
# behind router R, beacon C).  Each host runs five devices side by side,
# so that the variants, and both cases, run at once in one topology:
#
#   ovl0  port 4500  10.77.0.N  beacon set (relay_setup)    one-way flow
#   ovl1  port 4501  10.78.0.N  no beacon                   one-way flow
#   ovl2  port 4502  10.79.0.N  beacon set, blackhole-ms 2000, keepalive
#                               1 s on A's side only, no traffic
#   ovl3  port 4503  10.80.0.N  beacon set, nodes 31/32     forged ICMP
#   ovl4  port 4504  10.81.0.N  no beacon, nodes 41/42      forged ICMP
#
# The forged ICMP case runs while the one-way flow does, on its own
# devices; its result is reported as the second case.
#
# What a user sees is asserted: paths, flips, relay and drop counters,
# the flows' loss, the ICMP errors counted.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/relay_lib.sh"

FLOW_SECS=${OVL_SMOKE:+20}	# OVL_SMOKE: the short form (run-all.sh)
FLOW_SECS=${FLOW_SECS:-60}
FLOW_RATE=50	# datagrams a second, to each of two destinations

# add_dev DEV PORT NET NODE_A NODE_B [DEV SET ARGS...]: DEV on A (node
# NODE_A, NET.1) and B (NODE_B, NET.2), peered over the outer addresses
# and keyed; the extra arguments go to "dev set" on both.
add_dev()
{
	local dev=$1 port=$2 net=$3 na=$4 nb=$5 k1 k2
	shift 5
	ip -n $A link add "$dev" type ovl &&
	ip -n $B link add "$dev" type ovl &&
	ip netns exec $A "$OVLCTL" dev set "$dev" node-id "$na" listen-port "$port" "$@" &&
	ip netns exec $B "$OVLCTL" dev set "$dev" node-id "$nb" listen-port "$port" "$@" &&
	ip -n $A addr add "$net.1/24" dev "$dev" &&
	ip -n $B addr add "$net.2/24" dev "$dev" &&
	ip -n $A link set "$dev" up &&
	ip -n $B link set "$dev" up || return 1
	k1=$("$OVLCTL" key generate) && k2=$("$OVLCTL" key generate) &&
	ip netns exec $A "$OVLCTL" peer add "$dev" "$nb" endpoint "10.0.2.2:$port" \
		allowed-ips "$net.2/32" &&
	ip netns exec $B "$OVLCTL" peer add "$dev" "$na" endpoint "10.0.1.2:$port" \
		allowed-ips "$net.1/32" &&
	ip netns exec $A "$OVLCTL" key set "$dev" "$nb" id 1 tx-key "$k1" rx-key "$k2" &&
	ip netns exec $B "$OVLCTL" key set "$dev" "$na" id 1 tx-key "$k2" rx-key "$k1"
}

# pj NETNS DEV NODEID FILTER: a field of a peer's JSON.
pj()
{
	ip netns exec "$1" "$OVLCTL" -j peer show "$2" "$3" | jq -r "$4"
}

# state NETNS DEV NODEID: what must not change: the peer's path, flips,
# relayed packets and relay cap drops, and the device's drops by reason,
# but for tx_no_peer: the stack's own IPv6 multicast (router and listener
# reports), which no peer takes.
state()
{
	echo "$(pj "$1" "$2" "$3" '"\(.path) flips=\(.flips) relayed=\(.relay_tx_packets)/\(.relay_rx_packets) cap_drops=\(.relay_cap_drops)"')" \
		"drops=$(ip netns exec "$1" "$OVLCTL" -j dev show "$2" |
			jq -c '.drops | with_entries(select(.value > 0 and .key != "tx_no_peer"))')"
}

# The devices and peers whose state the cases watch: NETNS:DEV:NODEID.
WATCH="$A:ovl0:2 $B:ovl0:1 $A:ovl1:2 $B:ovl1:1 $A:ovl2:12 $B:ovl2:11"

# snapshot FILE: the state of every watched peer, one a line.
snapshot()
{
	local w ns dev id
	for w in $WATCH; do
		IFS=: read -r ns dev id <<<"$w"
		ip -n "$ns" link show "$dev" >/dev/null 2>&1 || continue
		echo "$ns $dev: $(state "$ns" "$dev" "$id")"
	done >"$1"
}

# udp_sink SECS OUT ADDR...: in B, count the distinct sequence numbers
# received on ADDR:9000 for SECS seconds, or until one second after
# $OUT.stop appears, then write "ADDR COUNT" lines to OUT.  Returns once
# the sockets are bound.
udp_sink()
{
	local secs=$1 out=$2 mark
	shift 2
	mark=$(mktemp -u)
	ip netns exec $B "$PYTHON" - "$secs" "$out" "$mark" "$@" <<'PY' &
import os, select, socket, sys, time
secs, out, mark, addrs = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
socks = {}
for a in addrs:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((a, 9000))
    socks[s] = (a, set())
open(mark, "w").close()
end = time.monotonic() + secs
stopping = False
while (left := end - time.monotonic()) > 0:
    if not stopping and os.path.exists(out + ".stop"):
        stopping = True
    ready, _, _ = select.select(list(socks), [], [], min(left, 0.2))
    for s in ready:
        socks[s][1].add(int.from_bytes(s.recv(2048)[:4], "big"))
    # The source is done: stop once nothing came for a second.  Not a
    # fixed second after it: a sink starved of CPU on a loaded VM may
    # still have its socket buffers to read by then.
    if stopping and not ready:
        end = min(end, time.monotonic() + 1)
    elif stopping:
        end = max(end, time.monotonic() + 1)
with open(out, "w") as f:
    for a, seen in socks.values():
        print(a, len(seen), file=f)
PY
	SINK_PID=$!
	wait_file "$mark" "the UDP sink did not start"
}

# udp_source SECS RATE ADDR...: from A, send RATE datagrams a second to
# each ADDR:9000 for SECS seconds, each with its sequence number; prints
# how many went to each (sendto errors are not counted as sent).
udp_source()
{
	ip netns exec $A "$PYTHON" - "$@" <<'PY'
import socket, sys, time
secs, rate, addrs = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent = dict.fromkeys(addrs, 0)
start = time.monotonic()
for i in range(int(secs * rate)):
    delay = start + i / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    for a in addrs:
        try:
            s.sendto(i.to_bytes(4, "big") + bytes(96), (a, 9000))
            sent[a] += 1
        except OSError:
            pass
for a, n in sent.items():
    print(a, n)
PY
}

# A sends one-way UDP to B for a minute, with a beacon (ovl0) and without
# (ovl1): B's passive keepalives keep A's direct path alive, so nothing
# flips, nothing is dropped, nothing is lost.  Meanwhile A's ovl2 peer
# has a keepalive and no traffic, which B never answers: no flip either.
# And meanwhile, on ovl3 and ovl4, the forged ICMP case runs
# (forged_icmp), its output and status kept for t_forged_icmp.
t_one_way_flow()
{
	local sent got w ns dev id kb icmp_pid reg
	relay_setup || return 1
	add_dev ovl1 4501 10.78.0 1 2 || return 1
	add_dev ovl2 4502 10.79.0 11 12 beacon $BEACON blackhole-ms 2000 ||
		return 1
	# Node ids of their own: the beacon knows a host by node id.
	add_dev ovl3 4503 10.80.0 31 32 beacon $BEACON &&
	add_dev ovl4 4504 10.81.0 41 42 || return 1
	for reg in "$A ovl2 11" "$B ovl2 12" "$A ovl3 31" "$B ovl3 32"; do
		# shellcheck disable=SC2086
		beacon_register $reg || return 1
	done
	snapshot "$TMP/before"
	cat "$TMP/before"
	grep -v ' direct flips=0 ' "$TMP/before" &&
		{ fail "a peer was not direct, or flipped, before the flow"; return 1; }
	udp_sink $((FLOW_SECS + 5)) "$TMP/got" 10.77.0.2 10.78.0.2 || return 1
	ip netns exec $A "$OVLCTL" peer set ovl2 12 keepalive 1 || return 1
	(forged_icmp >"$TMP/icmp.out" 2>&1; echo $? >"$TMP/icmp.rc") &
	icmp_pid=$!
	echo "one-way UDP A -> B for $FLOW_SECS s, $FLOW_RATE/s to each device"
	sent=$(udp_source $FLOW_SECS $FLOW_RATE 10.77.0.2 10.78.0.2) || return 1
	touch "$TMP/got.stop"
	wait $SINK_PID $icmp_pid
	got=$(cat "$TMP/got")
	snapshot "$TMP/after"
	for w in $WATCH; do
		IFS=: read -r ns dev id <<<"$w"
		echo "$ns $dev peer $id: $(pj "$ns" "$dev" "$id" '"tx \(.tx_packets) rx \(.rx_packets) icmp_errors \(.icmp_errors)"')," \
			"drops $(ip netns exec "$ns" "$OVLCTL" -j dev show "$dev" |
				jq -c '.drops | with_entries(select(.value > 0))')"
	done
	diff -u "$TMP/before" "$TMP/after" ||
		{ fail "paths, flips, relay or drop counters changed"; return 1; }
	expect_eq "datagrams received (sent: $(echo $sent))" "$(echo $got)" "$(echo $sent)" ||
		return 1
	[ "$(echo "$sent" | awk '{s += $2} END {print s}')" -eq $((2 * FLOW_SECS * FLOW_RATE)) ] ||
		{ fail "the source could not send everything"; return 1; }
	# B answered with a keepalive at most once per interval (2 s), not
	# one per datagram; and never answered A's keepalives.
	for dev in ovl0 ovl1; do
		kb=$(pj $B $dev 1 .tx_packets)
		[ "$kb" -ge $((FLOW_SECS / 4)) ] && [ "$kb" -le $((FLOW_SECS)) ] ||
			{ fail "$dev: B sent $kb keepalives in $FLOW_SECS s"; return 1; }
	done
	[ "$(pj $A ovl2 12 .tx_packets)" -ge $((FLOW_SECS / 2)) ] ||
		{ fail "A's keepalives on ovl2 did not go out"; return 1; }
	expect_eq "keepalives answered" "$(pj $B ovl2 11 .tx_packets)" 0
}

# ping_received FILE: how many replies a finished ping got.
ping_received()
{
	sed -n 's/.* \([0-9]*\) received.*/\1/p' "$1"
}

# While A pings B over ovl3 (beacon) and ovl4 (no beacon), R, on the path,
# forges ICMP host unreachable errors quoting A's datagrams to B: neither
# peer leaves the direct path and the pings go on; A counts exactly the
# errors that quote its own port.  Runs within t_one_way_flow, in the
# background, on devices of its own.
forged_icmp()
{
	local n=20 pings=40 dev got p3 p4 pids=()
	local WATCH="$A:ovl3:32 $B:ovl3:31 $A:ovl4:42 $B:ovl4:41"
	local forge=("$PYTHON" "$REPO/selftests/icmp_forge.py" 10.0.1.2)
	snapshot "$TMP/icmp.before"
	ip netns exec $A ping -c $pings -i 0.2 -W 2 10.80.0.2 >"$TMP/ping3" 2>&1 &
	p3=$!
	ip netns exec $A ping -c $pings -i 0.2 -W 2 10.81.0.2 >"$TMP/ping4" 2>&1 &
	p4=$!
	sleep 1
	ip netns exec $R "${forge[@]}" 10.0.1.2:4503 10.0.2.2:4503 $n 0.2 &
	pids+=($!)
	ip netns exec $R "${forge[@]}" 10.0.1.2:4504 10.0.2.2:4504 $n 0.2 &
	pids+=($!)
	# Not from our port: not ours, not counted.
	ip netns exec $R "${forge[@]}" 10.0.1.2:4600 10.0.2.2:4503 5 0.2 &
	pids+=($!)
	ip netns exec $R "${forge[@]}" 10.0.1.2:4600 10.0.2.2:4504 5 0.2 &
	pids+=($!)
	wait $p3 $p4 "${pids[@]}"
	snapshot "$TMP/icmp.after"
	diff -u "$TMP/icmp.before" "$TMP/icmp.after" ||
		{ fail "paths, flips, relay or drop counters changed"; return 1; }
	for dev in 3 4; do
		got=$(ping_received "$TMP/ping$dev")
		echo "ovl$dev: $got of $pings pings answered," \
			"icmp_errors $(pj $A ovl$dev ${dev}2 .icmp_errors)"
		[ "${got:-0}" -ge $((pings - 2)) ] ||
			{ fail "ovl$dev: the ping lost more than 2"; return 1; }
		expect_eq "ovl$dev: A's icmp_errors" "$(pj $A ovl$dev ${dev}2 .icmp_errors)" $n ||
			return 1
		expect_eq "ovl$dev: B's icmp_errors" "$(pj $B ovl$dev ${dev}1 .icmp_errors)" 0 ||
			return 1
	done
}

# The result of forged_icmp, which ran during the one-way flow.
t_forged_icmp()
{
	[ -f "$TMP/icmp.rc" ] ||
		{ fail "not run: the one-way case failed before starting it"; return 1; }
	cat "$TMP/icmp.out"
	return "$(cat "$TMP/icmp.rc")"
}

need nft jq ping || skip_all "needs nft, jq and ping"
[ -x "$BEACON_BIN" ] || skip_all "ovl-beacon is not built"
load_ovl || skip_all "cannot load the ovl module"
TMP=$(mktemp -d)
relay_pki 1 2 11 12 31 32 || { fail "cannot make the test's certificates"; exit 1; }
plan 2
run "one-way UDP for ${FLOW_SECS} s, beacon and none; one-sided keepalive: no flip, no drop, no loss" \
	t_one_way_flow
run "forged ICMP unreachable, beacon and none: peers stay direct, pings flow, errors counted" \
	t_forged_icmp
rm -rf "$TMP"
finish
