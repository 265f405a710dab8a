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

source "$(dirname "$0")/daemon_lib.sh"

# monitor N: "ovlctl -j monitor" in node N's namespace, with its daemon's
# RUNDIR, into $D/mon$N, started before the daemon: it hears the daemon
# as soon as its event socket is up.  monitor_stop N ends it.
monitor()
{
	mkdir -p "$D/run$1"
	OVL_RUNDIR=$D/run$1 ip netns exec ovl-d$1 "$OVLCTL" -j monitor \
		>"$D/mon$1" 2>&1 &
	eval "MON$1=$!"
}

monitor_stop()
{
	eval "kill \$MON$1; wait \$MON$1"
	return 0
}

# mon_seen N JQ: an event of node N's monitor matches the jq condition.
mon_seen()
{
	jq -s -e "any(.[]; $2)" "$D/mon$1" >/dev/null ||
		{ fail "node $1's monitor: no event with $2"; cat "$D/mon$1"; return 1; }
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
	notify_sink "$D/notify" || return 1
	monitor 1
	start 1; start 2; NOTIFY_SOCKET=$D/notify.sock start 3
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
	# What ovlctl show tells of the daemon's sessions: the latest
	# handshake, the certificate's node id and expiry, key ids with a
	# lifetime (nothing but the daemon keyed them), its counters.
	OVL_RUNDIR=$D/run1 ip netns exec $N1 "$OVLCTL" -j show ovl0 >"$D/show.json" ||
		return 1
	expect_eq "peers of node 1" "$(jq '.peers | length' "$D/show.json")" 2 &&
	expect_eq "show" "$(jq -c --argjson now "$(date +%s)" '[.peers[] |
		(.latest_handshake > $now - 60), .cert.node_id,
		(.cert.expires > $now + 86400),
		([.keys[] | select(.lifetime > 0) | .id] | length > 0)]' "$D/show.json")" \
		'[true,2,true,true,true,3,true,true]' &&
	expect_eq "daemon in show" "$(jq -c '[.daemon.node_id, .daemon.handshakes.completed + .daemon.handshakes.answered >= 2]' "$D/show.json")" \
		'[1,true]' || { cat "$D/show.json"; return 1; }
	OVL_RUNDIR=$D/run1 ip netns exec $N1 "$OVLCTL" show ovl0 |
		grep -E "latest handshake|certificate|daemon:"
	# ovlctl monitor prints the daemon's handshakes with both peers.
	monitor_stop 1
	grep '"handshake"' "$D/mon1"
	mon_seen 1 '.event == "handshake" and .ifname == "ovl0" and .node_id == 2 and (.key_id | type) == "number"' &&
	mon_seen 1 '.event == "handshake" and .node_id == 3 and .via == "direct"' ||
		return 1
	# sd_notify: READY when up, RELOADING then READY on SIGHUP,
	# STOPPING on SIGTERM.
	kill -HUP $PID3
	sleep 1
	kill $PID3
	wait $PID3
	wait $NOTIFY_PID
	expect_eq "node 3's notifications" "$(tr '\n' ' ' <"$D/notify")" \
		"READY=1 RELOADING=1 READY=1 STOPPING=1 " || cat "$D/n3.log"
}

# notify_sink FILE: a datagram socket $D/notify.sock whose messages go
# to FILE, one a line, until STOPPING=1; sets NOTIFY_PID.
notify_sink()
{
	"$PYTHON" - "$D/notify.sock" "$1" "$D/notify.ready" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[3], "w").close()
s.settimeout(120)
with open(sys.argv[2], "w") as out:
    while True:
        msg = s.recv(4096).decode()
        out.write(msg + "\n")
        out.flush()
        if "STOPPING=1" in msg:
            break
PY
	NOTIFY_PID=$!
	wait_file "$D/notify.ready" "the notify socket did not start"
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
	monitor 1
	start 1; start 2
	wait_log 1 "refused: bad_cert: wrong issuer" 12 &&
	wait_log 2 "refused: bad_cert: wrong issuer" 12 || return 1
	expect_eq "completed handshakes" "$(completed 1 2)$(completed 2 1)" "00" &&
	! pings 1 10.77.0.2 1 || fail "nodes of two CAs talk" || return 1
	sleep 0.5	# the status file is written within a tick
	[ "$(refused 1 bad_cert)" -ge 1 ] ||
		fail "node 1 counted $(refused 1 bad_cert) bad_cert refusals" ||
		return 1
	monitor_stop 1
	grep refused "$D/mon1" | head -2
	mon_seen 1 '.event == "handshake_refused" and .reason == "bad_cert" and .detail == "wrong issuer" and .from == "192.0.2.2:4500"' &&
	expect_eq "handshake events" "$(jq -s '[.[] | select(.event == "handshake")] | length' "$D/mon1")" 0
}

