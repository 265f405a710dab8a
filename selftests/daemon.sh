#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The control daemon (ovlctl daemon DEV -c FILE): nodes that hold only an
# identity, a CA-signed certificate and a config file find each other,
# handshake (Noise IK) and talk, with no "ovlctl key" anywhere; refused
# certificates make no session; a killed daemon leaves traffic flowing
# and a restarted one handshakes again; SIGHUP adds and removes peers.
source "$(dirname "$0")/lib.sh"

TOP=$(mktemp -d)
N1=ovl-d1 N2=ovl-d2 N3=ovl-d3 SW=ovl-dsw
trap 'cleanup_netns; pkill -f "ovlctl daemon" 2>/dev/null; rm -rf "$TOP"' EXIT

# fresh: a directory of its own for the case (cases run in subshells).
fresh()
{
	D=$(mktemp -d -p "$TOP")
}

# ca NAME: a CA identity in $D/NAME.key, its public key in $D/NAME.pub.
ca()
{
	(umask 077; "$OVLCTL" genkey >"$D/$1.key") &&
	"$OVLCTL" pubkey <"$D/$1.key" >"$D/$1.pub"
}

# node N [CA [NODEID [CERT OPTIONS...]]]: identity $D/nN.key and a
# certificate $D/nN.crt for 10.77.0.N/32 and fd77::N/128 signed by CA
# (default "ca") for NODEID (default N).
node()
{
	local n=$1 ca=${2:-ca} id=${3:-$1}
	shift 3 2>/dev/null || shift $#
	(umask 077; "$OVLCTL" genkey >"$D/n$n.key") &&
	"$OVLCTL" pubkey <"$D/n$n.key" >"$D/n$n.pub" &&
	"$OVLCTL" cert sign --ca-key "$D/$ca.key" --node-id "$id" \
		--pubkey "$(cat "$D/n$n.pub")" --address 10.77.0.$n/32 \
		--address fd77::$n/128 "$@" >"$D/n$n.crt"
}

# conf N REKEY PEER...: $D/nN.conf for node N with these peers.
conf()
{
	local n=$1 rekey=$2 m
	shift 2
	{
		printf '[device]\nlisten-port = 4500\n'
		printf 'identity = %s\ncertificate = %s\n' "$D/n$n.key" "$D/n$n.crt"
		printf 'ca = %s\nrekey-after-seconds = %s\n' "$(cat "$D/ca.pub")" "$rekey"
		for m in "$@"; do
			printf '\n[peer %s]\npublic-key = %s\n' "$m" "$(cat "$D/n$m.pub")"
			printf 'endpoint = 192.0.2.%s:4500\n' "$m"
			printf 'allowed-ips = 10.77.0.%s/32, fd77::%s/128\n' "$m" "$m"
		done
	} >"$D/n$n.conf"
}

# hosts N...: namespaces ovl-dN on one bridge, outer 192.0.2.N/24.
hosts()
{
	local n
	new_netns $SW && ip -n $SW link add br0 type bridge &&
	ip -n $SW link set br0 up || return 1
	for n in "$@"; do
		new_netns ovl-d$n &&
		ip -n $SW link add p$n type veth peer name e0 netns ovl-d$n &&
		ip -n $SW link set p$n master br0 up &&
		ip -n ovl-d$n addr add 192.0.2.$n/24 dev e0 &&
		ip -n ovl-d$n link set e0 up || return 1
	done
}

# start N: run node N's daemon in the background, log in $D/nN.log.
start()
{
	ip netns exec ovl-d$1 "$OVLCTL" daemon ovl0 -c "$D/n$1.conf" \
		>>"$D/n$1.log" 2>&1 &
	eval "PID$1=$!"
}

# handshakes N PEER: handshakes node N's daemon logged with PEER.
handshakes()
{
	grep -c "peer $2: handshake completed" "$D/n$1.log"
}

# wait_handshake N PEER [SECONDS]
wait_handshake()
{
	local i
	for i in $(seq $((${3:-10} * 10))); do
		[ "$(handshakes "$1" "$2")" -gt 0 ] && return 0
		sleep 0.1
	done
	fail "node $1: no handshake with peer $2 in ${3:-10} s"
	cat "$D/n$1.log"
	return 1
}

pings()
{
	ip netns exec ovl-d$1 ping -q -c "${3:-3}" -i 0.2 -W 2 "$2" >/dev/null
}

three_nodes()
{
	local a b
	fresh
	ca ca && node 1 && node 2 && node 3 || return 1
	conf 1 120 2 3 && conf 2 120 1 3 && conf 3 120 1 2 || return 1
	hosts 1 2 3 || return 1
	start 1; start 2; start 3
	wait_handshake 1 2 && wait_handshake 1 3 && wait_handshake 2 3 ||
		return 1
	for a in 3 2 1; do
		for b in 1 2 3; do
			[ $a = $b ] && continue
			pings $a 10.77.0.$b || fail "ping $a -> 10.77.0.$b" ||
				return 1
			pings $a fd77::$b || fail "ping $a -> fd77::$b" ||
				return 1
		done
	done
	# Nothing but the daemon keyed them: every key has a lifetime.
	ip netns exec $N1 "$OVLCTL" -j show ovl0 >"$D/show.json" &&
	expect_eq "peers of node 1" "$(jq '.peers | length' "$D/show.json")" 2
}

