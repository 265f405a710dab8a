#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The data plane between two hosts: encrypted traffic over IPv4 and IPv6
# outer and inner addresses, MTU edges, key rollover under traffic, and
# every forged, replayed or tampered datagram dropped and counted.
source "$(dirname "$0")/lib.sh"

ping_ok()
{
	ip netns exec "$1" ping -q -c 3 -i 0.2 -W 2 "${@:2}" >/dev/null ||
		fail "ping ${*:2} from $1"
}

t_ping()
{
	local outer=$1 pj ep rx tx last
	pair_setup "$outer" || return 1
	ping_ok $A 10.77.0.2 && ping_ok $B 10.77.0.1 &&
	ping_ok $A fd77::2 && ping_ok $B fd77::1 || return 1
	# One read of A's peer 2 for all the checks below (a process costs
	# most of a second under TCG).
	pj=$(ip netns exec $A "$OVLCTL" -j peer show ovl0 2) || fail "peer show" || return 1
	read -r ep rx tx last <<<"$(jget "$pj" '"\(.endpoint) \(.rx_packets) \(.tx_packets) \(.last_direct_rx_ms)"')"
	expect_eq "A's peer endpoint" "$ep" \
		"$([ "$outer" = 6 ] && echo '[2001:db8::2]:4500' || echo 192.0.2.2:4500)" &&
	[ "$rx" -ge 6 ] || fail "rx_packets $rx" || return 1
	[ "$tx" -ge 6 ] || fail "tx_packets" || return 1
	[ "$last" != null ] || fail "no last direct receipt" ||
		return 1
	# Every field a user may script against, and "ovlctl show" like wg show.
	expect_eq "peer JSON fields" "$(jget "$pj" '[has("node_id", "endpoint",
		"allowed_ips", "path", "pinned", "tx_packets", "rx_packets", "tx_bytes",
		"rx_bytes", "relay_tx_packets", "relay_rx_packets", "flips",
		"last_direct_rx_ms")] | all')" true &&
	expect_eq path "$(jget "$pj" '"\(.path) \(.pinned) \(.flips)"')" "direct false 0" &&
	expect_eq "allowed ips" "$(jget "$pj" '.allowed_ips | join(",")')" \
		"10.77.0.2/32,fd77::2/128" &&
	expect_eq "show" "$(ip netns exec $A "$OVLCTL" -j show ovl0 |
		jq -c '[.ifname, .node_id, .peer_count, [.peers[].node_id]]')" '["ovl0",1,1,[2]]'
}

t_iperf()
{
	local out
	need iperf3 || return $KSFT_SKIP
	pair_setup 4 || return 1
	ip netns exec $B iperf3 -s -D -1 -B 10.77.0.2 && tcp_listening $B 5201 || return 1
	out=$(ip netns exec $A iperf3 -c 10.77.0.2 -t 3 -J) || fail "iperf3 A to B" || return 1
	echo "A->B: $(jq '.end.sum_received.bits_per_second / 1e6 | floor' <<<"$out") Mbit/s"
	ip netns exec $A iperf3 -s -D -1 -B fd77::1 && tcp_listening $A 5201 || return 1
	out=$(ip netns exec $B iperf3 -c fd77::1 -t 3 -J) || fail "iperf3 B to A over IPv6" || return 1
	echo "B->A (v6): $(jq '.end.sum_received.bits_per_second / 1e6 | floor' <<<"$out") Mbit/s"
	expect_eq "bad tags" "$(drops $A bad_tag)+$(drops $B bad_tag)" "0+0"
}

t_mtu()
{
	pair_setup 4 || return 1
	# 1407 - 20 - 8: the largest ping that fits unfragmented.
	ip netns exec $A ping -q -c 1 -W 2 -M do -s 1379 10.77.0.2 >/dev/null ||
		fail "full-MTU ping" || return 1
	! ip netns exec $A ping -q -c 1 -W 2 -M do -s 1380 10.77.0.2 >/dev/null 2>&1 ||
		fail "oversized DF ping went through" || return 1
	ping_ok $A -s 4000 10.77.0.2 || return 1
	# A tunnel MTU above the path MTU: the outer packets fragment.
	ip -n $A link set ovl0 mtu 8000 && ip -n $B link set ovl0 mtu 8000 || return 1
	ping_ok $A -M do -s 7000 10.77.0.2 && ping_ok $A -6 -M do -s 7000 fd77::2
}