# A certificate that expires while its node tries to reach a peer: the
# peer refuses it (bad_cert, expired), and no session comes of it.
expired()
{
	local until i
	fresh
	hosts 1 2 && ca ca && node 1 || return 1
	until=$(($(date +%s) + 12))
	node 2 ca 2 --not-before "$(date -u -d @$((until - 60)) +%Y-%m-%dT%H:%M:%SZ)" \
		--not-after "$(date -u -d @$until +%Y-%m-%dT%H:%M:%SZ)" || return 1
	conf 1 120 2 && conf 2 120 1 || return 1
	start 2
	while [ "$(date +%s)" -le "$until" ]; do sleep 0.2; done
	start 1
	wait_log 1 "refused: bad_cert: expired" 12 || return 1
	# Node 2 may have answered node 1's INIT; node 1 refused the reply.
	expect_eq "completed handshakes" "$(completed 1 2)$(completed 2 1)" "00" &&
	! pings 1 10.77.0.2 1 || fail "a node with an expired certificate talks" ||
		return 1
	sleep 0.5
	[ "$(refused 1 bad_cert)" -ge 1 ] ||
		fail "node 1 counted $(refused 1 bad_cert) bad_cert refusals"
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
	wait_log 1 "refused: (unknown_peer|bad_cert|wrong_key)" 12 || return 1
	expect_eq "completed handshakes" "$(completed 1 2)$(completed 2 1)" "00"
}

# Kill a daemon under traffic: the kernel keeps the keys, traffic goes
# on; restarted, it handshakes again and no ping is lost.  Then SIGHUP
# with peer 3 removed from node 1 and peer 2 re-added.
restart_reload()
{
	local out
	fresh
	ca ca && node 1 && node 2 && node 3 || return 1
	conf 1 120 2 3 && conf 2 120 1 3 && conf 3 120 1 2 && hosts 1 2 3 ||
		return 1
	start 1; start 2; start 3
	wait_handshake 1 2 && wait_handshake 1 3 || return 1
	ip netns exec $N1 ping -c 60 -i 0.1 -w 30 10.77.0.2 >"$D/ping" 2>&1 &
	local ping=$!
	sleep 1
	kill $PID1; wait $PID1 2>/dev/null
	local before
	before=$(handshakes 1 2)
	sleep 2
	start 1
	wait_handshake_count 1 2 $((before + 1)) || return 1
	wait $ping
	expect_eq "pings never answered across the restart" "$(ping_unanswered "$D/ping" 60)" "" ||
		{ cat "$D/ping" "$D/n1.log"; return 1; }
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

# Rekey under traffic: rekey-after-seconds 5, a minute of UDP at 500
# datagrams a second from node 1 to node 2: every datagram arrives, and
# the pair rekeyed at least 10 times, each time with no packet lost
# (initiator keys swapped in, responder keys promoted by the kernel).
rekey_under_traffic()
{
	local secs=${REKEY_SECS:-60} sent got n
	fresh
	ca ca && node 1 && node 2 && conf 1 5 2 && conf 2 5 1 && hosts 1 2 ||
		return 1
	start 1; start 2
	wait_handshake 1 2 && wait_handshake 2 1 || return 1
	# Both hold a session both ways before the flow starts.
	pings 1 10.77.0.2 3 && pings 2 10.77.0.1 3 || fail "no session" ||
		return 1
	udp_seq_sink $N2 $((secs + 3)) "$D/got" 10.77.0.2 || return 1
	sent=$(udp_seq_source $N1 "$secs" 500 10.77.0.2) || return 1
	wait $SINK_PID
	got=$(cat "$D/got")
	n=$(handshakes 1 2)
	echo "sent $sent, received $got, $n handshakes of node 1 with node 2"
	echo "node 1 peer 2 tx_packets $(ip netns exec $N1 "$OVLCTL" -j peer show ovl0 2 | jq .tx_packets)," \
		"node 2 peer 1 rx_packets $(ip netns exec $N2 "$OVLCTL" -j peer show ovl0 1 | jq .rx_packets)"
	ip netns exec $N2 nstat -a | awk 'NR > 1 && $2 > 0 && /Udp|Ip|Discard|Drop/'
	echo "node 2 ovl0 rx: $(ip -n $N2 -s -j link show ovl0 | jq -c '.[0].stats64.rx')"
	local ns
	for ns in $N1 $N2; do
		echo "$ns drops: $(ip netns exec $ns "$OVLCTL" -j dev show ovl0 |
			jq -c '.drops | with_entries(select(.value > 0))')"
	done
	grep -v "handshake" "$D"/n*.log
	expect_eq "datagrams received" "$got" "$sent" || return 1
	[ "$sent" -eq $((secs * 500)) ] || fail "the source sent only $sent" ||
		return 1
	[ "$n" -ge $((secs / 6)) ] || fail "only $n rekeys in $secs s"
}

# A captured initiation replayed: its timestamp is not newer than the
# last one node 2 accepted from node 1, so it is refused as a replay,
# counted, and makes no session, whoever sends it.
replayed_init()
{
	local cap
	fresh
	ca ca && node 1 && node 2 && conf 1 120 2 && conf 2 120 1 &&
		hosts 1 2 4 || return 1
	start 1; start 2
	wait_handshake 2 1 || return 1
	# A restarted daemon initiates at once: capture that INIT.
	ip netns exec $N2 "$PYTHON" "$REPO/selftests/replay_from.py" capture e0 \
		192.0.2.2 4500 "$D/init" 10 >"$D/cap" 2>&1 &
	cap=$!
	sleep 2
	kill $PID1; wait $PID1 2>/dev/null
	local before
	before=$(handshakes 2 1)
	start 1
	wait $cap || { cat "$D/cap"; fail "no INIT captured"; return 1; }
	wait_handshake_count 2 1 $((before + 1)) || return 1
	sleep 0.5
	ip netns exec ovl-d4 "$PYTHON" "$REPO/selftests/replay_from.py" send \
		192.0.2.4:4500 192.0.2.2:4500 "$D/init" 1 || return 1
	wait_log 2 "refused: replay" || return 1
	sleep 0.5
	expect_eq "node 2's sessions with node 1" "$(handshakes 2 1)" $((before + 1)) &&
	expect_eq "replays counted" "$(refused 2 replay)" 1
}

