#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Throughput of ovl against WireGuard and bare veth, measured in one run on
# one kernel and one topology (two namespaces joined by veth), so that only
# the ratios mean anything.  Runs as root inside the test VM: "make bench".
#
# Prints iperf3 TCP throughput for 1 and 2 flows over veth, WireGuard and
# ovl, the ratios ovl/WireGuard and ovl/veth, and the ratio of ovl with
# 100,000 peers configured to ovl with one.  Each figure is the median of
# BENCH_ROUNDS runs (default 3), taken in rounds that alternate veth,
# WireGuard and ovl, so that a noisy moment of the host does not fall on
# one of them only.  Never fails on a figure.
#
# A/B mode, BENCH_BASE_KO=PATH/ovl.ko (an older build for the same
# kernel): ovl only, the base module and the current one (the one
# installed in the VM) alternating round by round in this one boot, the
# module reloaded and the namespaces rebuilt every round; prints each
# module's medians of 1 flow, 2 flows and 1 flow with 100,000 peers, and
# new/base.  BENCH_MORE_KOS="TAG=PATH ..." adds variants to the rotation;
# BENCH_100K=0 leaves out the 100,000 peers.  Comparisons across boots are
# not worth much under TCG on a shared host; this one is, the more so
# with OVL_VM_ACCEL=icount (guest time counts instructions, see
# vm-run.sh).  BENCH_ROUNDS defaults to 5 here.
set -eu
[ -z "${BENCH_BASE_KO:-}" ] || BENCH_BASE_KO=$(realpath "$BENCH_BASE_KO")
cd "$(dirname "$0")/.."
source selftests/lib.sh
trap - EXIT

SECS=${BENCH_SECS:-8}
ROUNDS=${BENCH_ROUNDS:-$([ -n "${BENCH_BASE_KO:-}" ] && echo 5 || echo 3)}
TMPDIR=$(mktemp -d)
declare -A mbps runs

# iperf NS DST FLOWS: received Mbit/s of one iperf3 TCP run.
iperf()
{
	local out
	ip netns exec "$B" iperf3 -s -D -1 -B "$2" >/dev/null
	sleep 0.5
	out=$(ip netns exec "$1" iperf3 -c "$2" -t "$SECS" -O 1 -P "$3" -J)
	jq '.end.sum_received.bits_per_second / 1e5 | floor / 10' <<<"$out"
}

# median VALUE...: the middle one (the lower middle of an even count).
median()
{
	printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"
}

# measure KEY DST FLOWS: one more run of figure KEY, into runs[KEY].
measure()
{
	runs[$1]+=" $(iperf $A "$2" "$3")"
}

# ratio A B [DIGITS]: A/B, to DIGITS (default 2) decimals.
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { printf "%.*f", d, b ? a / b : 0 }'; }

wg_setup()
{
	local ka kb
	modprobe wireguard
	ka=$(wg genkey) && kb=$(wg genkey)
	for n in 1 2; do
		local me key other peerkey
		me=$([ $n = 1 ] && echo $A || echo $B)
		key=$([ $n = 1 ] && echo "$ka" || echo "$kb")
		peerkey=$(echo "$([ $n = 1 ] && echo "$kb" || echo "$ka")" | wg pubkey)
		other=$((3 - n))
		ip -n "$me" link add wg0 type wireguard
		echo "$key" >"$TMPDIR/wgkey"
		ip netns exec "$me" wg set wg0 listen-port 51820 private-key "$TMPDIR/wgkey" \
			peer "$peerkey" endpoint 192.0.2.$other:51820 allowed-ips 10.88.0.$other/32
		ip -n "$me" addr add 10.88.0.$n/24 dev wg0
		ip -n "$me" link set wg0 up
	done
}

# Add PEERS extra peers to A's ovl0, none of which carries the traffic.
add_peers()
{
	local i
	for ((i = 100000; i < 100000 + $1; i++)); do
		printf 'peer add ovl0 %d endpoint 198.18.%d.%d:4500 allowed-ips 11.%d.%d.%d/32\n' \
			$i $(((i >> 8) & 255)) $((i & 255)) $(((i >> 16) & 255)) \
			$(((i >> 8) & 255)) $((i & 255))
	done | ip netns exec $A "$OVLCTL" -b -
}

# ab_round TAG KO: load KO as the ovl module, set up the pair, measure 1
# and 2 flows and then (unless BENCH_100K=0) 1 flow with 100,000 extra
# peers, into runs[TAG,1|2|100k]; tear the namespaces down.
ab_round()
{
	local tag=$1 ko=$2 i
	# Deleting a device with 100,000 peers takes a while after its
	# namespace is gone; the module stays busy until then.
	for ((i = 0; i < 300; i++)); do
		[ -d /sys/module/ovl ] || break
		rmmod ovl 2>/dev/null && break
		sleep 0.2
	done
	[ ! -d /sys/module/ovl ]
	insmod "$ko"
	pair_setup 4
	ip netns exec $A ping -q -c 2 10.77.0.2 >/dev/null
	measure "$tag,1" 10.77.0.2 1
	measure "$tag,2" 10.77.0.2 2
	if [ "${BENCH_100K:-1}" != 0 ]; then
		add_peers 100000
		measure "$tag,100k" 10.77.0.2 1
	fi
	cleanup_netns
}