t_rollover()
{
	local out k3 k4
	pair_setup 4 || return 1
	k3=$("$OVLCTL" key generate) && k4=$("$OVLCTL" key generate) || return 1
	ip netns exec $A ping -i 0.02 -c 250 -w 20 10.77.0.2 >"$TMPDIR/ping" 2>&1 &
	sleep 1
	ip netns exec $A "$OVLCTL" key set ovl0 2 slot secondary id 2 tx-key "$k3" rx-key "$k4" &&
	ip netns exec $B "$OVLCTL" key set ovl0 1 slot secondary id 2 tx-key "$k4" rx-key "$k3" &&
	ip netns exec $A "$OVLCTL" key swap ovl0 2 &&
	sleep 0.5 &&
	ip netns exec $B "$OVLCTL" key swap ovl0 1 &&
	sleep 0.5 &&
	ip netns exec $A "$OVLCTL" key del ovl0 2 slot secondary &&
	ip netns exec $B "$OVLCTL" key del ovl0 1 slot secondary || return 1
	wait
	tail -n 2 "$TMPDIR/ping"
	expect_eq "pings never answered" "$(ping_unanswered "$TMPDIR/ping" 250)" "" &&
	expect_eq "A's keys" "$(peer_json $A 2 '[.keys[] | "\(.slot):\(.id)"] | join(",")')" primary:2 &&
	ping_ok $B 10.77.0.1
}

# Capture a DATA datagram A sends to B, then replay, tamper and forge.
t_forged()
{
	local before
	pair_setup 4 || return 1
	ping_ok $A 10.77.0.2 || return 1
	ip netns exec $A "$PYTHON" "$REPO/selftests/forge.py" 192.0.2.2 4500 10.77.0.2 \
		>"$TMPDIR/forge" || { cat "$TMPDIR/forge"; fail "forge.py"; return 1; }
	cat "$TMPDIR/forge"
	local r n seen=0 counts
	# B's counters in one read (a process costs most of a second under TCG).
	counts=$(ip netns exec $B "$OVLCTL" -j dev show ovl0 |
		jq -r '.drops | ["replay", "bad_tag", "unknown_peer", "no_key", "short",
			"unknown_type"][] as $r | "\($r) \(.[$r])"')
	while read -r r n; do
		[ "$n" -ge 1 ] || fail "no $r drop counted" || return 1
		seen=$((seen + 1))
	done <<<"$counts"
	[ $seen = 6 ] || fail "B's drop counters not read" || return 1
	before=$(peer_json $B 1 .endpoint)
	expect_eq "B's view of A did not move" "$before" 192.0.2.1:4500
}

t_bad_source()
{
	pair_setup 4 || return 1
	ip -n $B addr add 10.77.0.99/24 dev ovl0 || return 1
	# B's peer A routes 10.77.0.1 only; the reply would not come back, and
	# A must refuse the packet anyway: 10.77.0.99 is not B's.
	ip netns exec $B ping -q -c 2 -W 1 -I 10.77.0.99 10.77.0.1 >/dev/null 2>&1
	[ "$(drops $A bad_source)" -ge 2 ] || fail "bad_source $(drops $A bad_source)"
}

t_no_key_event()
{
	local mon
	pair_setup 4 || return 1
	ip netns exec $A "$OVLCTL" key del ovl0 2 || return 1
	ip netns exec $A "$OVLCTL" -j monitor ovl0 >"$TMPDIR/mon" &
	mon=$!
	sleep 1
	! ip netns exec $A ping -q -c 2 -i 0.2 -W 1 10.77.0.2 >/dev/null 2>&1 ||
		fail "ping without a key went through" || return 1
	sleep 0.5
	kill $mon
	cat "$TMPDIR/mon"
	grep -q '"reason":"no_key"' "$TMPDIR/mon" || fail "no key-needed event" || return 1
	[ "$(drops $A tx_no_key)" -ge 2 ] || fail "tx_no_key not counted"
}

t_exhausted()
{
	local limit=/sys/module/ovl/parameters/key_msg_limit old
	pair_setup 4 || return 1
	old=$(cat $limit)
	echo 50 >$limit
	ip netns exec $A "$OVLCTL" -j monitor ovl0 >"$TMPDIR/mon" &
	sleep 1
	ip netns exec $A ping -q -c 80 -i 0.01 -W 1 10.77.0.2 >/dev/null 2>&1
	sleep 0.5
	kill %1
	echo "$old" >$limit
	cat "$TMPDIR/mon"
	grep -q '"reason":"limit"' "$TMPDIR/mon" || fail "no near-limit event" || return 1
	grep -q '"reason":"exhausted"' "$TMPDIR/mon" || fail "no exhausted event" || return 1
	expect_eq "tx counter stops at the limit" "$(peer_json $A 2 '.keys[0].tx_counter')" 50 &&
	[ "$(drops $A tx_no_key)" -ge 1 ] || fail "exhausted key still encrypts"
}