# A flood of initiations that pass mac1 (anyone who knows node 2's
# public key can make them), from a fourth host with 8 addresses, while
# node 1 starts and handshakes with node 2: node 2's kernel passes each
# source's INITs up at 20 a second (the rest counted as
# ctrl_rate_limited), so the flood cannot fill the daemon's socket; the
# 8 sources together still pass the daemon's load threshold, so it asks
# for cookies and the flood costs it no Diffie-Hellman; node 1 completes
# within 2 s.
init_flood()
{
	local t0 t1 i sent srcs= limited
	fresh
	ca ca && node 1 && node 2 && conf 1 120 2 && conf 2 120 1 &&
		hosts 1 2 4 || return 1
	for i in $(seq 40 47); do
		ip -n ovl-d4 addr add 192.0.2.$i/24 dev e0 || return 1
		srcs+=${srcs:+,}192.0.2.$i
	done
	start 2
	wait_file "$D/run2/ovl0.json" "node 2's daemon did not start" || return 1
	ip netns exec ovl-d4 "$PYTHON" "$REPO/selftests/hs_flood.py" \
		192.0.2.2:4500 "$(cat "$D/n2.pub")" 1 12 "$srcs" >"$D/flood" &
	local flood=$!
	sleep 2
	start 1
	# From node 1's daemon ready (device set up, first INIT going out)
	# to its handshake completed.
	for i in $(seq 1000); do
		grep -q "ready" "$D/n1.log" 2>/dev/null && break
		sleep 0.01
	done
	t0=$(date +%s%3N)
	for i in $(seq 1000); do
		[ "$(completed 1 2)" -gt 0 ] && break
		sleep 0.01
	done
	t1=$(date +%s%3N)
	wait $flood
	sent=$(cat "$D/flood")
	echo "flood: $sent INITs in 12 s; node 1 completed its handshake $((t1 - t0)) ms after its daemon was ready"
	jq -c .handshakes "$D/run2/ovl0.json"
	limited=$(ip netns exec ovl-d2 "$OVLCTL" -j dev show ovl0 |
		jq .drops.ctrl_rate_limited)
	echo "node 2's kernel: ctrl_rate_limited $limited"
	# 8 sources, each at most 5 + 20/s over the 12 s flood (and 1 s of
	# slack): at most 2120 INITs got past the limit.
	[ "$limited" -gt 0 ] && [ $((sent - limited)) -le 2120 ] ||
		fail "$((sent - limited)) of $sent flood INITs got past the rate limit" ||
		return 1
	[ "$(completed 1 2)" -gt 0 ] || fail "no handshake under the flood" ||
		return 1
	[ $((t1 - t0)) -lt 2000 ] || {
		fail "the handshake took $((t1 - t0)) ms"
		tail -n 20 "$D/n1.log" "$D/n2.log"
		return 1
	}
	[ "$(jq .handshakes.cookies "$D/run2/ovl0.json")" -gt 0 ] ||
		fail "node 2 sent no cookie under the flood" || return 1
	# Only what came before the load was noticed reached Noise.
	[ "$(refused 2 decrypt)" -lt $((sent / 4)) ] ||
		fail "$(refused 2 decrypt) of $sent flood INITs reached Noise"
}

# beacon_hosts [CUT]: nodes 1 and 2 behind a router ovl-dr, the beacon in
# ovl-dc, their configs (conf) with endpoints and the beacon; CUT: the
# router drops all between the nodes.
#
#      1 10.0.1.2 --- ovl-dr --- 10.0.2.2 2
#                       |
#                 10.0.3.2 beacon :7000
beacon_hosts()
{
	local n ns=("" $N1 $N2 ovl-dc)
	add_netns ovl-dr $N1 $N2 ovl-dc || return 1
	ip netns exec ovl-dr sysctl -qw net.ipv4.ip_forward=1 || return 1
	# One "ip -batch" per namespace (each process costs a lot under TCG).
	ip -n ovl-dr -batch - <<EOF || return 1
link set lo up
$(for n in 1 2 3; do
	echo "link add r$n type veth peer name e0 netns ${ns[n]}"
	echo "addr add 10.0.$n.1/24 dev r$n"
	echo "link set r$n up"
done)
EOF
	for n in 1 2 3; do
		ip -n "${ns[n]}" -batch - <<EOF || return 1
link set lo up
addr add 10.0.$n.2/24 dev e0
link set e0 up
route add default via 10.0.$n.1
EOF
	done
	if [ -n "${1:-}" ]; then
		ip netns exec ovl-dr nft -f - <<'NFT' || return 1
table inet cut {
	chain forward {
		type filter hook forward priority 0;
		ip saddr 10.0.1.2 ip daddr 10.0.2.2 drop
		ip saddr 10.0.2.2 ip daddr 10.0.1.2 drop
	}
}
NFT
	fi
	ip netns exec ovl-dc "$REPO/tool/beacon/ovl-beacon" --listen 10.0.3.2:7000 \
		--expire 30 --ca "$D/ca.pub" >"$D/beacon.log" 2>&1 &
	conf 1 120 2 && conf 2 120 1 || return 1
	for n in 1 2; do
		sed -i -e "s/^endpoint = 192.0.2.\(.\):/endpoint = 10.0.\1.2:/" \
		    -e "s/^rekey-after-seconds = .*/&\nbeacon = 10.0.3.2:7000/" \
			"$D/n$n.conf"
	done
}

