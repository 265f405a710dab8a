#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make demo": a user's first minutes with ovl, every command echoed.  Two
# hosts, alpha and beta, get an ovl device each and talk over it with
# manually installed keys; then a beacon joins, the direct path between
# them is cut and healed while a ping runs, and the path changes show.
# The hosts are network namespaces on a bridge (the "internet", in its own
# namespace, where nftables cuts the path).  Runs as root inside the test
# VM, or on any host that has ovl.ko installed.
set -eu
cd "$(dirname "$0")/.."
PATH=$PWD/tool:$PWD/tool/beacon:$PATH
HOSTS=(alpha beta beacon internet)

say()
{
	printf '\n## %s\n' "$*"
}

# on HOST CMD...: echo the command as typed on HOST, then run it there.  A
# leading "!" marks a command expected to fail.
on()
{
	local host=$1 expect_fail=
	shift
	[ "$1" != "!" ] || { expect_fail=1; shift; }
	printf '%s# %s\n' "$host" "$*"
	if [ -n "$expect_fail" ]; then
		! ip netns exec "$host" "$@"
	else
		ip netns exec "$host" "$@"
	fi
}

cleanup()
{
	local h
	[ -z "${beacon_pid:-}" ] || kill "$beacon_pid" 2>/dev/null || true
	for h in "${HOSTS[@]}"; do
		ip netns del "$h" 2>/dev/null || true
	done
}
cleanup
trap cleanup EXIT

# The "internet" between the hosts: not part of what a user types.
for h in "${HOSTS[@]}"; do
	ip netns add "$h"
	ip -n "$h" link set lo up
done
ip -n internet link add br0 type bridge
ip -n internet link set br0 up
n=0
for h in alpha beta beacon; do
	n=$((n + 1))
	ip -n internet link add "$h" type veth peer name eth0 netns "$h"
	ip -n internet link set "$h" master br0 up
	ip -n "$h" addr add 198.51.100.$([ $h = beacon ] && echo 9 || echo $n)/24 dev eth0
	ip -n "$h" link set eth0 up
done

# path HOST NODEID: the path HOST's ovl0 uses for peer NODEID.
path()
{
	ip netns exec "$1" ovlctl -j peer show ovl0 "$2" | jq -r .path
}

# wait_path HOST NODEID PATH: until it is PATH; says how long that took.
wait_path()
{
	local start=$SECONDS
	until [ "$(path "$1" "$2")" = "$3" ]; do
		sleep 0.2
		[ $((SECONDS - start)) -lt 60 ] || { echo "# still not $3 after 60 s"; exit 1; }
	done
	printf '# %s: peer %s is %s after about %d s\n' "$1" "$2" "$3" $((SECONDS - start))
}

say "Load the module (ip link add would load it too)"
on alpha modprobe ovl
on alpha modinfo -F version ovl

say "Create the overlay device: a layer-3 link with room for the overlay headers"
on alpha ip link add ovl0 type ovl
on alpha ip -d link show ovl0
on alpha ovlctl dev show ovl0

say "Give each host a node id and open the overlay's UDP port"
on alpha ovlctl dev set ovl0 node-id 1 listen-port 4500
on alpha ip addr add 10.77.0.1/24 dev ovl0
on alpha ip link set ovl0 up
on beta ip link add ovl0 type ovl
on beta ovlctl dev set ovl0 node-id 2 listen-port 4500
on beta ip addr add 10.77.0.2/24 dev ovl0
on beta ip link set ovl0 up

say "The kernel itself holds the port, on IPv4 and IPv6: no daemon needed"
on alpha ss -Hulnp "sport = :4500"

say "Introduce the hosts: each is the other's peer, reached at its address"
on alpha ovlctl peer add ovl0 2 endpoint 198.51.100.2:4500 allowed-ips 10.77.0.2/32
on beta ovlctl peer add ovl0 1 endpoint 198.51.100.1:4500 allowed-ips 10.77.0.1/32

say "Without keys nothing goes out: dropped, counted, and the kernel asks for a handshake"
printf 'alpha# ovlctl monitor &\n'
ip netns exec alpha ovlctl monitor &
monitor=$!
sleep 0.5
on alpha ! ping -c 1 -W 1 10.77.0.2
sleep 0.5
kill "$monitor"
on alpha ovlctl -j dev show ovl0

say "Install session keys by hand (the control daemon will do this later)"
k12=$(ovlctl key generate)
k21=$(ovlctl key generate)
printf '# alpha->beta key: %s\n# beta->alpha key: %s\n' "$k12" "$k21"
on alpha ovlctl key set ovl0 2 id 1 tx-key "$k12" rx-key "$k21"
on beta ovlctl key set ovl0 1 id 1 tx-key "$k21" rx-key "$k12"

say "Now the hosts talk, encrypted"
on alpha ping -c 3 -i 0.3 10.77.0.2
on beta ping -c 2 -i 0.3 10.77.0.1

say "What alpha knows (like 'wg show')"
on alpha ovlctl show
on alpha ovlctl -j peer show ovl0 2

say "Mistakes get a clear answer and change nothing"
on alpha ! ovlctl peer add ovl0 2
on alpha ! ovlctl dev set ovl0 node-id 0
on alpha ! ovlctl key set ovl0 9 id 1 tx-key "$k12" rx-key "$k21"

say "Relay fallback: start a beacon and let both hosts register with it"
printf 'beacon# ovl-beacon --listen 198.51.100.9:3478 &\n'
ip netns exec beacon ovl-beacon --listen 198.51.100.9:3478 &
beacon_pid=$!
sleep 0.3
on alpha ovlctl dev set ovl0 beacon 198.51.100.9:3478
on beta ovlctl dev set ovl0 beacon 198.51.100.9:3478
sleep 0.5
on alpha ovlctl dev show ovl0

say "A ping runs from alpha to beta while the direct path between them dies"
printf 'alpha# ovlctl monitor &\n'
ip netns exec alpha ovlctl monitor &
monitor=$!
printf 'alpha# ping -i 0.5 10.77.0.2 &\n'
ip netns exec alpha ping -i 0.5 -W 1 10.77.0.2 >/tmp/ovl-demo-ping.$$ 2>&1 &
ping=$!
sleep 2
printf '# (the network between alpha and beta drops every UDP datagram, both ways)\n'
ip netns exec internet nft -f - <<'NFT'
table bridge cut {
	chain forward {
		type filter hook forward priority 0;
		ip saddr 198.51.100.1 ip daddr 198.51.100.2 udp dport 4500 drop
		ip saddr 198.51.100.2 ip daddr 198.51.100.1 udp dport 4500 drop
	}
}
NFT
wait_path alpha 2 relay
wait_path beta 1 relay
on alpha ovlctl show

say "The path heals: probes answered both ways bring the peers back to direct"
printf '# (the network is repaired)\n'
ip netns exec internet nft delete table bridge cut
wait_path alpha 2 direct
wait_path beta 1 direct
sleep 1
kill "$monitor"
kill -INT "$ping"
wait "$ping" 2>/dev/null || true
on alpha ovlctl show
printf '# the ping all along (lost only while the dead path was detected):\n'
tail -n 3 /tmp/ovl-demo-ping.$$
rm -f /tmp/ovl-demo-ping.$$

say "Deleting the device closes its port and forgets its peers"
on alpha ip link del ovl0
on alpha ss -Hulnp "sport = :4500"
say "Done. Next: handshakes and the control daemon, so that nobody types keys."
