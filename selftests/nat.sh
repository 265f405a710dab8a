#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Beacon protocol v2 end to end (issue 11, docs/beacon-auth.md): nodes 1
# and 2, each behind a router of its own that masquerades (nftables), know
# each other only by public key (no endpoint) and an ovl-beacon that
# checks their certificates (--ca).  Their daemons register (cookie,
# signature, keys), the kernels refresh and relay under the keys, and
# hole punching takes them from relay to direct.  With one router
# randomizing source ports (a symmetric NAT) no punch can work: they stay
# relayed, without a flip.
source "$(dirname "$0")/lib.sh"

TOP=$(mktemp -d)
SW=ovl-nsw
BEACON_BIN=$REPO/tool/beacon/ovl-beacon
trap 'cleanup_netns; pkill -f "ovlctl daemon" 2>/dev/null; pkill -f beacon_attack.py 2>/dev/null; pkill -f "ovl-beacon --listen 198.51.100.9" 2>/dev/null; rm -rf "$TOP"' EXIT

source "$(dirname "$0")/daemon_lib.sh"

command -v nft >/dev/null || skip_all "no nft"

# The symmetric NAT's soak: 60 s, 20 s in the short form (OVL_SMOKE,
# docs/testing.md); OVL_NAT_SOAK=S by hand.
SOAK=${OVL_NAT_SOAK:-${OVL_SMOKE:+20}}
SOAK=${SOAK:-60}

# nat_topology [random]: the "internet" (namespace $SW, bridge br0, the
# beacon at 198.51.100.9); routers ovl-rN at 198.51.100.N masquerading
# 10.N.0.0/24, node N (ovl-dN) at 10.N.0.2 behind it.  "random": router
# 2 picks a random source port per flow (a symmetric NAT).  As home
# routers do, a router drops what comes unasked to its own address: a
# punch that arrives before the other side's has opened its mapping is
# lost (and leaves no conntrack entry to clash with that mapping), not
# answered with an ICMP error.
nat_topology()
{
	local n flags
	new_netns $SW && ip -n $SW link add br0 type bridge &&
	ip -n $SW addr add 198.51.100.9/24 dev br0 &&
	ip -n $SW link set br0 up || return 1
	for n in 1 2; do
		flags=
		[ "$1" = random ] && [ $n = 2 ] && flags=random
		new_netns ovl-r$n && new_netns ovl-d$n &&
		ip -n $SW link add p$n type veth peer name w0 netns ovl-r$n &&
		ip -n $SW link set p$n master br0 up &&
		ip -n ovl-r$n addr add 198.51.100.$n/24 dev w0 &&
		ip -n ovl-r$n link set w0 up &&
		ip -n ovl-r$n link add lan0 type veth peer name e0 netns ovl-d$n &&
		ip -n ovl-r$n addr add 10.$n.0.1/24 dev lan0 &&
		ip -n ovl-r$n link set lan0 up &&
		ip -n ovl-d$n addr add 10.$n.0.2/24 dev e0 &&
		ip -n ovl-d$n link set e0 up &&
		ip -n ovl-d$n route add default via 10.$n.0.1 &&
		ip netns exec ovl-r$n sysctl -qw net.ipv4.ip_forward=1 &&
		ip netns exec ovl-r$n nft -f - <<-EOF || return 1
		table ip nat {
			chain post {
				type nat hook postrouting priority srcnat;
				oifname "w0" ip saddr 10.$n.0.0/24 masquerade $flags
			}
			chain in {
				type filter hook input priority filter;
				iifname "w0" ct state new drop
			}
		}
		EOF
	done
}

# nat_conf N PEER: node N behind its NAT, the beacon, PEER by key only.
nat_conf()
{
	{
		printf '[device]\nlisten-port = 4500\n'
		printf 'identity = %s\ncertificate = %s\n' "$D/n$1.key" "$D/n$1.crt"
		printf 'ca = %s\nbeacon = 198.51.100.9:3478\n' "$(cat "$D/ca.pub")"
		printf '\n[peer %s]\npublic-key = %s\n' "$2" "$(cat "$D/n$2.pub")"
		printf 'allowed-ips = 10.77.0.%s/32, fd77::%s/128\n' "$2" "$2"
	} >"$D/n$1.conf"
}