# The direct path blocked by nftables from the start: the initiations
# that go straight are lost, the ones through the beacon are not; the
# pair handshakes and talks through ovl-beacon.
through_beacon()
{
	local n
	fresh
	ca ca && node 1 && node 2 && beacon_hosts cut || return 1
	start 1; start 2
	wait_handshake 1 2 20 || return 1
	ip netns exec $N1 ping -q -c 1 -w 30 10.77.0.2 >/dev/null || {
		fail "no ping through the beacon"
		for n in 1 2; do
			ip netns exec ovl-d$n "$OVLCTL" show ovl0
		done
		cat "$D"/n*.log "$D/beacon.log"
		return 1
	}
	pings 1 10.77.0.2 && pings 2 10.77.0.1 || fail "pings through the beacon" ||
		return 1
	expect_eq "path of node 1's peer 2" \
		"$(ip netns exec $N1 "$OVLCTL" -j peer show ovl0 2 | jq -r .path)" relay
}

# A certificate that says relay-only: the direct path works, yet both
# nodes pin the peer to relay (node 1 because of node 2's certificate,
# node 2 because of its own) and their traffic goes through the beacon.
relay_only()
{
	fresh
	ca ca && node 1 && node 2 ca 2 --relay-only && beacon_hosts || return 1
	start 1; start 2
	wait_handshake 1 2 20 && wait_handshake 2 1 20 || return 1
	pings 1 10.77.0.2 && pings 2 10.77.0.1 || fail "no ping" || return 1
	expect_eq "node 1's peer 2" "$(ip netns exec $N1 "$OVLCTL" -j peer show ovl0 2 |
		jq -c '[.path, .pinned, .relay_tx_packets > 0]')" '["relay",true,true]' &&
	expect_eq "node 2's peer 1" "$(ip netns exec $N2 "$OVLCTL" -j peer show ovl0 1 |
		jq -c '[.path, .pinned, .relay_tx_packets > 0]')" '["relay",true,true]'
}

# tunnel_conf [BACKENDS]: node 1's [tunnel web], to node 2's port 7000.
tunnel_conf()
{
	printf '\n[tunnel web]\nlisten = 127.0.0.1:8080\n'
	printf 'backend = %s\npool = 0\ndrain-timeout = 20\n' \
		"${1:-10.77.0.2:7000}"
}

# wait_file_line FILE PATTERN: FILE has a line matching PATTERN in 10 s.
wait_file_line()
{
	local i
	for i in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "no '$2' in $1"
}

# tclient BYTES [PAUSE]: tunnel_peer.py's client through node 1's tunnel.
tclient()
{
	ip netns exec $N1 $TPEER client 127.0.0.1 8080 "$@"
}

# tshow JQ: node 1's daemon's tunnels, as "ovlctl -j tunnel show ovl0".
tshow()
{
	ip netns exec $N1 "$OVLCTL" -j tunnel show ovl0 | jq -c "$1"
}

# The daemon runs the [tunnel NAME] of its config: a client on node 1
# reaches an echo server on node 2 across the overlay, tunnel show
# counts it; SIGHUP with another backend keeps the established client
# on the old one and sends the next to the new one; SIGHUP without the
# section stops the listener and keeps the established client; SIGHUP
# with it adds it back; SIGTERM drains:
# the daemon waits for a client in the middle of its transfer.
tunnels()
{
	local out t0
	SECONDS=0
	fresh
	export OVL_TUNNEL_DIR=$D/tun
	TPEER="$PYTHON $(dirname "$0")/tunnel_peer.py"
	ca ca && node 1 && node 2 && conf 1 120 2 && conf 2 120 1 &&
	cp "$D/n1.conf" "$D/n1.plain" && tunnel_conf >>"$D/n1.conf" &&
	hosts 1 2 || return 1
	start 1; start 2
	wait_handshake 1 2 && wait_log 1 "tunnel: tunnel web: listening" ||
		return 1
	echo "nodes up and tunnel listening after $SECONDS s"
	ip netns exec $N2 $TPEER echo 10.77.0.2 7000 "$D/echo.ready" &
	wait_file "$D/echo.ready" "the echo server did not start" || return 1
	out=$(tclient $((1 << 20))) || fail "through the tunnel: $out" ||
		return 1
	expect_eq "tunnel show ovl0" "$(tshow '[.[] | .name, .source, .listen,
		.active, .total, .bytes_in, .bytes_out,
		(.backends[] | .address, .up, .total)]')" \
		'["web","ovl0","127.0.0.1:8080",0,1,1048576,1048576,"10.77.0.2:7000",true,1]' ||
		return 1
	ip netns exec $N1 "$OVLCTL" tunnel show ovl0

	# SIGHUP with the backend moved to port 7001: the client on 7000
	# goes on, the next one reaches 7001.
	ip netns exec $N2 $TPEER echo 10.77.0.2 7001 "$D/echo2.ready" &
	wait_file "$D/echo2.ready" "the second echo server did not start" ||
		return 1
	tclient 200000 2 >"$D/c0" &
	local c0=$!
	wait_file_line "$D/c0" connected || return 1
	cp "$D/n1.plain" "$D/n1.conf" && tunnel_conf 10.77.0.2:7001 >>"$D/n1.conf"
	kill -HUP $PID1
	wait_log 1 "tunnels: 0 added, 0 removed, 1 reloaded" || return 1
	wait $c0 || fail "the client across the reload: $(cat "$D/c0")" ||
		return 1
	out=$(tclient 1000) || fail "after the reload: $out" || return 1
	expect_eq "backends after the reload" "$(tshow '[.[] | .total,
		(.backends[] | .address, .total)]')" '[3,"10.77.0.2:7001",1]' ||
		return 1

	# SIGHUP without the section: no listener, the client goes on.
	tclient 200000 2 >"$D/c1" &
	local c1=$!
	wait_file_line "$D/c1" connected || return 1
	cp "$D/n1.plain" "$D/n1.conf"
	kill -HUP $PID1
	wait_log 1 "tunnels: 0 added, 1 removed" || return 1
	expect_eq "tunnels after the removal" "$(tshow length)" 0 || return 1
	ip netns exec $N1 bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080' 2>/dev/null &&
		fail "tunnel removed, its port still accepts" && return 1
	wait $c1 || fail "the client of a removed tunnel: $(cat "$D/c1")" ||
		return 1

	# SIGHUP with it again, then SIGTERM in the middle of a transfer.
	tunnel_conf >>"$D/n1.conf"
	kill -HUP $PID1
	wait_log 1 "tunnels: 1 added" || return 1
	tclient 200000 2 >"$D/c2" &
	local c2=$!
	wait_file_line "$D/c2" connected || return 1
	t0=$(date +%s%N)
	kill $PID1
	wait $c2 || fail "the client of a drained tunnel: $(cat "$D/c2")" ||
		return 1
	wait $PID1 || fail "the daemon exited $? after SIGTERM" || return 1
	wait_log 1 "draining 1 client" || return 1
	echo "daemon exited $((($(date +%s%N) - t0) / 1000000)) ms after SIGTERM"
	[ $((($(date +%s%N) - t0) / 1000000)) -ge 1000 ] ||
		fail "the daemon did not wait for its tunnel's client"
}