t_keepalive()
{
	local before after
	pair_setup 4 || return 1
	ping_ok $A 10.77.0.2 || return 1
	ip netns exec $A "$OVLCTL" peer set ovl0 2 keepalive 1 || return 1
	expect_eq keepalive "$(peer_json $A 2 .keepalive)" 1 || return 1
	# The window between the two reads is known only within the time
	# each read takes (seconds of ovlctl and jq on a loaded VM): at
	# least t2 - t1, at most t3 - t0; one keepalive a second, give or
	# take one at each end.
	local t0 t1 t2 t3 lo hi
	t0=$(date +%s%N)
	before=$(peer_json $B 1 .rx_packets)
	t1=$(date +%s%N)
	sleep 4
	t2=$(date +%s%N)
	after=$(peer_json $B 1 .rx_packets)
	t3=$(date +%s%N)
	lo=$(((t2 - t1) / 1000000000 - 1)) hi=$(((t3 - t0) / 1000000000 + 2))
	echo "B received $((after - before)) keepalives in 4 s ($lo..$hi expected)"
	[ $((after - before)) -ge "$lo" ] && [ $((after - before)) -le "$hi" ] ||
		fail "keepalives: $((after - before))" || return 1
	ip netns exec $A "$OVLCTL" peer set ovl0 2 keepalive 0 || return 1
	before=$(peer_json $B 1 .rx_packets)
	sleep 2
	expect_eq "no keepalives when off" "$(peer_json $B 1 .rx_packets)" "$before"
}

t_delete_under_traffic()
{
	need iperf3 || return $KSFT_SKIP
	pair_setup 4 || return 1
	ip netns exec $B iperf3 -s -D -1 -B 10.77.0.2 && tcp_listening $B 5201 || return 1
	# Its server goes away with B: it would wait for the results until
	# stopped, so stop it right after its 8 s.
	ip netns exec $A timeout 10 iperf3 -c 10.77.0.2 -t 8 -P 2 >/dev/null 2>&1 &
	sleep 2
	ip netns exec $A "$OVLCTL" peer del ovl0 2 || return 1
	sleep 1
	ip netns exec $A "$OVLCTL" peer add ovl0 2 endpoint 192.0.2.2:4500 allowed-ips 10.77.0.2/32 || return 1
	sleep 1
	ip -n $B link del ovl0 || return 1
	sleep 1
	ip netns del $B
	wait
	ip -n $A link del ovl0
}

# Namespaces and the module go away while encrypted traffic flows and
# keepalive timers run: nothing may outlive them (timers, RCU callbacks).
t_unload_under_traffic()
{
	need iperf3 || return $KSFT_SKIP
	pair_setup 4 || return 1
	ip netns exec $A "$OVLCTL" peer set ovl0 2 keepalive 1 &&
	ip netns exec $B "$OVLCTL" peer set ovl0 1 keepalive 1 || return 1
	ip netns exec $B iperf3 -s -D -1 -B 10.77.0.2 && tcp_listening $B 5201 || return 1
	ip netns exec $A timeout 20 iperf3 -c 10.77.0.2 -t 8 >/dev/null 2>&1 &
	sleep 2
	ip netns del $A || return 1
	sleep 0.5
	unload_ovl || fail "rmmod with a peered device and its timers" || return 1
	wait
	load_ovl
}

TMPDIR=$(mktemp -d)
trap 'cleanup_netns; rm -rf "$TMPDIR"' EXIT
load_ovl || skip_all "cannot load the ovl module"
plan 12
run "ping over IPv4 outer, IPv4 and IPv6 inner" t_ping 4
run "ping over IPv6 outer, IPv4 and IPv6 inner" t_ping 6
run "iperf3 both ways" t_iperf
run "MTU edges and fragmentation" t_mtu
run "key rollover under traffic without loss" t_rollover
run "replayed, tampered and forged datagrams dropped and counted" t_forged
run "inner source outside allowed-ips dropped" t_bad_source
run "no key: packets dropped, key-needed event" t_no_key_event
run "key message limit: event, then encryption stops" t_exhausted
run "keepalives keep flowing when idle" t_keepalive
run "peer and device delete under traffic" t_delete_under_traffic
run "netns delete and rmmod under encrypted traffic" t_unload_under_traffic
finish
