# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The relay topology, shared by relay.sh and bench/relay.sh (source
# lib.sh first): hosts A and B and a beacon C, each in its own network
# namespace behind a router R, where nftables can cut the A<->B UDP path.
#
#      A 10.0.1.2 --- R --- 10.0.2.2 B
#                     |
#                  10.0.3.2 C (ovl-beacon :7000)

R=ovl-r
C=ovl-c
BEACON=10.0.3.2:7000
BEACON_BIN=$REPO/tool/beacon/ovl-beacon

# relay_setup [DEV SET ARGS...]: the topology above; the extra arguments
# go to "dev set" on both hosts (thresholds).  Each namespace's links,
# addresses and routes are one "ip -batch".
relay_setup()
{
	local n ns=("" $A $B $C)
	add_netns $R $A $B $C || return 1
	ip netns exec $R sysctl -qw net.ipv4.ip_forward=1 || return 1
	ip -n $R -batch - <<EOF || return 1
link set lo up
$(for n in 1 2 3; do
	echo "link add r$n type veth peer name v0 netns ${ns[n]}"
	echo "addr add 10.0.$n.1/24 dev r$n"
	echo "link set r$n up"
done)
EOF
	for n in 1 2 3; do
		ip -n "${ns[n]}" -batch - <<EOF || return 1
link set lo up
addr add 10.0.$n.2/24 dev v0
link set v0 up
route add default via 10.0.$n.1
$([ $n = 3 ] || echo "link add ovl0 type ovl")
$([ $n = 3 ] || echo "addr add 10.77.0.$n/24 dev ovl0")
EOF
	done
	beacon_start || return 1
	for n in 1 2; do
		ip netns exec "${ns[n]}" "$OVLCTL" dev set ovl0 node-id $n \
			listen-port 4500 beacon $BEACON "$@" &&
		ip -n "${ns[n]}" link set ovl0 up || return 1
	done
	keyed_peers 10.0.1.2:4500 10.77.0.1/32 10.0.2.2:4500 10.77.0.2/32 ||
		return 1
	beacon_register $A ovl0 1 && beacon_register $B ovl0 2 &&
	wait_registered $A && wait_registered $B
}

# relay_pki [NODEID...]: a CA of the test's own ($RELAY_PKI/ca.key), and
# an identity and a certificate of it for each NODEID ($RELAY_PKI/nN.key,
# nN.crt); what exists already is kept.  A script calls it once before
# its cases (each case runs in a subshell: what it makes is lost), so
# that they do not pay for it each time.
relay_pki()
{
	local id key
	if [ -z "${RELAY_PKI:-}" ]; then
		RELAY_PKI=$(mktemp -d -p "${TMP:-/tmp}") &&
		(umask 077; "$OVLCTL" genkey >"$RELAY_PKI/ca.key") &&
		"$OVLCTL" pubkey <"$RELAY_PKI/ca.key" >"$RELAY_PKI/ca.pub" ||
			return 1
	fi
	for id in "$@"; do
		key=$RELAY_PKI/n$id.key
		[ -f "$RELAY_PKI/n$id.crt" ] && continue
		(umask 077; "$OVLCTL" genkey >"$key") &&
		"$OVLCTL" cert sign --ca-key "$RELAY_PKI/ca.key" --node-id "$id" \
			--pubkey "$("$OVLCTL" pubkey <"$key")" \
			--address "10.77.0.$id/32" >"$RELAY_PKI/n$id.crt" || return 1
	done
}

# beacon_start: ovl-beacon in C, trusting the certificates of the test's
# CA (relay_pki).  A beacon relays only for nodes that registered with
# such a certificate (docs/beacon-auth.md).
beacon_start()
{
	relay_pki || return 1
	ip netns exec $C "$BEACON_BIN" --listen $BEACON --expire 30 \
		--ca "$RELAY_PKI/ca.pub" >/dev/null 2>&1 &
	BEACON_PID=$!
}

# beacon_register NETNS DEV NODEID: NETNS's DEV, node NODEID, registers
# with its beacon under an identity and a certificate of the test's CA, as
# the daemon would ("ovlctl beacon register"); the kernel refreshes and
# relays under the keys agreed.
beacon_register()
{
	relay_pki "$3" || return 1
	ip netns exec "$1" "$OVLCTL" beacon register "$2" \
		--identity "$RELAY_PKI/n$3.key" \
		--certificate "$RELAY_PKI/n$3.crt" >/dev/null ||
		fail "$1: $2 (node $3) did not register with the beacon"
}

# wait_registered NETNS: the beacon reflected NETNS's address (its
# authenticated answer to the kernel's first refresh).
wait_registered()
{
	local i
	for i in $(seq 50); do
		[ "$(ip netns exec "$1" "$OVLCTL" -j dev show ovl0 | jq -r .public_endpoint)" != null ] &&
			return 0
		sleep 0.1
	done
	fail "$1 did not register with the beacon"
}

# path NETNS NODEID: "direct" or "relay"
path()
{
	peer_json "$1" "$2" .path
}

# wait_path NETNS NODEID PATH SECS: until the peer's path is PATH; prints
# how long it took, in ms.
wait_path()
{
	local start now
	start=$(date +%s%3N)
	while [ "$(path "$1" "$2")" != "$3" ]; do
		now=$(date +%s%3N)
		[ $((now - start)) -lt $(($4 * 1000)) ] ||
			{ fail "$1: peer $2 not $3 after $4 s" >&2; return 1; }
		sleep 0.1
	done
	echo $(($(date +%s%3N) - start))
}

# cut SPEC: drop UDP between A and B in R; SPEC is "both", "a2b" or
# "unreach" (both ways, answered with ICMP host unreachable).
cut()
{
	local verdict=drop
	[ "$1" = unreach ] && verdict="reject with icmp type host-unreachable"
	ip netns exec $R nft -f - <<EOF || return 1
table inet cut {
	chain forward {
		type filter hook forward priority 0;
		ip saddr 10.0.1.2 ip daddr 10.0.2.2 udp dport 4500 $verdict
		$([ "$1" = a2b ] || echo "ip saddr 10.0.2.2 ip daddr 10.0.1.2 udp dport 4500 $verdict")
	}
}
EOF
}

heal()
{
	ip netns exec $R nft delete table inet cut
}

# start_ping: A pings B through the overlay in the background, 5 a second.
start_ping()
{
	ip netns exec $A ping -i 0.2 -W 1 10.77.0.2 >"$TMP/ping" 2>&1 &
	PING_PID=$!
}

# ping_ok: B answers A through the overlay right now.
ping_ok()
{
	ip netns exec $A ping -c 3 -i 0.2 -W 2 10.77.0.2 >/dev/null ||
		fail "ping A -> B failed"
}

# monitor NETNS: path events of NETNS's ovl0 go to $TMP/events-NETNS.
monitor()
{
	ip netns exec "$1" "$OVLCTL" -j monitor ovl0 >"$TMP/events-$1" &
	sleep 0.3
}

flips()
{
	peer_json "$1" "$2" .flips
}