# beacons = a list of 8: the daemon gives the kernel the rendezvous pick
# for its key, the beacon "ovlctl beacon pick" names (docs/beacons.md);
# the picked beacon taken out of the list (SIGHUP): the node fails over
# to the pick of the 7 left, as ovlctl beacon pick names it too.
beacon_pick()
{
	local list="" left want got i
	fresh
	ca ca && node 1 && node 2 && conf 1 120 2 && hosts 1 || return 1
	for i in 1 2 3 4 5 6 7 8; do
		list="$list${list:+, }198.51.100.$i:3478"
	done
	sed -i "s/^rekey-after-seconds = .*/&\nbeacons = $list/" "$D/n1.conf"
	want=$("$OVLCTL" -j beacon pick --pubkey "$(cat "$D/n1.pub")" \
		--bootstrap "$list" | jq -r .pick)
	start 1
	wait_log 1 "beacon $want: " || return 1
	got=$(ip netns exec $N1 "$OVLCTL" -j dev show ovl0 | jq -r .beacon)
	expect_eq "node 1's beacon, the pick of 8" "$got" "$want" || return 1
	left=$(echo "$list" | tr -d ' ' | tr , '\n' | grep -vxF "$want" |
		paste -sd ,)
	sed -i "s/^beacons = .*/beacons = $left/" "$D/n1.conf"
	want=$("$OVLCTL" -j beacon pick --pubkey "$(cat "$D/n1.pub")" \
		--bootstrap "$left" | jq -r .pick)
	kill -HUP $PID1
	wait_log 1 "beacon $want: " || return 1
	got=$(ip netns exec $N1 "$OVLCTL" -j dev show ovl0 | jq -r .beacon)
	expect_eq "node 1's beacon, the pick of the 7 left" "$got" "$want"
}

# Issue 10: nodes given only an identity, a join token, the CA's public
# key and the registry's address.  The registry serves in the bridge's
# namespace at 192.0.2.254:8470, two ovl-beacons beside it at
# 192.0.2.251 and .252:3478; node N's config is $D/nN.conf.
REGISTRY=${REGISTRY:-$REPO/tool/registry/ovl-registry}
BEACON_A=192.0.2.251:3478 BEACON_B=192.0.2.252:3478

# reg_conf N: node N's identity and a config with no certificate yet.
reg_conf()
{
	(umask 077; "$OVLCTL" genkey >"$D/n$1.key") &&
	printf '[device]\nlisten-port = 4500\nidentity = %s\ncertificate = %s\nca = %s\nregistry = http://192.0.2.254:8471, http://192.0.2.254:8470\njoin-token = %s\nregistry-sync-seconds = 2\n' \
		"$D/n$1.key" "$D/n$1.crt" "$(cat "$D/ca.pub")" "$D/join.token" \
		>"$D/n$1.conf"
}

# reg_start N: node N enrolls (node id N: one at a time) and starts;
# reg_start N ready: and is up.
reg_start()
{
	[ -e "$D/n$1.conf" ] || reg_conf $1 || return 1
	start $1 &&
	wait_log $1 "registry: enrolled as node $1, address 10.77.0.$1/32" 10 &&
	{ [ -z "${2:-}" ] || wait_log $1 "node $1 ready" 5; }
}

