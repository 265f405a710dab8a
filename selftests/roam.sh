#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Roaming (docs/protocol.md, "Roaming"): a peer's endpoint follows a new
# address only once that address answered a probe.  Hosts A and B, and a
# third host M, each in a namespace behind a router R:
#
#   A a1 10.1.0.1 --- r1 10.1.0.254  R  r3 10.3.0.254 --- 10.3.0.2 b0 B
#   A a2 10.2.0.1 --- r2 10.2.0.254     (10.4.0.254)     (10.4.0.2)
#                           r5 10.5.0.254 --- 10.5.0.2 m0 M
#
# a2 and M exist only in the cases that use them.  Every peer has relay
# off and there is no beacon: only the endpoint is under test.  What a user
# sees is asserted: "ovlctl -j peer show" endpoints, pings, and what the
# third address and the router saw.

source "$(dirname "$0")/lib.sh"

R=ovl-r
M=ovl-m
TMP=$(mktemp -d)

# R's NAT (t_nat_rebind) registers IPv4 NAT and conntrack hooks, turning
# static keys on, and its namespace's deletion turns them off while the
# next case runs: a jump label rewritten under traffic, which
# multi-threaded TCG does not survive (docs/testing.md).  A namespace with
# an empty NAT chain holds them on from before the first case until after
# the last.
KEYS=ovl-roam-keys
hold_nat_keys()
{
	ip netns del $KEYS 2>/dev/null
	ip netns add $KEYS &&
	ip netns exec $KEYS nft add table ip hold &&
	ip netns exec $KEYS nft add chain ip hold post \
		'{ type nat hook postrouting priority 100; }'
}
trap 'cleanup_netns; ip netns del $KEYS 2>/dev/null; rm -rf "$TMP"' EXIT

# link NETNS DEV ADDR RADDR N: veth DEV in NETNS with ADDR/24, to R's rN
# with RADDR/24.
link()
{
	ip -n $R link add "r$5" type veth peer name "$2" netns "$1" &&
	ip -n $R addr add "$4/24" dev "r$5" &&
	ip -n $R link set "r$5" up &&
	ip -n "$1" addr add "$3/24" dev "$2" &&
	ip -n "$1" link set "$2" up
}

# ovl_up NETNS NODEID: ovl0 on port 4500 with 10.77.0.NODEID/24.
ovl_up()
{
	ip -n "$1" link add ovl0 type ovl &&
	ip netns exec "$1" "$OVLCTL" dev set ovl0 node-id "$2" listen-port 4500 &&
	ip -n "$1" addr add "10.77.0.$2/24" dev ovl0 &&
	ip -n "$1" link set ovl0 up
}

# roam_setup [two-uplinks] [third]: R, A and B as drawn, ovl0 on A and
# B; with two-uplinks A's a2 too, with third M.  The peers are not added.
roam_setup()
{
	local opt
	new_netns $R && new_netns $A && new_netns $B || return 1
	ip netns exec $R sysctl -qw net.ipv4.ip_forward=1 || return 1
	link $A a1 10.1.0.1 10.1.0.254 1 &&
	ip -n $A route add default via 10.1.0.254 &&
	link $B b0 10.3.0.2 10.3.0.254 3 &&
	ip -n $B route add default via 10.3.0.254 || return 1
	for opt in "$@"; do
		case $opt in
		two-uplinks)
			# Uplink 2 is used by what comes from its address only.
			link $A a2 10.2.0.1 10.2.0.254 2 &&
			ip netns exec $A sysctl -qw net.ipv4.conf.all.rp_filter=0 \
				net.ipv4.conf.a2.rp_filter=0 &&
			ip -n $A rule add from 10.2.0.1 table 102 &&
			ip -n $A route add default via 10.2.0.254 table 102 || return 1
			;;
		third)
			new_netns $M && link $M m0 10.5.0.2 10.5.0.254 5 &&
			ip -n $M route add default via 10.5.0.254 || return 1
			;;
		esac
	done
	ovl_up $A 1 && ovl_up $B 2
}

# peers A_EP B_EP: A takes B (node 2) at A_EP ("" for none), B takes A at
# B_EP; one fresh key pair, mirrored; relay off.
peers()
{
	local k1 k2
	k1=$("$OVLCTL" key generate) && k2=$("$OVLCTL" key generate) || return 1
	ip netns exec $A "$OVLCTL" peer add ovl0 2 ${1:+endpoint "$1"} \
		allowed-ips 10.77.0.2/32 &&
	ip netns exec $B "$OVLCTL" peer add ovl0 1 endpoint "$2" allowed-ips 10.77.0.1/32 &&
	ip netns exec $A "$OVLCTL" key set ovl0 2 id 1 tx-key "$k1" rx-key "$k2" &&
	ip netns exec $B "$OVLCTL" key set ovl0 1 id 1 tx-key "$k2" rx-key "$k1" &&
	ip netns exec $A "$OVLCTL" peer set ovl0 2 relay off &&
	ip netns exec $B "$OVLCTL" peer set ovl0 1 relay off
}