# The beacon; --prefix-quota 4 for the attacker's table flood.
beacon_start()
{
	ip netns exec $SW "$BEACON_BIN" --listen 198.51.100.9:3478 \
		--ca "$(cat "$D/ca.pub")" --stats-file "$D/beacon.stats" \
		--prefix-quota 4 >"$D/beacon.log" 2>&1 &
	BPID=$!
}

# The attacker: namespace ovl-atk on the internet's bridge at
# 203.0.113.66 and .67 (a /24 of its own: the beacon's quotas count per
# /24, and the victims' routers are in 198.51.100.0/24).
attacker()
{
	new_netns ovl-atk &&
	ip -n $SW link add p9 type veth peer name e0 netns ovl-atk &&
	ip -n $SW link set p9 master br0 up &&
	ip -n $SW addr add 203.0.113.9/24 dev br0 &&
	ip -n ovl-atk addr add 203.0.113.66/24 dev e0 &&
	ip -n ovl-atk addr add 203.0.113.67/24 dev e0 &&
	ip -n ovl-atk link set e0 up &&
	ip -n ovl-atk route add 198.51.100.0/24 dev e0
}

# beacon_stat NAME: the beacon's counter NAME (its stats file, written on
# SIGUSR1).
beacon_stat()
{
	jq ".$1" "$D/beacon.stats"
}

# peer_json N PEER: node N's kernel peer PEER (ovlctl -j peer show).
peer_json()
{
	ip netns exec ovl-d$1 "$OVLCTL" -j peer show ovl0 "$2"
}

# wait_path N PEER PATH SECONDS
wait_path()
{
	local i
	for i in $(seq $(($4 * 5))); do
		[ "$(peer_json "$1" "$2" | jq -r .path)" = "$3" ] && return 0
		sleep 0.2
	done
	fail "node $1: peer $2 not $3 in $4 s"
	peer_json "$1" "$2"
	for i in 1 2; do
		ip netns exec ovl-d$i "$OVLCTL" -j dev show ovl0 |
			jq -c '{public_endpoint, beacon_auth, drops: (.drops | with_entries(select(.value > 0)))}'
	done
	kill -USR1 $BPID
	sleep 0.5
	cat "$D"/n*.log "$D/beacon.log" "$D/beacon.stats"
	return 1
}

# registered N: node N's daemon registered with the beacon (v2) and its
# kernel holds the keys.
registered()
{
	local i
	for i in $(seq 50); do
		[ "$(jq -r .beacon_registration.state "$D/run$1/ovl0.json" 2>/dev/null)" = registered ] &&
			[ "$(ip netns exec ovl-d$1 "$OVLCTL" -j dev show ovl0 | jq .beacon_auth)" = true ] &&
			return 0
		sleep 0.2
	done
	fail "node $1 not registered with the beacon"
	cat "$D/n$1.log" "$D/beacon.log"
	jq . "$D/run$1/ovl0.json"
	return 1
}

two_behind_nats()
{
	fresh
	ca ca && node 1 && node 2 && nat_conf 1 2 && nat_conf 2 1 &&
	nat_topology "${1:-}" || return 1
	beacon_start
	start 1; start 2
	registered 1 && registered 2 || return 1
	# The public endpoint is what the router made of node N's port.
	expect_eq "node 1 seen as" "$(jq -r .beacon_registration.public_endpoint "$D/run1/ovl0.json" | cut -d: -f1)" 198.51.100.1 &&
	wait_handshake 1 2 20 || return 1
	ip netns exec ovl-d1 ping -q -c 3 -i 0.2 -w 10 10.77.0.2 >/dev/null ||
		fail "no ping through the beacon" || return 1
}

t_punch()
{
	local before after
	two_behind_nats || return 1
	# Relayed (no endpoint, no way in), then punched through.
	wait_path 1 2 direct 40 && wait_path 2 1 direct 20 || return 1
	peer_json 1 2 | jq -c '{path, endpoint, flips}'
	expect_eq "node 1's endpoint for 2" "$(peer_json 1 2 | jq -r .endpoint | cut -d: -f1)" 198.51.100.2 || return 1
	OVL_RUNDIR=$D/run1 ip netns exec ovl-d1 "$OVLCTL" show ovl0 | grep -E "path|endpoint" | head -4
	# Direct now: a transfer adds nothing to the relay counters.
	before=$(peer_json 1 2 | jq .relay_tx_packets)
	ip netns exec ovl-d2 timeout 20 iperf3 -s -1 -B 10.77.0.2 >/dev/null 2>&1 &
	sleep 0.5
	ip netns exec ovl-d1 timeout 20 iperf3 -c 10.77.0.2 -t 2 -J >"$D/iperf.json" ||
		fail "iperf3 across the punched path" || return 1
	after=$(peer_json 1 2 | jq .relay_tx_packets)
	echo "direct: $(jq '.end.sum_received.bits_per_second / 1e6 | floor' "$D/iperf.json") Mbit/s"
	expect_eq "relayed packets during the transfer" "$((after - before))" 0
}