# peer_gone N PEER: node N's kernel has no peer PEER.
peer_gone()
{
	! ip netns exec ovl-d$1 "$OVLCTL" -j peer show ovl0 $2 >/dev/null 2>&1
}

# kernel_beacon N: node N's kernel's beacon.
kernel_beacon()
{
	ip netns exec ovl-d$1 "$OVLCTL" -j dev show ovl0 | jq -r .beacon
}

# wait_kernel_beacon N ADDR SECONDS: node N's kernel gets ADDR.
wait_kernel_beacon()
{
	local i
	for i in $(seq $(($3 * 5))); do
		[ "$(kernel_beacon $1)" = "$2" ] && return 0
		sleep 0.2
	done
	fail "node $1's beacon is $(kernel_beacon $1), not $2, after $3 s"
	cat "$D/n$1.log"
	return 1
}

# wait_until SECONDS WHAT COMMAND...: COMMAND succeeds within SECONDS.
wait_until()
{
	local i n=$(($1 * 5)) what=$2
	shift 2
	for i in $(seq $n); do
		"$@" && return 0
		sleep 0.2
	done
	fail "$what: not within $n/5 s"
}

# nat_host N: node N's namespace behind a NAT router (namespace
# ovl-dnN, 192.0.2.(100 + N) on the bridge): node N is 10.0.N.2, its
# port 4500 forwarded (a full-cone NAT: anyone may answer the mapping).
nat_host()
{
	local r=ovl-dn$1
	add_netns $r ovl-d$1 &&
	ip netns exec $r sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n $SW -batch - <<EOF &&
link add p$1 type veth peer name wan netns $r
link set p$1 master br0 up
EOF
	ip -n $r -batch - <<EOF &&
link set lo up
addr add 192.0.2.$((100 + $1))/24 dev wan
link set wan up
link add in0 type veth peer name e0 netns ovl-d$1
addr add 10.0.$1.1/24 dev in0
link set in0 up
EOF
	ip -n ovl-d$1 -batch - <<EOF || return 1
link set lo up
addr add 10.0.$1.2/24 dev e0
link set e0 up
route add default via 10.0.$1.1
EOF
	ip netns exec $r nft -f - <<NFT
table ip nat {
	chain pre {
		type nat hook prerouting priority dstnat;
		iifname "wan" udp dport 4500 dnat to 10.0.$1.2
	}
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "wan" masquerade
	}
}
NFT
}

# beacons_listed N: the registry lists N beacons.
beacons_listed()
{
	[ "$(ip netns exec $SW curl -sf http://192.0.2.254:8470/v1/beacons |
		jq '.beacons | length')" = "$1" ]
}

# registered_public N ADDR: the registry lists ADDR among node N's
# endpoints.
registered_public()
{
	"$REGISTRY" -j node list --db "$DB" |
		jq -e --argjson n "$1" --arg a "$2" \
		'.[] | select(.node_id == $n) | .endpoints | split(",") | index($a)' \
		>/dev/null
}

# pinned N PEER: node N's peer PEER in "ovlctl -j show": relay mode pinned.
pinned()
{
	[ "$(ip netns exec ovl-d$1 "$OVLCTL" -j show ovl0 |
		jq --argjson p "$2" '.peers[] | select(.node_id == $p) | .pinned')" = true ]
}