ping_ok()
{
	ip netns exec "$1" ping -q -c 3 -i 0.2 -W 2 "$2" >/dev/null ||
		fail "ping $2 from $1"
}

# wait_endpoint NETNS NODEID EP SECS: until the peer's endpoint is EP;
# prints how long it took, in ms.
wait_endpoint()
{
	local start now
	start=$(date +%s%3N)
	while [ "$(peer_json "$1" "$2" .endpoint)" != "$3" ]; do
		now=$(date +%s%3N)
		[ $((now - start)) -lt $(($4 * 1000)) ] ||
			{ fail "$1: peer $2 at $(peer_json "$1" "$2" .endpoint), not $3 after $4 s" >&2
			  return 1; }
		sleep 0.05
	done
	echo $(($(date +%s%3N) - start))
}

# A DATA datagram that A sent B, captured in R with the original dropped
# there, is replayed from M: B accepts it (it is genuine and newer than
# anything B has seen) and probes M, which cannot answer; B's endpoint for A
# stays, and B's traffic keeps going to A, none to M.
t_replay_from_third_address()
{
	local out before
	roam_setup third || return 1
	peers 10.3.0.2:4500 10.1.0.1:4500 || return 1
	ping_ok $A 10.77.0.2 && ping_ok $B 10.77.0.1 || return 1
	expect_eq "B's endpoint for A" "$(peer_json $B 1 .endpoint)" 10.1.0.1:4500 ||
		return 1
	# A's datagrams to B go no further than R from now on.
	ip netns exec $R nft -f - <<EOF || return 1
table inet cut {
	chain forward {
		type filter hook forward priority 0;
		ip saddr 10.1.0.1 ip daddr 10.3.0.2 udp dport 4500 drop
	}
}
EOF
	# A pings until the capture (10 s at most) has its datagram.
	ip netns exec $A ping -q -c 50 -i 0.2 -W 1 10.77.0.2 >/dev/null 2>&1 &
	local aping=$!
	ip netns exec $R "$PYTHON" "$REPO/selftests/replay_from.py" capture r1 \
		10.3.0.2 4500 "$TMP/capture" >"$TMP/cap.out" 2>&1
	local cap=$?
	kill $aping
	wait $aping
	cat "$TMP/cap.out"
	[ $cap = 0 ] || fail "nothing captured" || return 1
	# B keeps sending to its endpoint for A meanwhile.
	ip netns exec $B ping -i 0.2 10.77.0.1 >/dev/null 2>&1 &
	local bping=$!
	before="$(drops $B replay)/$(drops $B bad_tag)"
	out=$(ip netns exec $M "$PYTHON" "$REPO/selftests/replay_from.py" send \
		10.5.0.2:4500 10.3.0.2:4500 "$TMP/capture" 3) ||
		{ echo "$out"; kill $bping; fail "replay_from.py send"; return 1; }
	kill $bping
	echo "$out"
	# The capture was accepted: not a replay to B's window, not forged.
	expect_eq "B's replay/bad_tag drops" "$(drops $B replay)/$(drops $B bad_tag)" \
		"$before" || return 1
	expect_eq "B's endpoint for A" "$(peer_json $B 1 .endpoint)" 10.1.0.1:4500 ||
		return 1
	grep -q 'received data=0 ' <<<"$out" ||
		fail "B's traffic went to the third address" || return 1
	grep -qE 'probe=[1-9]' <<<"$out" ||
		fail "B did not probe the third address" || return 1
	ip netns exec $R nft delete table inet cut || return 1
	ping_ok $A 10.77.0.2 && ping_ok $B 10.77.0.1 &&
	expect_eq "B's endpoint for A after healing" "$(peer_json $B 1 .endpoint)" \
		10.1.0.1:4500
}

# flush_conntrack NETNS: forget every IPv4 conntrack entry (so every NAT
# mapping), like "conntrack -F", over ctnetlink.
flush_conntrack()
{
	ip netns exec "$1" "$PYTHON" - <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
# IPCTNL_MSG_CT_DELETE of subsystem CTNETLINK, no attribute: the whole table.
msg = struct.pack("=IHHII", 20, (1 << 8) | 2, 0x1 | 0x4, 1, 0)
msg += struct.pack("=BBH", socket.AF_INET, 0, 0)
s.send(msg)
err = struct.unpack("=i", s.recv(4096)[16:20])[0]
sys.exit(0 if err == 0 else f"ctnetlink flush: error {err}")
PY
}

# firewall: R lets into B's side only what answers a flow B opened (a
# stateful firewall, as in front of any NAT), and each of A's uplinks takes
# only its own source addresses (BCP 38).  The drops are counted under the
# comments "unsolicited" and "bcp38".
firewall()
{
	ip netns exec $R nft -f - <<EOF
table ip fw {
	chain forward {
		type filter hook forward priority 0;
		oifname "r3" ct state established,related accept
		oifname "r3" counter drop comment "unsolicited"
		iifname "r1" ip saddr != 10.1.0.0/24 counter drop comment "bcp38"
		iifname "r2" ip saddr != 10.2.0.0/24 counter drop comment "bcp38"
	}
}
EOF
}

