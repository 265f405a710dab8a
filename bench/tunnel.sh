#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The TCP tunnel (ovlctl tunnel listen, issue 12) against HAProxy 2.6 in
# TCP mode (Debian's haproxy, its default TCP proxying: no splice
# options), same run, same machine, on the host's loopback: no VM, no
# module.  "make bench" runs it; "make check" never does.
#
# Prints, for 1 and 100 concurrent connections: iperf3 TCP throughput
# client -> backend through each proxy (Gbit/s), new connections per
# second through each (bench/connrate.c: connect, one byte, EOF, close),
# and the ratios tunnel/haproxy.  Both proxies get one thread per core
# and their defaults otherwise (the tunnel's warm pool of 8 included,
# but for iperf3, see below).
# Never fails on a figure.
set -eu
cd "$(dirname "$0")/.."

SECS=${BENCH_SECS:-5}
OVLCTL=${OVLCTL:-tool/ovlctl}
TMP=$(mktemp -d)
pids=()
cleanup()
{
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

for cmd in haproxy iperf3 jq cc; do
	command -v "$cmd" >/dev/null || {
		echo "bench/tunnel.sh: $cmd missing (scripts/install-deps.sh)" >&2
		exit 1
	}
done
[ -x "$OVLCTL" ] || make -s -C tool

port()
{
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port()
{
	local i
	for i in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	echo "bench/tunnel.sh: nothing listens on $1" >&2
	cat "$TMP"/*.log >&2
	exit 1
}

cc -O2 -o "$TMP/connrate" bench/connrate.c

# Backends: iperf3 for throughput, connrate for connections.
IPERF=$(port)
CONN=$(port)
iperf3 -s -p "$IPERF" >/dev/null 2>&1 & pids+=($!)
"$TMP/connrate" serve "$CONN" & pids+=($!)

# The proxies: the tunnel and HAProxy, one frontend per backend each.
T_IPERF=$(port); T_CONN=$(port); H_IPERF=$(port); H_CONN=$(port)
export OVL_TUNNEL_DIR=$TMP/run
# iperf3's server runs one test at a time and refuses other connections:
# warm connections would be refused or taken for a client, so no pool.
"$OVLCTL" tunnel listen "127.0.0.1:$T_IPERF" --pool 0 \
	--backend "127.0.0.1:$IPERF" 2>"$TMP/t1.log" & pids+=($!)
"$OVLCTL" tunnel listen "127.0.0.1:$T_CONN" \
	--backend "127.0.0.1:$CONN" 2>"$TMP/t2.log" & pids+=($!)
cat >"$TMP/haproxy.cfg" <<EOF
global
	maxconn 4000
	nbthread $(nproc)
defaults
	mode tcp
	timeout connect 10s
	timeout client 90s
	timeout server 90s
listen iperf
	bind 127.0.0.1:$H_IPERF
	server s 127.0.0.1:$IPERF
listen conn
	bind 127.0.0.1:$H_CONN
	server s 127.0.0.1:$CONN
EOF
haproxy -f "$TMP/haproxy.cfg" -db >"$TMP/haproxy.log" 2>&1 & pids+=($!)
for p in "$IPERF" "$CONN" "$T_IPERF" "$T_CONN" "$H_IPERF" "$H_CONN"; do
	wait_port "$p"
done
sleep 0.5

# gbps PORT STREAMS: received Gbit/s of one iperf3 run.
gbps()
{
	iperf3 -c 127.0.0.1 -p "$1" -P "$2" -t "$SECS" -O 1 -J |
		jq '.end.sum_received.bits_per_second / 1e9 * 100 | floor / 100'
}

# cps PORT CONC: new connections per second (and failures).
cps()
{
	"$TMP/connrate" run "$1" "$2" "$SECS"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }

echo "TCP tunnel vs $(haproxy -v | head -n 1 | cut -d' ' -f1-3), loopback," \
     "$(nproc) CPUs, ${SECS} s runs, $(uname -r)"
printf '%-28s %12s %12s %8s\n' "" "tunnel" "haproxy" "ratio"
for conc in 1 100; do
	t=$(gbps "$T_IPERF" "$conc")
	h=$(gbps "$H_IPERF" "$conc")
	printf '%-28s %12s %12s %8s\n' "throughput Gbit/s, $conc conn" \
		"$t" "$h" "$(ratio "$t" "$h")"
done
for conc in 1 100; do
	read -r t tf < <(cps "$T_CONN" "$conc")
	read -r h hf < <(cps "$H_CONN" "$conc")
	printf '%-28s %12s %12s %8s\n' "new conn/s, $conc conc" \
		"$t" "$h" "$(ratio "$t" "$h")"
	[ "$tf" = 0 ] && [ "$hf" = 0 ] ||
		echo "  (failed connections: tunnel $tf, haproxy $hf)"
done
