#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The "ovl" generic netlink family through ovlctl: dev show / dev set, the
# device's UDP sockets, and every rejection a user can run into.
source "$(dirname "$0")/lib.sh"

NS=ovl-nl
NS2=ovl-nl2

ovlctl()
{
	ip netns exec $NS "$OVLCTL" "$@"
}

setup()
{
	new_netns $NS && ip -n $NS link add ovl0 type ovl
}

t_show_fresh()
{
	local j txt
	setup || return 1
	j=$(ovlctl -j dev show ovl0) || return 1
	echo "$j"
	expect_eq ifname "$(jget "$j" .ifname)" ovl0 &&
	expect_eq ifindex "$(jget "$j" .ifindex)" \
		"$(ip -n $NS -j link show ovl0 | jq '.[0].ifindex')" &&
	expect_eq node_id "$(jget "$j" .node_id)" null &&
	expect_eq listen_port "$(jget "$j" .listen_port)" null || return 1
	txt=$(ovlctl dev show ovl0) || return 1
	echo "$txt"
	echo "$txt" | grep -q '^ovl0:' && echo "$txt" | grep -q 'node id: (none)' ||
		fail "text output"
}

t_set()
{
	local j
	setup || return 1
	ovlctl dev set ovl0 node-id 7 listen-port 4500 || return 1
	j=$(ovlctl -j dev show ovl0)
	expect_eq node_id "$(jget "$j" .node_id)" 7 &&
	expect_eq listen_port "$(jget "$j" .listen_port)" 4500 &&
	expect_eq sockets "$(udp_listeners $NS 4500 | xargs)" "0.0.0.0:4500 [::]:4500" || return 1
	ovlctl dev show ovl0 | grep -q 'listen port: 4500' || fail "text output"
}

t_rebind()
{
	setup || return 1
	ovlctl dev set ovl0 listen-port 4500 && ovlctl dev set ovl0 listen-port 4501 || return 1
	expect_eq new "$(udp_listeners $NS 4501 | xargs)" "0.0.0.0:4501 [::]:4501" &&
	expect_eq old "$(udp_listeners $NS 4500 | xargs)" "" || return 1
	ovlctl dev set ovl0 listen-port 0 || return 1
	expect_eq closed "$(udp_listeners $NS 4501 | xargs)" "" &&
	expect_eq listen_port "$(ovlctl -j dev show ovl0 | jq .listen_port)" null &&
	udp_port_free $NS 4501 4 && udp_port_free $NS 4501 6
}

t_dump()
{
	local j
	setup && ip -n $NS link add ovl1 type ovl && ip -n $NS link add dummy0 type dummy ||
		return 1
	new_netns $NS2 && ip -n $NS2 link add ovl9 type ovl || return 1
	ovlctl dev set ovl1 node-id 11 || return 1
	j=$(ovlctl -j dev show) || return 1
	echo "$j"
	expect_eq names "$(jget "$j" '[.[].ifname] | sort | join(",")')" ovl0,ovl1 &&
	expect_eq ovl1 "$(jget "$j" '.[] | select(.ifname == "ovl1") | .node_id')" 11 &&
	expect_eq text "$(ovlctl dev show | grep -c '^ovl[0-9]:')" 2
}

t_netns_isolation()
{
	setup && new_netns $NS2 || return 1
	expect_err 1 "No such device" ip netns exec $NS2 "$OVLCTL" dev set ovl0 node-id 3 || return 1
	expect_eq node_id "$(ovlctl -j dev show ovl0 | jq .node_id)" null
}

t_bad_device()
{
	setup || return 1
	expect_err 1 "dev show nosuch: No such device: no such device in this network namespace" ovlctl dev show nosuch &&
	expect_err 1 "Operation not supported: not an ovl device" ovlctl dev show lo &&
	expect_err 1 "not an ovl device" ovlctl dev set lo node-id 1 &&
	expect_err 2 "usage|name" ovlctl dev show "$(printf 'x%.0s' $(seq 16))"
}

t_bad_numbers()
{
	setup || return 1
	expect_err 2 "invalid node-id 'abc'" ovlctl dev set ovl0 node-id abc &&
	expect_err 2 "invalid node-id '0'" ovlctl dev set ovl0 node-id 0 &&
	expect_err 2 "invalid node-id '4294967296'" ovlctl dev set ovl0 node-id 4294967296 &&
	expect_err 2 "invalid listen-port '65536'" ovlctl dev set ovl0 listen-port 65536 &&
	expect_err 2 "invalid listen-port '-1'" ovlctl dev set ovl0 listen-port -1 &&
	expect_err 2 "unknown option 'foo'" ovlctl dev set ovl0 foo 1 &&
	expect_err 2 "." ovlctl dev set ovl0 &&
	expect_eq unchanged "$(ovlctl -j dev show ovl0 | jq -c '[.node_id, .listen_port]')" \
		"[null,null]"
}

