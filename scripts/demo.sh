#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make demo": a user's first minutes with ovl, every command echoed.  Two
# hosts, alpha and beta (network namespaces joined by a veth "wire"), get
# an ovl device each and talk over it with manually installed keys.  Runs
# as root inside the test VM, or on any host that has ovl.ko installed.
set -eu
cd "$(dirname "$0")/.."
PATH=$PWD/tool:$PATH
HOSTS=(alpha beta)

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
ip -n alpha link add eth0 type veth peer name eth0 netns beta
ip -n alpha addr add 198.51.100.1/24 dev eth0
ip -n beta addr add 198.51.100.2/24 dev eth0
ip -n alpha link set eth0 up
ip -n beta link set eth0 up

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

say "Deleting the device closes its port and forgets its peers"
on alpha ip link del ovl0
on alpha ss -Hulnp "sport = :4500"
say "Done. Next: relay fallback through a beacon when the direct path dies."