# fw_drops COMMENT: packets R's firewall dropped under COMMENT.
fw_drops()
{
	ip netns exec $R nft -j list table ip fw |
		jq "[.nftables[].rule? | select(.comment == \"$1\") | .expr[] |
			.counter?.packets | select(. != null)] | add"
}

# snat PORT: R maps B's datagrams to A onto its own address 10.1.0.254:PORT,
# replacing the mapping rule in one transaction: NAT never stops on the
# way (an unmapped datagram from B would be a leak, not a rebinding).
snat()
{
	ip netns exec $R nft -f - <<EOF
table ip nat {
	chain post {
		type nat hook postrouting priority 100;
	}
}
flush chain ip nat post
add rule ip nat post oifname "r1" ip saddr 10.3.0.2 udp sport 4500 snat to 10.1.0.254:$1
EOF
}

# B is behind R's NAT and A does not know where B is: B's first datagrams
# teach A (confirmed by a probe).  Then the NAT rebinds (a new port, the
# old mapping forgotten) while B pings A every 0.2 s: A follows within one
# probe interval (1 s) of B's first datagram from the new port: the ping
# goes on, having lost at most what A answered to the dead mapping in
# that time.
t_nat_rebind()
{
	local t lost
	roam_setup && firewall && snat 41000 || return 1
	peers "" 10.1.0.1:4500 || return 1
	ping_ok $B 10.77.0.1 || return 1
	expect_eq "A learnt B's mapping" "$(peer_json $A 2 .endpoint)" 10.1.0.254:41000 ||
		return 1
	ip netns exec $B ping -i 0.2 10.77.0.1 >"$TMP/ping" 2>&1 &
	local bping=$!
	sleep 1
	snat 42000 && flush_conntrack $R || { kill $bping; return 1; }
	# B pings every 0.2 s: its next echo request comes from the new port.
	t=$(wait_endpoint $A 2 10.1.0.254:42000 10) || { kill $bping; return 1; }
	echo "A followed the rebinding after $t ms"
	sleep 2
	kill -INT $bping
	wait $bping
	tail -n 2 "$TMP/ping"
	# Counted in pings, not timed with ovlctl polls (slow in a loaded VM):
	# the echoes A answered to the dead mapping within one probe interval
	# (1 s, 5 pings) of B's first datagram from the new port, and one in
	# flight when the ping stopped.
	lost=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1-\2/p' "$TMP/ping")
	echo "$((lost)) pings lost"
	[ $((lost)) -le 6 ] || fail "$((lost)) pings lost, more than one probe interval's" ||
		return 1
	ping_ok $A 10.77.0.2
}

# A is multi-homed: uplink 1 is its default route, uplink 2 serves only
# what comes from its own address (policy routing).  B, behind R's stateful
# firewall, talks to A's uplink 2 address: A must answer from that address
# over uplink 2, or the firewall (not a flow B opened) or the uplink
# (BCP 38) drops it.  Then B moves from 10.3.0.0/24 to 10.4.0.0/24 while
# pings run both ways: A's endpoint follows, source and route with it, and
# R drops nothing of A's all along.
t_two_subnets()
{
	local t n
	roam_setup two-uplinks || return 1
	ip -n $R addr add 10.4.0.254/24 dev r3 && firewall || return 1
	peers 10.3.0.2:4500 10.2.0.1:4500 || return 1
	# B first: A learns which of its addresses B talks to.
	ping_ok $B 10.77.0.1 && ping_ok $A 10.77.0.2 || return 1
	ip netns exec $A ping -i 0.2 10.77.0.2 >"$TMP/ping-a" 2>&1 &
	local aping=$!
	ip netns exec $B ping -i 0.2 10.77.0.1 >"$TMP/ping-b" 2>&1 &
	local bping=$!
	sleep 1
	ip -n $B addr add 10.4.0.2/24 dev b0 &&
	ip -n $B route replace default via 10.4.0.254 src 10.4.0.2 &&
	ip -n $B addr del 10.3.0.2/24 dev b0 || { kill $aping $bping; return 1; }
	t=$(wait_endpoint $A 2 10.4.0.2:4500 10) || { kill $aping $bping; return 1; }
	echo "A followed B to its new subnet after $t ms"
	sleep 2
	kill -INT $aping $bping
	wait $aping $bping
	tail -n 2 "$TMP/ping-a" "$TMP/ping-b"
	ping_ok $A 10.77.0.2 && ping_ok $B 10.77.0.1 || return 1
	for n in unsolicited bcp38; do
		expect_eq "datagrams of A's dropped by R ($n)" "$(fw_drops $n)" 0 ||
			return 1
	done
}

need nft jq ping || skip_all "needs nft, jq and ping"
load_ovl || skip_all "cannot load the ovl module"
hold_nat_keys || skip_all "cannot set up NAT (nftables)"
plan 3
run "a replayed capture from a third address does not move the endpoint" \
	t_replay_from_third_address
run "a NAT rebinding moves the endpoint within one probe interval" t_nat_rebind
run "a roam between two outer subnets under traffic, source and route follow" \
	t_two_subnets
finish
