#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bounded queues: junk DATA naming one peer cannot starve another that
# shares its receive slot, probes cannot overtake queued data past the
# receiver's replay window, and a received packet keeps nothing of the
# datagram that carried it.
source "$(dirname "$0")/lib.sh"

R=ovl-r H=ovl-h F=ovl-f
FLOOD=$REPO/selftests/junk_flood
# Junk datagrams: size (bytes) and rate (a second).  Large ones, so that a
# modest packet rate (little CPU for the flooder) is far more than the
# crypt workers can decrypt: on a kernel whose receive slot is bounded
# only in packets, the junk fills the slot the victim shares.
FLOOD_SIZE=${FLOOD_SIZE:-60000}
FLOOD_RATE=${FLOOD_RATE:-2000}
# The victim's traffic: UDP at a fixed rate well below what even a loaded
# TCG machine carries, so that its quiet figure is steady and what the
# flood takes from it shows.
VICTIM_RATE=${VICTIM_RATE:-4M}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-4}
TMPDIR=$(mktemp -d)
trap 'cleanup_netns; rm -rf "$TMPDIR"' EXIT

# median N...: the median of integers.
median()
{
	printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {
		if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# ncpus: the CPUs the receive slots are made for (possible CPUs).
ncpus()
{
	local possible last
	possible=$(cat /sys/devices/system/cpu/possible)
	last=${possible##*-}
	echo $((last + 1))
}

# flood_setup JUNK VICTIM: R (node 1) with peers JUNK and VICTIM; host H is
# node VICTIM, over veth (192.0.2.0/24); the flooder's namespace F reaches
# R over another veth (198.51.100.0/24) whose MTU takes the junk whole.
# Nobody is node JUNK: R knows it with a key, which is all junk needs.
flood_setup()
{
	local junk=$1 victim=$2 k1 k2 k3 k4 keys
	add_netns $R $H $F || return 1
	# One "ip -batch" per namespace, one "ovlctl -b" per host: each
	# process costs a lot under TCG.
	ip -n $R -batch - <<EOF || return 1
link set lo up
link add v0 type veth peer name v0 netns $H
link add vj type veth peer name vj netns $F
addr add 192.0.2.1/24 dev v0
link set v0 up
link set vj mtu 65535
addr add 198.51.100.1/24 dev vj
link set vj up
link add ovl0 type ovl
addr add 10.77.0.1/24 dev ovl0
EOF
	ip -n $H -batch - <<EOF || return 1
link set lo up
addr add 192.0.2.4/24 dev v0
link set v0 up
link add ovl0 type ovl
addr add 10.77.0.4/24 dev ovl0
EOF
	ip -n $F -batch - <<EOF || return 1
link set lo up
link set vj mtu 65535
addr add 198.51.100.9/24 dev vj
link set vj up
EOF
	ip netns exec $R "$OVLCTL" dev set ovl0 node-id 1 listen-port 4500 &&
	ip -n $R link set ovl0 up &&
	ip netns exec $H "$OVLCTL" dev set ovl0 node-id "$victim" listen-port 4500 &&
	ip -n $H link set ovl0 up || return 1
	keys=$("$OVLCTL" -b - <<<$'key generate\nkey generate\nkey generate\nkey generate') &&
	{ read -r k1 && read -r k2 && read -r k3 && read -r k4; } <<<"$keys" &&
	[ -n "$k4" ] || fail "key generate" || return 1
	ip netns exec $R "$OVLCTL" -b - <<EOF &&
peer add ovl0 $victim endpoint 192.0.2.4:4500 allowed-ips 10.77.0.4/32
key set ovl0 $victim id 1 tx-key $k1 rx-key $k2
peer add ovl0 $junk endpoint 203.0.113.2:4500 allowed-ips 10.77.0.2/32
key set ovl0 $junk id 1 tx-key $k3 rx-key $k4
EOF
	ip netns exec $H "$OVLCTL" -b - <<EOF
peer add ovl0 1 endpoint 192.0.2.1:4500 allowed-ips 10.77.0.1/32
key set ovl0 1 id 1 tx-key $k2 rx-key $k1
EOF
}

# udp_kbps SECS: what R receives of H's UDP flow over the overlay, kbit/s
# (iperf3 on CPU 0).
udp_kbps()
{
	local out
	out=$(ip netns exec $H taskset -c 0 iperf3 -c 10.77.0.1 -u -b "$VICTIM_RATE" \
		-l 1300 -t "$1" -J 2>&1) || { echo "iperf3: $out" >&2; echo 0; return; }
	jq '(.end.sum_received.bits_per_second // .end.sum.bits_per_second) / 1e3 | floor' <<<"$out"
}

t_flood()
{
	local FLOOD_SIZE=${1:-$FLOOD_SIZE} FLOOD_RATE=${2:-$FLOOD_RATE}
	local n junk victim i quiet=() flooded=() q f mq mf sent=0 s r tot
	local reasons="bad_tag rx_peer_budget rx_queue_full crypt_queue_full"
	need iperf3 taskset jq || return $KSFT_SKIP
	[ -x "$FLOOD" ] || { echo "build $FLOOD first (make -C selftests)"; return 1; }
	n=$(ncpus)
	[ "$n" -ge 2 ] || return $KSFT_SKIP
	# Node ids that share a receive slot (node id modulo the CPUs).
	junk=2 victim=$((2 + n))
	echo "$n CPUs: junk names node $junk, traffic from node $victim (same slot);" \
		"$FLOOD_RATE junk datagrams of $FLOOD_SIZE bytes a second"
	flood_setup $junk $victim || return 1
	ip netns exec $R taskset -c 0 iperf3 -s -D -B 10.77.0.1 &&
		tcp_listening $R 5201 || return 1
	udp_kbps 1 >/dev/null	# warm up: ARP, the first key use
	for i in $(seq "$ROUNDS"); do
		q=$(udp_kbps "$SECS")
		ip netns exec $F taskset -c 1 "$FLOOD" 198.51.100.1 4500 $junk 1 \
			"$FLOOD_SIZE" "$FLOOD_RATE" $((SECS + 2)) >"$TMPDIR/sent.$i" &
		sleep 1
		grep '^cpu[0-9]' /proc/stat >"$TMPDIR/stat0"
		f=$(udp_kbps "$SECS")
		grep '^cpu[0-9]' /proc/stat >"$TMPDIR/stat1"
		wait
		paste "$TMPDIR/stat0" "$TMPDIR/stat1" | awk '{ n = (NF - 2) / 2;
			for (i = 2; i <= n + 1; i++) { t0 += $i; t1 += $(i + n + 1) }
			idle = $(n + 2 + 4) + $(n + 2 + 5) - $5 - $6;
			printf "%s busy %d%%; ", $1, 100 - 100 * idle / (t1 - t0); t0 = t1 = 0 }'
		echo
		s=$(cat "$TMPDIR/sent.$i")
		sent=$((sent + s))
		echo "round $i: ${q} kbit/s alone, ${f} kbit/s under $s junk datagrams"
		quiet+=("$q") flooded+=("$f")
	done
	mq=$(median "${quiet[@]}") mf=$(median "${flooded[@]}")
	echo "median: ${mq} kbit/s alone, ${mf} kbit/s flooded"
	tot=0
	for r in $reasons; do
		s=$(drops $R "$r")
		echo "drops.$r: $s"
		tot=$((tot + s))
	done
	echo "junk sent: $sent, dropped and counted: $tot"
	[ "$mq" -gt 0 ] || fail "no throughput without the flood" || return 1
	[ $((mf * 100)) -ge $((mq * 80)) ] ||
		fail "flooded throughput ${mf} below 80% of ${mq}" || return 1
	[ "$(drops $R bad_tag)" -gt 0 ] || fail "no junk reached the tag check" || return 1
	[ "$(drops $R rx_peer_budget)" -gt 0 ] ||
		fail "no junk dropped by its peer's receive budget" || return 1
	# Bounded work before authentication: most junk never reaches the
	# crypto (the old kernel decrypted every junk datagram).
	[ $(($(drops $R bad_tag) * 10)) -le "$sent" ] ||
		fail "$(drops $R bad_tag) of $sent junk datagrams were decrypted" || return 1
	# Every junk datagram that reached the device is counted, by reason.
	[ $((tot * 100)) -ge $((sent * 90)) ] && [ "$tot" -le "$sent" ] ||
		fail "$tot of $sent junk datagrams counted" || return 1
	expect_eq "victim's drops at R" "$(drops $R replay)+$(drops $R bad_source)" "0+0"
}

# known_pair: hosts A (node 1) and B (node 2) over veth 192.0.2.0/24,
# inner 10.77.0.N/24, keyed both ways with KAB (A's tx, B's rx) and KBA,
# which the caller may use to forge.
known_pair()
{
	local n me ns=("" $A $B) keys
	add_netns $A $B || return 1
	# One "ip -batch" per namespace, one "ovlctl -b" per host: each
	# process costs a lot under TCG.
	for n in 1 2; do
		me=${ns[n]}
		ip -n "$me" -batch - <<EOF || return 1
link set lo up
$([ $n = 1 ] && echo "link add v0 type veth peer name v0 netns $B")
addr add 192.0.2.$n/24 dev v0
link set v0 up
link add ovl0 type ovl
addr add 10.77.0.$n/24 dev ovl0
EOF
		ip netns exec "$me" "$OVLCTL" dev set ovl0 node-id $n listen-port 4500 &&
		ip -n "$me" link set ovl0 up || return 1
	done
	keys=$("$OVLCTL" -b - <<<$'key generate\nkey generate') &&
	{ read -r KAB && read -r KBA; } <<<"$keys" &&
	[ -n "$KAB" ] && [ -n "$KBA" ] || fail "key generate" || return 1
	ip netns exec $A "$OVLCTL" -b - <<EOF &&
peer add ovl0 2 endpoint 192.0.2.2:4500 allowed-ips 10.77.0.2/32
key set ovl0 2 id 1 tx-key $KAB rx-key $KBA
EOF
	ip netns exec $B "$OVLCTL" -b - <<EOF
peer add ovl0 1 endpoint 192.0.2.1:4500 allowed-ips 10.77.0.1/32
key set ovl0 1 id 1 tx-key $KBA rx-key $KAB
EOF
}

# A's tx counter towards B.
a_counter()
{
	peer_json $A 2 '.keys[0].tx_counter'
}

# blast NETNS SECS: from NETNS, two senders of 64 KiB UDP GSO packets (47
# segments each) to 10.77.0.2, with large send buffers, for SECS.
blast()
{
	local i
	for i in 1 2; do
		ip netns exec "$1" timeout "$2" "$PYTHON" - <<'PY' &
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 32, 64 << 20)	# SO_SNDBUFFORCE
s.setsockopt(socket.IPPROTO_UDP, 103, 1372)	# UDP_SEGMENT
buf = bytes(1372 * 47)
while True:
    try:
        s.sendto(buf, ("10.77.0.2", 9))
    except OSError:	# ENOBUFS when memory runs short: keep going
        pass
PY
	done
}

# A's transmit queue towards B fills with 64 KiB GSO packets, far more
# counters than B's replay window (8128), while B probes A (forged
# requests, sealed with B's key): each answer takes the next counter of
# the key the queued data was given counters from.  On the wire (a
# sniffer on B's side), no answer may get ahead of data by the window or
# more, and B refuses none of A's data as a replay.
t_overtake()
{
	local before after out i
	need "$PYTHON" taskset || return $KSFT_SKIP
	"$PYTHON" -c 'import cryptography' 2>/dev/null || return $KSFT_SKIP
	known_pair || return 1
	ip netns exec $A ping -q -c 2 -W 2 10.77.0.2 >/dev/null || fail "ping" || return 1
	ip netns exec $B taskset -c 1 "$PYTHON" "$REPO/selftests/overtake_sniff.py" v0 1 20 \
		>"$TMPDIR/sniff" &
	for i in $(seq 50); do
		grep -q ready "$TMPDIR/sniff" && break
		sleep 0.1
	done
	blast $A 6
	sleep 1
	ip netns exec $B "$PYTHON" "$REPO/selftests/probe_forge.py" 192.0.2.2 \
		192.0.2.1 4500 2 "$KBA" 1 0 80 0.05 || fail "probe_forge.py" || return 1
	wait
	out=$(grep probes "$TMPDIR/sniff")
	echo "on the wire: $out"
	echo "A: tx_counter $(a_counter), drops.tx_queue_full $(drops $A tx_queue_full)," \
		"drops.tx_error $(drops $A tx_error)"
	echo "B: rx_packets $(peer_json $B 1 .rx_packets), drops.replay $(drops $B replay)," \
		"drops.rx_peer_budget $(drops $B rx_peer_budget)"
	# Full once: it held 1024 packets of 47 counters each.
	[ $(($(drops $A tx_queue_full) + $(drops $A tx_error))) -gt 0 ] ||
		fail "A's transmit queue never filled" || return 1
	[ "$(awk '{print $6}' <<<"$out")" -lt 8128 ] ||
		fail "a probe answer overtook data by the replay window or more" || return 1
	expect_eq "A's data refused by B as replays" "$(drops $B replay)" 0 || return 1
	# Idle, A answers every probe.
	before=$(a_counter)
	ip netns exec $B "$PYTHON" "$REPO/selftests/probe_forge.py" 192.0.2.2 192.0.2.1 \
		4500 2 "$KBA" 1 1000 5 0.1 >/dev/null || fail "probe_forge.py" || return 1
	sleep 1
	after=$(a_counter)
	expect_eq "probe answers once A's queue drained" $((after - before)) 5
}

# A packet that came through the overlay keeps nothing of the datagram
# that carried it: B marks and prioritizes the outer datagrams (after ESP,
# when the outer path is IPsec) and its input chain counts inner packets
# that still carry the mark, the priority or the xfrm state.
t_scrub()
{
	local esp=0 c
	need nft || return $KSFT_SKIP
	known_pair || return 1
	if ip -n $A xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001 \
		mode transport aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 2>/dev/null; then
		ip -n $B xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001 \
			mode transport aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 &&
		ip -n $A xfrm policy add src 192.0.2.1 dst 192.0.2.2 proto udp dir out \
			tmpl proto esp mode transport || return 1
		esp=1
	else
		echo "no ESP in this kernel: the xfrm state is not checked"
	fi
	ip netns exec $B nft -f - <<'NFT' || return 1
table inet scrub {
	chain pre {
		type filter hook prerouting priority -150; policy accept;
		udp dport 4500 meta secpath exists counter
		udp dport 4500 meta mark set 0x42 meta priority set 1:2 counter
	}
	chain in {
		type filter hook input priority 0; policy accept;
		iifname "ovl0" meta mark 0x42 counter
		iifname "ovl0" meta priority 1:2 counter
		iifname "ovl0" meta secpath exists counter
		iifname "ovl0" counter
	}
}
NFT
	ip netns exec $A ping -q -c 5 -i 0.2 -W 2 10.77.0.2 >/dev/null || fail "ping over ESP" ||
		return 1
	c=$(ip netns exec $B nft -j list table inet scrub |
		jq -r '[.nftables[].rule | select(.) | .expr[] | .counter | select(.) | .packets] | join(" ")')
	echo "counters (outer ESP, outer, inner marked, inner prioritized, inner xfrm, inner): $c"
	read -r c_esp c_outer c_mark c_prio c_sp c_inner <<<"$c"
	[ "$c_outer" -ge 5 ] && [ "$c_inner" -ge 5 ] || fail "the rules saw no traffic" || return 1
	[ $esp = 0 ] || [ "$c_esp" -ge 5 ] || fail "the outer datagrams did not come over ESP" ||
		return 1
	expect_eq "inner packets with the outer mark" "$c_mark" 0 &&
	expect_eq "inner packets with the outer priority" "$c_prio" 0 &&
	expect_eq "inner packets with the outer xfrm state" "$c_sp" 0
}

plan 3
run "junk naming one peer leaves another's throughput" t_flood
run "probes cannot overtake queued data past the replay window" t_overtake
run "a received packet keeps nothing of its datagram" t_scrub
diag "flood.sh took ${SECONDS} s"
finish