# The whole of issue 10 in one network: a registry, two beacons that
# announce themselves with "ovl-beacon --registry", nodes that hold only
# an identity, a join token, the CA's public key and two registry URLs
# (the first refusing connections):
#  - three enroll, store their certificates 0600 and get a beacon of the
#    registry's list; node 1 is behind a NAT: it registers the public
#    endpoint its beacon reflected (the NAT's) besides its private one,
#    and its peers' directory gives them the public one; all find each
#    other and ping both ways;
#  - node 1's beacon is killed (checked later: failover within a probe
#    round, 30 s, while the rest goes on);
#  - a fourth joins later: the others add it within one sync and ping
#    it, and it pings node 1 (behind the NAT);
#  - a fifth, relay-only = yes, joins: its peers pin it to relay; it is
#    revoked: they drop it within a sync; a sixth finds the token spent;
#  - node 1 fails over to the beacon alive;
#  - the registry stopped and node 1's daemon restarted (its kernel's
#    beacon cleared): it comes up on beacons.json and its directory
#    cache, on the beacon alive, and keeps its peers (pings to 2, 3, 4,
#    and from 2).
registry()
{
	local a b t0 t_kill regpid pick other
	local -A bpid
	[ -x "$REGISTRY" ] ||
		{ echo "no $REGISTRY: make -C tool/registry"; return $KSFT_SKIP; }
	SECONDS=0
	fresh
	DB=sqlite:$D/registry.db
	ca ca || return 1
	"$REGISTRY" init --db "$DB" --ca-key "$D/ca.key" \
		--network 10.77.0.0/16 >/dev/null || return 1
	(umask 077; "$REGISTRY" token new --db "$DB" --uses 5 \
		>"$D/join.token" &&
	"$REGISTRY" token new --db "$DB" --beacon >"$D/beacon.token") ||
		return 1
	echo "$SECONDS s: CA, registry database, tokens"
	hosts 2 3 4 5 && nat_host 1 || return 1
	for a in 254 251 252; do
		ip -n $SW addr add 192.0.2.$a/24 dev br0 || return 1
	done
	echo "$SECONDS s: hosts"
	ip netns exec $SW "$REGISTRY" serve --listen 192.0.2.254:8470 \
		--db "$DB" >"$D/registry.log" 2>&1 &
	regpid=$!
	wait_until 5 "the registry's health" ip netns exec $SW curl -sf \
		http://192.0.2.254:8470/v1/health -o /dev/null || return 1
	# One after the other: the registry lists them in that order.
	a=0
	for b in $BEACON_A $BEACON_B; do
		ip netns exec $SW "$REPO/tool/beacon/ovl-beacon" --listen $b \
			--expire 30 --ca "$D/ca.pub" --registry http://192.0.2.254:8470 \
			--public $b --registry-token "$D/beacon.token" \
			>>"$D/beacon.log" 2>&1 &
		bpid[$b]=$!
		a=$((a + 1))
		wait_until 5 "beacon $b announced" beacons_listed $a ||
			{ cat "$D/beacon.log"; return 1; }
	done
	echo "$SECONDS s: registry up, two beacons announced"

	# Three nodes enroll, node 1 behind a NAT.
	reg_start 1 && reg_start 2 && reg_start 3 || return 1
	for a in 1 2 3; do
		wait_log $a "node $a ready" 5 || return 1
		expect_eq "node $a's certificate mode" \
			"$(stat -c %a "$D/n$a.crt")" 600 || return 1
		"$OVLCTL" cert show "$D/n$a.crt" --ca "$(cat "$D/ca.pub")" |
			grep -q "10.77.0.$a/32" ||
			{ fail "node $a's certificate"; return 1; }
	done
	echo "$SECONDS s: three nodes enrolled"
	# Node 1 registers its public endpoint (the NAT's) once its beacon
	# reflected it (the first beacon fetch is within 10 s of its start);
	# its peers are given that one, not its private one.
	wait_until 20 "node 1's public endpoint registered" \
		registered_public 1 192.0.2.101:4500 ||
		{ "$REGISTRY" -j node list --db "$DB"; cat "$D/n1.log"; return 1; }
	registered_public 1 10.0.1.2:4500 ||
		fail "node 1's private endpoint not registered" || return 1
	"$REGISTRY" -j node list --db "$DB" | jq -c '.[] | [.node_id, .endpoints]'
	for a in 2 3; do
		wait_until 4 "node $a's directory: node 1 at its public endpoint" \
			bash -c "[ \"\$(jq -r '.nodes[] | select(.node_id == 1) | .endpoint' $D/n$a.directory.json)\" = 192.0.2.101:4500 ]" ||
			{ cat "$D/n$a.directory.json"; return 1; }
	done
	echo "$SECONDS s: node 1 registered 192.0.2.101:4500, its peers have it"
	for a in 1 2 3; do
		for b in 1 2 3; do
			[ $a = $b ] || wait_log $a "peer $b added" 2 || return 1
		done
	done
	for a in 1 2 3; do
		for b in 1 2 3; do
			[ $a = $b ] && continue
			pings $a 10.77.0.$b || fail "ping $a -> 10.77.0.$b" ||
				{ cat "$D"/n*.log; return 1; }
		done
	done
	echo "$SECONDS s: six pings"

	# Node 1's beacon, of the registry's list, measured: "beacon show"
	# gives both entries as discovered with their RTTs, the kernel's
	# beacon the daemon's pick, and the cache beside the identity.
	wait_log 1 "beacon list: 2 from the registry" 2 || return 1
	pick=$(kernel_beacon 1)
	OVL_RUNDIR=$D/run1 ip netns exec $N1 "$OVLCTL" -j beacon show ovl0 \
		>"$D/show.json" || return 1
	expect_eq "node 1's beacon show" "$(jq -c --arg k "$pick" '[.kernel == $k,
		.pick == .kernel, [.list[] | .address, .origin, (.rtt_ms >= 1)],
		.fetch_ok >= 1, .cache]' "$D/show.json")" \
		"[true,true,[\"$BEACON_A\",\"discovered\",true,\"$BEACON_B\",\"discovered\",true],true,\"$D/beacons.json\"]" ||
		{ cat "$D/show.json"; return 1; }
	other=$([ "$pick" = $BEACON_A ] && echo $BEACON_B || echo $BEACON_A)
	[ "$pick" = $BEACON_A ] || [ "$pick" = $BEACON_B ] ||
		fail "node 1's beacon: $pick" || return 1
	kill "${bpid[$pick]}"
	wait "${bpid[$pick]}" 2>/dev/null
	t_kill=$SECONDS
	echo "$SECONDS s: node 1's beacon $pick killed"

	# A fourth joins later: the others add it within a sync (2 s, and
	# a second for its registration).
	reg_start 4 ready || return 1
	t0=$SECONDS
	# A relay-only fifth node enrolls meanwhile (checked below).
	reg_conf 5 && echo "relay-only = yes" >>"$D/n5.conf" && start 5 ||
		return 1
	for a in 1 2 3; do
		wait_log $a "peer 4 added" 4 || return 1
	done
	echo "$SECONDS s: node 4 added by all within $((SECONDS - t0)) s"
	for a in 1 2 3; do
		pings $a 10.77.0.4 || fail "ping $a -> 10.77.0.4" ||
			{ cat "$D"/n*.log; return 1; }
	done
	pings 4 10.77.0.1 || fail "ping 4 -> 10.77.0.1" || return 1

	# The relay-only fifth node: its peers pin it to relay.
	wait_log 5 "registry: enrolled as node 5, address 10.77.0.5/32" 5 &&
	wait_log 5 "node 5 ready" 5 || return 1
	"$OVLCTL" cert show "$D/n5.crt" | grep -q "flags: relay-only" ||
		fail "node 5's certificate is not relay-only" || return 1
	for a in 1 2; do
		wait_log $a "peer 5 added" 4 &&
		wait_until 2 "node $a pins peer 5 to relay" pinned $a 5 ||
			return 1
	done
	pinned 1 2 && fail "node 1 pins peer 2" && return 1
	# Revoked: its peers drop it at their next sync.
	"$REGISTRY" node revoke 5 --db "$DB" || return 1
	t0=$SECONDS
	for a in 1 2 3 4; do
		wait_log $a "peer 5 removed" 4 || return 1
		peer_gone $a 5 || fail "node $a still has peer 5" || return 1
	done
	echo "$SECONDS s: relay-only node 5 pinned, revoked, dropped by all within $((SECONDS - t0)) s"
	# The token (5 uses) is spent: a clear error, no certificate.
	reg_conf 6 || return 1
	expect_err 1 "token_exhausted" ip netns exec $N1 "$OVLCTL" \
		daemon ovl9 -c "$D/n6.conf" || return 1
	[ ! -e "$D/n6.crt" ] || fail "a certificate without a token use" ||
		return 1

	# Node 1 failed over to the beacon alive, within a probe round.
	wait_kernel_beacon 1 "$other" $((t_kill + 60 - SECONDS > 1 ?
		t_kill + 60 - SECONDS : 1)) || return 1
	echo "$SECONDS s: node 1 failed over to $other, $((SECONDS - t_kill)) s after the kill"
	expect_eq "beacons.json" "$(jq -c .list "$D/beacons.json")" \
		"[\"$BEACON_A\",\"$BEACON_B\"]" &&
	expect_eq "beacons.json mode" "$(stat -c %a "$D/beacons.json")" 600 &&
	expect_eq "directory cache mode" \
		"$(stat -c %a "$D/n1.directory.json")" 600 || return 1

	# The registry stopped, node 1's daemon restarted with its kernel's
	# beacon cleared: beacons.json and the directory cache.
	kill $regpid; wait $regpid 2>/dev/null
	kill $PID1; wait $PID1 2>/dev/null
	ip netns exec $N1 "$OVLCTL" dev set ovl0 beacon none || return 1
	t0=$SECONDS
	start 1
	wait_log 1 "registry: 3 nodes of .*/n1.directory.json" 5 &&
	wait_log 1 "fetch failed, the list stays \(beacons.json's\)" 15 &&
	wait_kernel_beacon 1 "$other" 8 || return 1
	expect_eq "origins after a cold start" "$(OVL_RUNDIR=$D/run1 \
		ip netns exec $N1 "$OVLCTL" -j beacon show ovl0 |
		jq -c '[.list[].origin]')" '["cache","cache"]' || return 1
	for b in 2 3 4; do
		pings 1 10.77.0.$b || fail "ping 1 -> 10.77.0.$b, registry down" ||
			{ cat "$D/n1.log"; return 1; }
	done
	pings 2 10.77.0.1 || fail "ping 2 -> 10.77.0.1, registry down" ||
		return 1
	peer_gone 1 5 || fail "node 1 has peer 5 again" || return 1
	echo "$SECONDS s: node 1 restarted on its caches ($((SECONDS - t0)) s), on $other, pings 2, 3, 4"
}

