#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Module and namespace lifetime: autoloading, rmmod with devices still
# present, netns deletion, and both while packets keep arriving at the
# devices' UDP ports.
source "$(dirname "$0")/lib.sh"

A=ovl-mod-a
B=ovl-mod-b

t_autoload()
{
	new_netns $A || return 1
	unload_ovl || return 1
	ip -n $A link add ovl0 type ovl || fail "ip link add did not load ovl" || return 1
	unload_ovl || return 1
	ip netns exec $A "$OVLCTL" -j dev show >/dev/null ||
		fail "ovlctl did not load ovl" || return 1
	[ -d /sys/module/ovl ] || fail "ovl not loaded"
}

t_rmmod_with_devices()
{
	local ns
	load_ovl && new_netns $A && new_netns $B || return 1
	ip link add ovl-init type ovl || return 1
	"$OVLCTL" dev set ovl-init listen-port 4800 || return 1
	for ns in $A $B; do
		ip -n $ns link add ovl0 type ovl && ip -n $ns link add ovl1 type ovl &&
		ip netns exec $ns "$OVLCTL" dev set ovl0 node-id 1 listen-port 4800 &&
		ip -n $ns link set ovl0 up || return 1
	done
	unload_ovl || return 1
	for ns in "" $A $B; do
		expect_eq "devices in '$ns'" "$(ovl_devices "$ns")" 0 &&
		udp_port_free "$ns" 4800 4 && udp_port_free "$ns" 4800 6 ||
			fail "port 4800 still held in '$ns'" || return 1
	done
	load_ovl
}

t_netns_delete()
{
	load_ovl && new_netns $A || return 1
	ip -n $A link add ovl0 type ovl &&
	ip netns exec $A "$OVLCTL" dev set ovl0 node-id 1 listen-port 4800 || return 1
	ip netns del $A || return 1
	# Namespaces are torn down asynchronously: rmmod waits for them.
	unload_ovl || fail "rmmod after netns delete" || return 1
	load_ovl
}

# Two namespaces joined by veth; B's ovl0 listens on 4800 and A floods it.
traffic_setup()
{
	new_netns $A && new_netns $B || return 1
	ip -n $A link add veth0 type veth peer name veth0 netns $B &&
	ip -n $A addr add 192.0.2.1/24 dev veth0 && ip -n $B addr add 192.0.2.2/24 dev veth0 &&
	ip -n $A addr add 2001:db8::1/64 dev veth0 nodad &&
	ip -n $B addr add 2001:db8::2/64 dev veth0 nodad &&
	ip -n $A link set veth0 up && ip -n $B link set veth0 up || return 1
	traffic_dev
}

traffic_dev()
{
	ip -n $B link add ovl0 type ovl &&
	ip netns exec $B "$OVLCTL" dev set ovl0 node-id 2 listen-port 4800 &&
	ip -n $B link set ovl0 up
}

# Wait until ovl0 in B has counted datagrams: the flood reaches the device.
wait_rx_dropped()
{
	local i n
	for i in $(seq 50); do
		n=$(ip -n $B -s -j link show ovl0 | jq '.[0].stats64.rx.dropped')
		[ "$n" -gt 100 ] && { echo "ovl0 dropped $n datagrams"; return 0; }
		sleep 0.1
	done
	fail "no datagram reached ovl0"
}

t_under_traffic()
{
	load_ovl && traffic_setup || return 1
	bounded_udp_flood $A 192.0.2.2 4800 30
	bounded_udp_flood $A 2001:db8::2 4800 30
	wait_rx_dropped || return 1
	ip -n $B link del ovl0 || fail "link del under traffic" || return 1

	traffic_dev && wait_rx_dropped || return 1
	unload_ovl || fail "rmmod under traffic" || return 1

	load_ovl && traffic_dev && wait_rx_dropped || return 1
	ip netns del $B || return 1
	unload_ovl || fail "rmmod after netns delete under traffic"
	load_ovl
}

plan 4
run "ip link add and ovlctl load the module" t_autoload
run "rmmod with devices in several namespaces" t_rmmod_with_devices
run "netns delete with a bound device" t_netns_delete
run "link del, rmmod and netns delete under traffic" t_under_traffic
finish