# A port taken by someone else, on IPv4 or on IPv6 only: a clear error and
# no change at all, not even to the node id given in the same request.
t_port_in_use()
{
	local fam
	setup || return 1
	ovlctl dev set ovl0 node-id 5 listen-port 4500 || return 1
	for fam in 4 6; do
		hold_udp_port $NS 4600 $fam || return 1
		expect_err 1 "Address already in use: listen port is in use" \
			ovlctl dev set ovl0 node-id 6 listen-port 4600 || return 1
		kill $HOLDER
		wait $HOLDER 2>/dev/null
		expect_eq "node_id (v$fam)" "$(ovlctl -j dev show ovl0 | jq .node_id)" 5 &&
		expect_eq "port (v$fam)" "$(ovlctl -j dev show ovl0 | jq .listen_port)" 4500 &&
		expect_eq "sockets (v$fam)" "$(udp_listeners $NS 4500 | xargs)" \
			"0.0.0.0:4500 [::]:4500" &&
		udp_port_free $NS 4600 4 && udp_port_free $NS 4600 6 ||
			fail "a half-open socket was left on 4600" || return 1
	done
}

# Reads, writes and events all need CAP_NET_ADMIN (peers, endpoints and
# counters are not for any local user), refused with a clear error.
t_no_cap()
{
	local nocap=(setpriv --bounding-set=-net_admin --inh-caps=-net_admin)
	local nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	local who as
	need setpriv || return $KSFT_SKIP
	setup || return 1
	ovlctl peer add ovl0 5 endpoint 192.0.2.5:4500 allowed-ips 10.9.0.5/32 ||
		return 1
	expect_err 1 "Operation not permitted" ip netns exec $NS \
		"${nocap[@]}" "$OVLCTL" dev set ovl0 node-id 9 || return 1
	expect_eq node_id "$(ovlctl -j dev show ovl0 | jq .node_id)" null || return 1
	for who in nocap nobody; do
		if [ $who = nocap ]; then as=("${nocap[@]}"); else as=("${nobody[@]}"); fi
		expect_err 1 "dev show ovl0: Operation not permitted \(CAP_NET_ADMIN required\)" \
			ip netns exec $NS "${as[@]}" "$OVLCTL" dev show ovl0 &&
		expect_err 1 "dev show: Operation not permitted" \
			ip netns exec $NS "${as[@]}" "$OVLCTL" dev show &&
		expect_err 1 "peer show ovl0: Operation not permitted" \
			ip netns exec $NS "${as[@]}" "$OVLCTL" peer show ovl0 &&
		expect_err 1 "peer show ovl0 5: Operation not permitted" \
			ip netns exec $NS "${as[@]}" "$OVLCTL" -j peer show ovl0 5 &&
		expect_err 1 "join multicast group events: Operation not permitted \(CAP_NET_ADMIN required\)" \
			ip netns exec $NS timeout 20 "${as[@]}" "$OVLCTL" monitor ||
			return 1
	done
}

# A user namespace that owns its network namespace (a container) creates,
# configures, reads and watches its own device, without any privilege in
# the initial user namespace; it still cannot touch the host's devices.
t_userns()
{
	local out
	need unshare setpriv || return $KSFT_SKIP
	setup || return 1
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		unshare -Urn sh -ec '
		ip link add ovl7 type ovl
		ip link set lo up
		"$1" dev set ovl7 node-id 7 listen-port 4507
		"$1" peer add ovl7 8 endpoint 127.0.0.1:4508 allowed-ips 10.7.0.8/32,fd07::8/128
		"$1" peer set ovl7 8 keepalive 5
		"$1" -j dev show ovl7
		"$1" -j peer show ovl7
		"$1" -j peer show ovl7 8
		timeout 3 "$1" monitor ovl7 >/dev/null 2>&1 || [ $? = 124 ]
		echo monitor-ok
		' sh "$OVLCTL" 2>&1)
	echo "$out"
	echo "$out" | grep -q '"node_id":7,' || echo "$out" | grep -q '"node_id": *7' ||
		fail "no dev show output" || return 1
	expect_eq "peers in the container" \
		"$(echo "$out" | grep -m1 '^\[' | jq -c '[.[] | [.node_id, .keepalive, .allowed_ips]]')" \
		'[[8,5,["10.7.0.8/32","fd07::8/128"]]]' &&
	expect_eq "one peer in the container" \
		"$(echo "$out" | grep '^{"node_id":8' | jq -c .allowed_ips)" \
		'["10.7.0.8/32","fd07::8/128"]' || return 1
	echo "$out" | grep -qx monitor-ok || fail "monitor in the container" || return 1
	# The host's namespace is not the container's to change.
	expect_err 1 "Operation not permitted" \
		ip netns exec $NS unshare -Ur "$OVLCTL" dev set ovl0 node-id 3 &&
	expect_eq node_id "$(ovlctl -j dev show ovl0 | jq .node_id)" null
}