# A certificate of another CA is refused by the daemon that holds it at
# start, so node 2's own daemon refuses to run; the one of a node whose
# daemon does run (a forged peer) is refused in the handshake.
other_ca()
{
	fresh
	ca ca && ca other && node 1 && node 2 other 2 || return 1
	conf 1 120 2 && conf 2 120 1 && hosts 1 2 || return 1
	expect_err 1 "wrong issuer|signed by another CA" \
		ip netns exec $N2 "$OVLCTL" daemon ovl0 -c "$D/n2.conf" || return 1
	# Node 2 trusting the other CA runs, and node 1 refuses it.
	sed -i "s|^ca = .*|ca = $(cat "$D/other.pub")|" "$D/n2.conf"
	start 1; start 2
	sleep 3
	expect_eq "handshakes" "$(handshakes 1 2)$(handshakes 2 1)" "00" &&
	grep -qE "refused: bad_cert" "$D/n1.log" ||
		{ fail "no bad_cert refusal"; cat "$D"/n*.log; return 1; }
}

# A certificate that expires while its node tries to reach a peer: the
# peer refuses it (bad_cert, expired), and no session comes of it.
expired()
{
	local until i
	fresh
	hosts 1 2 && ca ca && node 1 || return 1
	until=$(($(date +%s) + 6))
	node 2 ca 2 --not-before "$(date -u -d @$((until - 60)) +%Y-%m-%dT%H:%M:%SZ)" \
		--not-after "$(date -u -d @$until +%Y-%m-%dT%H:%M:%SZ)" || return 1
	conf 1 120 2 && conf 2 120 1 || return 1
	start 2
	while [ "$(date +%s)" -le "$until" ]; do sleep 0.2; done
	start 1
	for i in $(seq 100); do
		grep -q "refused: bad_cert: expired" "$D/n1.log" && break
		sleep 0.1
	done
	expect_eq "handshakes" "$(handshakes 1 2)$(handshakes 2 1)" "00" &&
	grep -q "refused: bad_cert: expired" "$D/n1.log" ||
		{ fail "no expired refusal"; cat "$D"/n*.log; return 1; }
}

wrong_node_id()
{
	fresh
	ca ca && node 1 && node 2 ca 3 || return 1
	# Node 2 holds a certificate for node 3: it runs as node 3, and
	# node 1, which expects node 2 at that key, refuses it.
	conf 1 120 2 && hosts 1 2 || return 1
	{
		printf '[device]\nlisten-port = 4500\nidentity = %s\n' "$D/n2.key"
		printf 'certificate = %s\nca = %s\n' "$D/n2.crt" "$(cat "$D/ca.pub")"
		printf '\n[peer 1]\npublic-key = %s\nendpoint = 192.0.2.1:4500\n' "$(cat "$D/n1.pub")"
		printf 'allowed-ips = 10.77.0.1/32\n'
	} >"$D/n2.conf"
	start 1; start 2
	sleep 3
	expect_eq "handshakes" "$(handshakes 1 2)$(handshakes 2 1)" "00" &&
	grep -qE "refused: (unknown_peer|bad_cert|wrong_key)" "$D/n1.log" "$D/n2.log" ||
		{ fail "no refusal logged"; cat "$D"/n*.log; return 1; }
}

# Kill a daemon under traffic: the kernel keeps the keys, traffic goes
# on; restarted, it handshakes again and no ping is lost.  Then SIGHUP
# with peer 3 removed from node 1 and peer 2 re-added.
restart_reload()
{
	local out lost
	fresh
	ca ca && node 1 && node 2 && node 3 || return 1
	conf 1 120 2 3 && conf 2 120 1 3 && conf 3 120 1 2 && hosts 1 2 3 ||
		return 1
	start 1; start 2; start 3
	wait_handshake 1 2 && wait_handshake 1 3 || return 1
	ip netns exec $N1 ping -c 60 -i 0.1 -W 1 10.77.0.2 >"$D/ping" 2>&1 &
	local ping=$!
	sleep 1
	kill $PID1; wait $PID1 2>/dev/null
	sleep 2
	start 1
	wait_handshake 1 2 || return 1
	grep -c "handshake completed" "$D/n1.log" >/dev/null
	wait $ping
	lost=$(sed -n 's/.* \([0-9]*\)% packet loss.*/\1/p' "$D/ping")
	expect_eq "ping loss across the restart (%)" "$lost" 0 || return 1
	# SIGHUP: peer 3 leaves node 1's config.
	conf 1 120 2
	kill -HUP $PID1
	sleep 1
	grep -q "config reloaded: 0 added, 1 removed, 0 changed" "$D/n1.log" ||
		{ fail "no reload logged"; cat "$D/n1.log"; return 1; }
	out=$(ip netns exec $N1 "$OVLCTL" -j show ovl0 | jq -c '[.peers[].node_id]')
	expect_eq "node 1's peers after removing 3" "$out" "[2]" || return 1
	pings 1 10.77.0.2 || fail "peer 2 lost its session on reload" || return 1
	# And back.
	conf 1 120 2 3
	kill -HUP $PID1
	wait_handshake_count 1 3 2 || return 1
	pings 1 10.77.0.3 || fail "re-added peer 3 unreachable"
}

# wait_handshake_count N PEER COUNT: node N's COUNT-th handshake with PEER.
wait_handshake_count()
{
	local i
	for i in $(seq 100); do
		[ "$(handshakes "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	fail "node $1: fewer than $3 handshakes with peer $2"
	cat "$D/n$1.log"
	return 1
}

need jq ping || skip_all "needs jq and ping"
load_ovl || skip_all "cannot load ovl"
plan 5
run "three nodes from config files ping each other, IPv4 and IPv6" three_nodes
run "a certificate of another CA is refused" other_ca
run "an expired certificate is refused" expired
run "a certificate for another node id is refused" wrong_node_id
run "daemon restart under traffic loses nothing; SIGHUP removes and adds" restart_reload
finish