# spread VALUE...: "min-max"
spread()
{
	printf '%s\n' "$@" | sort -n | sed -n '1h; $ { H; x; s/\n/-/p }'
}

# A/B mode: BENCH_BASE_KO is an older build of ovl.ko; BENCH_MORE_KOS may
# name more variants, as TAG=PATH words.  Within this one boot, rounds
# run every module in turn (the order rotated every round, so that a slow
# drift of the host falls on all alike), each on fresh namespaces;
# figures are per-module medians and their ratios to the base.
if [ -n "${BENCH_BASE_KO:-}" ]; then
	modprobe ovl	# the current module, and its dependencies
	cp "$(modinfo -n ovl)" "$TMPDIR/new.ko"
	tags=(base) kos=("$BENCH_BASE_KO")
	for word in ${BENCH_MORE_KOS:-}; do
		tags+=("${word%%=*}") kos+=("$(realpath "${word#*=}")")
	done
	tags+=(new) kos+=("$TMPDIR/new.ko")
	n=${#tags[@]}
	for ((i = 0; i < n; i++)); do
		echo "# ${tags[i]}: ${kos[i]} ($(modinfo -F srcversion "${kos[i]}"))"
	done
	for ((round = 0; round < ROUNDS; round++)); do
		for ((i = 0; i < n; i++)); do
			k=$(((i + round) % n))
			ab_round "${tags[k]}" "${kos[k]}"
		done
		echo "# round $round done"
	done
	figs="1 2"
	[ "${BENCH_100K:-1}" = 0 ] || figs+=" 100k"
	for tag in "${tags[@]}"; do
		for fig in $figs; do
			# shellcheck disable=SC2086
			mbps[$tag,$fig]=$(median ${runs[$tag,$fig]})
			# shellcheck disable=SC2086
			echo "# $tag,$fig:${runs[$tag,$fig]} -> ${mbps[$tag,$fig]} (spread $(spread ${runs[$tag,$fig]}))"
		done
	done
	echo "kernel: $(uname -r), $(nproc) CPUs, A/B, median of $ROUNDS runs of ${SECS}s each"
	printf '%-8s' module
	for fig in $figs; do printf ' %10s %8s' "$fig" "/base"; done
	echo
	for tag in "${tags[@]}"; do
		printf '%-8s' "$tag"
		for fig in $figs; do
			printf ' %10s %8s' "${mbps[$tag,$fig]}" \
				"$(ratio "${mbps[$tag,$fig]}" "${mbps[base,$fig]}" 3)"
		done
		echo
	done
	if [ "${BENCH_100K:-1}" != 0 ]; then
		for tag in "${tags[@]}"; do
			echo "$tag: 100,000 peers / 1 peer (1 flow): $(ratio "${mbps[$tag,100k]}" "${mbps[$tag,1]}" 3)"
		done
	fi
	rm -rf "$TMPDIR"
	exit 0
fi

modprobe ovl
pair_setup 4
wg_setup
ip netns exec $A ping -q -c 2 10.77.0.2 >/dev/null
ip netns exec $A ping -q -c 2 10.88.0.2 >/dev/null

for ((round = 0; round < ROUNDS; round++)); do
	for flows in 1 2; do
		measure veth,$flows 192.0.2.2 $flows
		measure wg,$flows 10.88.0.2 $flows
		measure ovl,$flows 10.77.0.2 $flows
	done
done
start=$(date +%s)
add_peers 100000
echo "# added 100,000 peers in $(($(date +%s) - start)) s"
for ((round = 0; round < ROUNDS; round++)); do
	measure ovl100k,1 10.77.0.2 1
done
for key in "${!runs[@]}"; do
	# shellcheck disable=SC2086
	mbps[$key]=$(median ${runs[$key]})
	echo "# $key:${runs[$key]} -> ${mbps[$key]}"
done

echo "kernel: $(uname -r), $(nproc) CPUs, median of $ROUNDS runs of ${SECS}s"
printf '%-6s %10s %10s %10s %12s %10s\n' flows veth wireguard ovl ovl/wg ovl/veth
for flows in 1 2; do
	printf '%-6s %10s %10s %10s %12s %10s\n' "$flows" "${mbps[veth,$flows]}" \
		"${mbps[wg,$flows]}" "${mbps[ovl,$flows]}" \
		"$(ratio "${mbps[ovl,$flows]}" "${mbps[wg,$flows]}")" \
		"$(ratio "${mbps[ovl,$flows]}" "${mbps[veth,$flows]}")"
done
echo "ovl with 100,000 peers / with 1 peer (1 flow): $(ratio "${mbps[ovl100k,1]}" "${mbps[ovl,1]}")" \
	"(${mbps[ovl100k,1]} / ${mbps[ovl,1]} Mbit/s)"
cleanup_netns
rm -rf "$TMPDIR"