# Events are built only for listeners: with nobody in the events group,
# traffic for 20 keyless peers (a key-needed event each) multicasts
# nothing; with "ovlctl monitor" listening, the same traffic does.  The
# kernel's multicasts to our group are counted with a kprobe.
t_events_need_listener()
{
	local tr=/sys/kernel/tracing fn grp i mon n_off n_on lines monout
	[ -e $tr/kprobe_events ] || mount -t tracefs nodev $tr 2>/dev/null
	[ -w $tr/kprobe_events ] || { echo "no kprobe events"; return $KSFT_SKIP; }
	need genl || return $KSFT_SKIP
	# 6.12's nlmsg_multicast() goes straight to the _filtered variant.
	fn=netlink_broadcast
	grep -qw netlink_broadcast_filtered /proc/kallsyms && fn=netlink_broadcast_filtered
	grp=$(genl ctrl get name ovl | sed -n 's/.*ID-\(0x[0-9a-f]*\)  *name: events.*/\1/p')
	[ -n "$grp" ] || fail "no events group id" || return 1
	echo "probing $fn for group $grp"
	setup || return 1
	ovlctl dev set ovl0 node-id 1 &&
	ip -n $NS addr add 10.9.0.1/24 dev ovl0 && ip -n $NS link set ovl0 up || return 1
	for i in $(seq 2 21); do
		ovlctl peer add ovl0 $i allowed-ips 10.9.0.$i/32 || return 1
	done
	echo "p:ovl_nl_mc $fn group=%cx:u32" >>$tr/kprobe_events || return 1
	echo "group == $((grp))" >$tr/events/kprobes/ovl_nl_mc/filter &&
	echo 1 >$tr/events/kprobes/ovl_nl_mc/enable || { t_events_cleanup; return 1; }

	: >$tr/trace
	for i in $(seq 2 21); do
		ip netns exec $NS bash -c "echo x >/dev/udp/10.9.0.$i/9" 2>/dev/null
	done
	n_off=$(grep -c ovl_nl_mc $tr/trace)

	monout=$(mktemp) || return 1
	ip netns exec $NS "$OVLCTL" monitor >"$monout" 2>&1 &
	mon=$!
	sleep 2		# subscribed, and past the one-second rate limit
	: >$tr/trace
	for i in $(seq 2 21); do
		ip netns exec $NS bash -c "echo x >/dev/udp/10.9.0.$i/9" 2>/dev/null
	done
	sleep 1
	n_on=$(grep -c ovl_nl_mc $tr/trace)
	kill $mon; wait $mon 2>/dev/null
	t_events_cleanup
	lines=$(grep -c "needs a handshake" "$monout")
	cat "$monout"; rm -f "$monout"
	echo "multicasts: $n_off without a listener, $n_on with one; monitor printed $lines"
	expect_eq "multicasts without a listener" "$n_off" 0 &&
	expect_eq "multicasts with a listener" "$n_on" 20 &&
	expect_eq "events the monitor printed" "$lines" 20
}

t_events_cleanup()
{
	local tr=/sys/kernel/tracing
	echo 0 >$tr/events/kprobes/ovl_nl_mc/enable 2>/dev/null
	echo "-:ovl_nl_mc" >>$tr/kprobe_events 2>/dev/null
}

load_ovl || skip_all "cannot load the ovl module"
plan 11
run "dev show: a fresh device" t_show_fresh
run "dev set: node id and a dual-stack socket" t_set
run "dev set: rebinding and closing the port" t_rebind
run "dev show without a name dumps this netns" t_dump
run "other namespaces' devices are invisible" t_netns_isolation
run "unknown and non-ovl devices rejected" t_bad_device
run "bad numbers and keywords rejected, nothing changed" t_bad_numbers
run "port in use: error, nothing changed" t_port_in_use
run "reads, writes and events need CAP_NET_ADMIN" t_no_cap
run "a user namespace configures its own netns's device" t_userns
run "events are built only for listeners" t_events_need_listener
finish