# Behind a symmetric NAT the pair stays relayed; meanwhile an attacker
# (selftests/beacon_attack.py) tries the attacks of issue 11 on the
# beacon: each fails and is counted, and the pair's relayed traffic goes
# on without a flip.
t_symmetric()
{
	local flips1 flips2 relayed name
	two_behind_nats random && attacker || return 1
	flips1=$(peer_json 1 2 | jq .flips)
	flips2=$(peer_json 2 1 | jq .flips)
	relayed=$(peer_json 2 1 | jq .relay_rx_packets)
	ip netns exec ovl-atk python3 "$(dirname "$0")/beacon_attack.py" \
		198.51.100.9:3478 203.0.113.66 203.0.113.67 "$OVLCTL" \
		"$D/ca.key" 1 "$D/n1.crt" >"$D/attack.json" 2>&1 &
	ATTACK=$!
	# A ping a second through the beacon all along; each of the $SOAK
	# requests must be answered (ping_unanswered); -w bounds the wait.
	ip netns exec ovl-d1 ping -D -O -i 1 -c "$SOAK" -w $((SOAK + 15)) 10.77.0.2 >"$D/ping" 2>&1 &
	PING=$!
	# Punches go on (at once, 10 s, 20 s ...) and never find a way.
	sleep "$SOAK"
	wait $ATTACK || { fail "the attacker got through: $(cat "$D/attack.json")"; return 1; }
	wait $PING
	cat "$D/attack.json"
	grep -E "packets transmitted" "$D/ping"
	peer_json 1 2 | jq -c '{path, flips, relay_tx_packets}'
	expect_eq "node 1's path" "$(peer_json 1 2 | jq -r .path)" relay &&
	expect_eq "node 2's path" "$(peer_json 2 1 | jq -r .path)" relay &&
	expect_eq "node 1's flips" "$(peer_json 1 2 | jq .flips)" "$flips1" &&
	expect_eq "node 2's flips" "$(peer_json 2 1 | jq .flips)" "$flips2" &&
	expect_eq "pings through the beacon never answered" "$(ping_unanswered "$D/ping" "$SOAK")" "" || {
		grep -E "no answer" "$D/ping"
		for i in 1 2; do
			ip netns exec ovl-d$i "$OVLCTL" -j dev show ovl0 |
				jq -c '{drops: (.drops | with_entries(select(.value > 0)))}'
			peer_json $i $((3 - i)) | jq -c .
		done
		kill -USR1 $BPID
		sleep 0.5
		cat "$D/beacon.stats" "$D/beacon.log"
		return 1
	}
	[ "$(peer_json 2 1 | jq .relay_rx_packets)" -ge $((relayed + SOAK)) ] ||
		fail "node 2 received less than the pings through the beacon" || return 1
	# What the beacon counted of the attacks, and the table flood's quota.
	kill -USR1 $BPID
	sleep 0.5
	jq -c '{bad_cert, bad_sig, bad_cookie, bad_mac, relay_unregistered, punch_refused, prefix_quota, rate_limited, reregister_sent}' "$D/beacon.stats"
	for name in bad_cert bad_sig bad_cookie relay_unregistered punch_refused prefix_quota rate_limited; do
		[ "$(beacon_stat $name)" -gt 0 ] ||
			fail "the beacon counted no $name" || return 1
	done
	expect_eq "registrations of the flood (quota 4)" "$(jq .flood_registered "$D/attack.json")" 4 &&
	expect_eq "victim still registered" "$(jq -r .beacon_registration.state "$D/run1/ovl0.json")" registered
}

[ -x "$BEACON_BIN" ] || skip_all "no $BEACON_BIN"
plan 2
run "behind two NATs: registered, relayed, punched, direct" t_punch
run "symmetric NAT: relayed, no flip in $SOAK s, while an attacker namespace fails at takeover, forged registration, open relay, punch reflection, enumeration, flood" t_symmetric
finish
