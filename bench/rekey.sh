#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What a rekey costs TCP throughput: two nodes keyed by their control
# daemons only (ovlctl daemon, selftests/daemon_lib.sh), an iperf3 TCP
# flow from node 1 to node 2, with rekey-after-seconds = 5 (a Noise
# handshake, a key install and a swap every 5 s under the flow) against
# the same with rekeys too far apart to happen during the run.  Runs as
# root inside the test VM ("make bench"), one kernel, one boot.
#
# Each round runs both, in alternating order, each on freshly started
# daemons and devices; prints every run, the rekeys each saw, the medians
# of BENCH_ROUNDS rounds (default 3, BENCH_SECS seconds a run, default 20)
# and rekey/steady.  The issue's bar is "within noise": the spread of the
# steady runs is printed next to it.  Never fails on a figure.
set -eu
cd "$(dirname "$0")/.."
source selftests/lib.sh
trap - EXIT

SECS=${BENCH_SECS:-20}
ROUNDS=${BENCH_ROUNDS:-3}
TOP=$(mktemp -d)
SW=ovl-dsw
source selftests/daemon_lib.sh
trap 'cleanup_netns; pkill -f "ovlctl daemon" 2>/dev/null; rm -rf "$TOP"' EXIT

need iperf3 jq || { echo "bench/rekey.sh: needs iperf3 and jq"; exit 1; }
load_ovl || { echo "bench/rekey.sh: cannot load the ovl module"; exit 1; }

fresh
ca ca && node 1 && node 2 && hosts 1 2 || exit 1

# run REKEY: Mbit/s of one iperf3 run on daemons with that rekey-after,
# and the handshakes node 1 logged during it, as "MBPS HANDSHAKES".
run()
{
	local before out n
	conf 1 "$1" 2 && conf 2 "$1" 1 || return 1
	: >"$D/n1.log"
	: >"$D/n2.log"
	start 1; start 2
	wait_handshake 1 2 20 || return 1
	ip netns exec ovl-d2 iperf3 -s -D -1 -B 10.77.0.2 >/dev/null
	sleep 0.5
	before=$(handshakes 1 2)
	out=$(ip netns exec ovl-d1 iperf3 -c 10.77.0.2 -t "$SECS" -O 1 -J)
	n=$(($(handshakes 1 2) - before))
	kill "$PID1" "$PID2"
	wait "$PID1" "$PID2" 2>/dev/null || true
	ip -n ovl-d1 link del ovl0
	ip -n ovl-d2 link del ovl0
	echo "$(jq '.end.sum_received.bits_per_second / 1e5 | floor / 10' <<<"$out") $n"
}

median()
{
	printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b ? a / b : 0 }'; }

fast=() steady=() r=0
# Far enough that no rekey falls in the run; the key lifetime, rekey
# plus its half, stays past it too.
far=$((SECS * 10))
while [ "$r" -lt "$ROUNDS" ]; do
	r=$((r + 1))
	for mode in $([ $((r % 2)) -eq 1 ] && echo "5 $far" || echo "$far 5"); do
		read -r mbps n <<<"$(run "$mode")" || exit 1
		echo "round $r, rekey-after-seconds $mode: $mbps Mbit/s, $n rekeys"
		if [ "$mode" = 5 ]; then fast+=("$mbps"); else steady+=("$mbps"); fi
	done
done
mf=$(median "${fast[@]}") ms=$(median "${steady[@]}")
lo=$(printf '%s\n' "${steady[@]}" | sort -n | head -1)
hi=$(printf '%s\n' "${steady[@]}" | sort -n | tail -1)
echo "rekey every 5 s: median $mf Mbit/s (${fast[*]})"
echo "no rekey:        median $ms Mbit/s (${steady[*]})"
echo "rekey/steady: $(ratio "$mf" "$ms")" \
	"(steady runs spread $(ratio "$lo" "$ms")..$(ratio "$hi" "$ms") of their median)"
