#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ovl link kind: what "ip link add NAME type ovl" makes, and that
# deleting it gives everything back.
source "$(dirname "$0")/lib.sh"

NS=ovl-dev

t_create()
{
	local j
	new_netns $NS || return 1
	ip -n $NS link add ovl0 type ovl && ip -n $NS link set ovl0 up || return 1
	j=$(ip -n $NS -d -j link show ovl0) || return 1
	expect_eq kind "$(jget "$j" '.[0].linkinfo.info_kind')" ovl &&
	expect_eq link_type "$(jget "$j" '.[0].link_type')" none &&
	expect_eq mtu "$(jget "$j" '.[0].mtu')" 1407 &&
	expect_eq min_mtu "$(jget "$j" '.[0].min_mtu')" 68 &&
	expect_eq address "$(jget "$j" '.[0].address // "none"')" none &&
	expect_eq noarp "$(jget "$j" '.[0].flags | index("NOARP") != null')" true &&
	expect_eq p2p "$(jget "$j" '.[0].flags | index("POINTOPOINT") != null')" true &&
	expect_eq qdisc "$(jget "$j" '.[0].qdisc')" noqueue
}

t_features()
{
	local k
	need ethtool || return $KSFT_SKIP
	new_netns $NS && ip -n $NS link add ovl0 type ovl || return 1
	expect_eq driver "$(ip netns exec $NS ethtool -i ovl0 | awk '/^driver:/ {print $2}')" ovl ||
		return 1
	k=$(ip netns exec $NS ethtool -k ovl0) || return 1
	echo "$k" | grep -q '^scatter-gather: on' || fail "no scatter-gather" || return 1
	echo "$k" | grep -q '^generic-segmentation-offload: on' || fail "no GSO" || return 1
	echo "$k" | grep -q '^tx-checksumming: on' || fail "no tx checksum offload"
}

# The UDP socket belongs to the device's namespace: the device stays there.
t_netns_local()
{
	new_netns $NS && new_netns $NS-other && ip -n $NS link add ovl0 type ovl || return 1
	expect_err 2 "." ip -n $NS link set ovl0 netns $NS-other || return 1
	ip -n $NS link show ovl0 >/dev/null || fail "device gone"
}

t_mtu()
{
	new_netns $NS && ip -n $NS link add ovl0 type ovl || return 1
	ip -n $NS link set ovl0 mtu 1280 || return 1
	expect_eq mtu "$(jget "$(ip -n $NS -j link show ovl0)" '.[0].mtu')" 1280 || return 1
	! ip -n $NS link set ovl0 mtu 67 2>/dev/null || fail "mtu 67 accepted" || return 1
	! ip -n $NS link set ovl0 mtu 65535 2>/dev/null || fail "mtu 65535 accepted" || return 1
	ip -n $NS link set ovl0 mtu 65442	# IP_MAX_MTU - OVL_OVERHEAD (93)
}

t_no_lladdr()
{
	new_netns $NS || return 1
	expect_err 2 "no link-layer address" \
		ip -n $NS link add ovl0 address 02:00:00:00:00:01 type ovl || return 1
	! ip -n $NS link show ovl0 2>/dev/null || fail "device created anyway"
}

# With no peer to take them, packets are dropped, counted, and the sender
# is told the destination is unreachable.
t_no_peer()
{
	local out j
	need ping || return $KSFT_SKIP
	new_netns $NS && ip -n $NS link add ovl0 type ovl || return 1
	ip -n $NS addr add 10.77.0.1/24 dev ovl0 && ip -n $NS link set ovl0 up || return 1
	out=$(ip netns exec $NS ping -c 2 -i 0.2 -W 1 10.77.0.2 2>&1)
	echo "$out"
	echo "$out" | grep -q "Destination Host Unreachable" ||
		fail "ping was not told the host is unreachable" || return 1
	j=$(ip -n $NS -s -j link show ovl0)
	[ "$(jget "$j" '.[0].stats64.tx.dropped')" -ge 2 ] ||
		fail "tx dropped: $(jget "$j" '.[0].stats64.tx.dropped')"
}

t_delete()
{
	new_netns $NS && ip -n $NS link add ovl0 type ovl || return 1
	ip netns exec $NS "$OVLCTL" dev set ovl0 node-id 1 listen-port 4500 || return 1
	udp_port_free $NS 4500 4 && fail "port 4500 free while the device holds it" && return 1
	ip -n $NS link del ovl0 || return 1
	! ip -n $NS link show ovl0 2>/dev/null || fail "device still there" || return 1
	udp_port_free $NS 4500 4 || fail "IPv4 port 4500 still taken" || return 1
	udp_port_free $NS 4500 6 || fail "IPv6 port 4500 still taken"
}

t_many()
{
	local i
	new_netns $NS || return 1
	for i in $(seq 0 63); do
		ip -n $NS link add ovl$i type ovl || return 1
	done
	expect_eq count "$(ip -n $NS -j link show type ovl | jq length)" 64 || return 1
	for i in $(seq 0 63); do
		ip -n $NS link del ovl$i || return 1
	done
	expect_eq count "$(ip -n $NS -j link show type ovl | jq length)" 0
}

load_ovl || skip_all "cannot load the ovl module"
plan 8
run "ip link add type ovl makes a layer-3 device" t_create
run "ethtool shows driver and offloads" t_features
run "device cannot change namespace" t_netns_local
run "mtu within bounds" t_mtu
run "link-layer address rejected" t_no_lladdr
run "no peer: dropped, counted, host unreachable" t_no_peer
run "ip link del frees the device and its port" t_delete
run "64 devices created and deleted" t_many
finish
