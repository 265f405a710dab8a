#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Relay fallback figures, measured in one run on one kernel in the
# topology of selftests/relay_lib.sh (A and B behind a router, the beacon
# in a third namespace).  Runs as root inside the test VM: "make bench".
#
# Prints: iperf3 TCP throughput A -> B over ovl direct and through
# ovl-beacon (both peers pinned to relay), and their ratio; the failover
# time (path cut both ways until both peers are relayed, and how many
# pings of a 5/s ping got lost) and the recovery time (path healed until
# both are direct again), with the default thresholds; and ovl-beacon's
# forwarding rate on loopback with --batch 32 against --batch 1.  Never
# fails on a figure.
set -eu
cd "$(dirname "$0")/.."
source selftests/lib.sh
source selftests/relay_lib.sh
trap - EXIT

SECS=${BENCH_SECS:-8}
TMP=$(mktemp -d)

# iperf DST: received Mbit/s of one iperf3 TCP run from A.
iperf()
{
	local out
	ip netns exec "$B" iperf3 -s -D -1 -B "$1" >/dev/null
	sleep 0.5
	out=$(ip netns exec "$A" iperf3 -c "$1" -t "$SECS" -O 1 -J)
	jq '.end.sum_received.bits_per_second / 1e6 | floor' <<<"$out"
}

ms() { date +%s%3N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }

modprobe ovl
relay_setup
ping_ok

direct=$(iperf 10.77.0.2)
ip netns exec $A "$OVLCTL" peer set ovl0 2 relay pinned
ip netns exec $B "$OVLCTL" peer set ovl0 1 relay pinned
relayed=$(iperf 10.77.0.2)
ip netns exec $A "$OVLCTL" peer set ovl0 2 relay on
ip netns exec $B "$OVLCTL" peer set ovl0 1 relay on
wait_path $A 2 direct 30 >/dev/null
wait_path $B 1 direct 30 >/dev/null

start_ping
sleep 2
t0=$(ms)
cut both
wait_path $A 2 relay 60 >/dev/null
wait_path $B 1 relay 60 >/dev/null
failover=$(($(ms) - t0))
sleep 2
t0=$(ms)
heal
wait_path $A 2 direct 60 >/dev/null
wait_path $B 1 direct 60 >/dev/null
recovery=$(($(ms) - t0))
sleep 1
kill -INT "$PING_PID"
wait "$PING_PID" 2>/dev/null || true
pings=$(grep 'packets transmitted' "$TMP/ping")

echo "kernel: $(uname -r), $(nproc) CPUs, ${SECS}s per run"
echo "ovl direct:  $direct Mbit/s"
echo "ovl relayed: $relayed Mbit/s (through ovl-beacon --batch 32)"
echo "relay/direct: $(ratio "$relayed" "$direct")"
echo "failover (cut both ways -> both relayed): $failover ms"
echo "recovery (healed -> both direct): $recovery ms"
echo "ping at 5/s through failover and recovery: $pings"
cleanup_netns
echo "ovl-beacon on loopback, 64-byte frames:"
tool/beacon/bench tool/beacon/ovl-beacon 3 64
rm -rf "$TMP"
