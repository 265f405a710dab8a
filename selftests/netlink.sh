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

t_no_cap()
{
	need setpriv || return $KSFT_SKIP
	setup || return 1
	expect_err 1 "Operation not permitted" ip netns exec $NS \
		setpriv --bounding-set=-net_admin --inh-caps=-net_admin \
		"$OVLCTL" dev set ovl0 node-id 9 || return 1
	expect_eq node_id "$(ovlctl -j dev show ovl0 | jq .node_id)" null || return 1
	ip netns exec $NS setpriv --bounding-set=-net_admin --inh-caps=-net_admin \
		"$OVLCTL" dev show ovl0 >/dev/null || fail "dev show needs no privilege"
}

load_ovl || skip_all "cannot load the ovl module"
plan 9
run "dev show: a fresh device" t_show_fresh
run "dev set: node id and a dual-stack socket" t_set
run "dev set: rebinding and closing the port" t_rebind
run "dev show without a name dumps this netns" t_dump
run "other namespaces' devices are invisible" t_netns_isolation
run "unknown and non-ovl devices rejected" t_bad_device
run "bad numbers and keywords rejected, nothing changed" t_bad_numbers
run "port in use: error, nothing changed" t_port_in_use
run "dev set without CAP_NET_ADMIN refused" t_no_cap
finish