need jq ping || skip_all "needs jq and ping"
load_ovl || skip_all "cannot load ovl"
plan 13
# DAEMON_ONLY="FUNCTION ..." runs only those cases (to debug one).
# OVL_DAEMON_SMOKE=1 (selftests/vm/run-all.sh, on every kernel but the
# newest) runs the cases that lean most on the kernel: the control
# channel direct and relayed, keys installed and swapped, a pin to
# relay, sessions that outlive the daemon; the rest is userspace.
[ -n "${DAEMON_ONLY:-}" ] || [ -z "${OVL_DAEMON_SMOKE:-}" ] ||
	DAEMON_ONLY="three_nodes through_beacon relay_only restart_reload"
drun()
{
	[ -z "${DAEMON_ONLY:-}" ] || [[ " $DAEMON_ONLY " == *" $2 "* ]] ||
		{ echo "ok $((_n += 1)) $1 # SKIP not in DAEMON_ONLY"; return 0; }
	run "$@"
}

drun "three nodes from config files ping each other, IPv4 and IPv6" three_nodes
drun "a certificate of another CA is refused" other_ca
drun "an expired certificate is refused" expired
drun "a certificate for another node id is refused" wrong_node_id
drun "a replayed initiation is refused and counted" replayed_init
drun "a flood of initiations: a legitimate pair still handshakes in 2 s" init_flood
drun "the direct path blocked: handshake and traffic through the beacon" through_beacon
drun "a relay-only certificate pins the peer to relay" relay_only
drun "beacons = 8: the kernel gets the rendezvous pick; fails over on reload" beacon_pick
drun "rekey every 5 s under a minute of UDP loses nothing" rekey_under_traffic
drun "daemon restart under traffic loses nothing; SIGHUP removes and adds" restart_reload
drun "the daemon's [tunnel NAME]: across the overlay, SIGHUP, SIGTERM drains" tunnels
drun "registry, two beacons: nodes enroll, ping, join, NAT, relay-only, revoke, failover, restart on caches" registry
finish
