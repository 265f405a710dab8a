#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make demo": a user's first minutes with ovl, every command echoed.  Runs
# as root inside the test VM (or on any host that has ovl.ko installed),
# in a network namespace of its own.
set -eu
cd "$(dirname "$0")/.."
OVLCTL=$PWD/tool/ovlctl
NS=demo-host

say()
{
	printf '\n## %s\n' "$*"
}

# Echo a command as the user would type it, then run it in the demo's
# namespace.  A leading "!" marks a command expected to fail.
run()
{
	local expect_fail=
	[ "$1" != "!" ] || { expect_fail=1; shift; }
	printf '$ %s\n' "$*"
	if [ -n "$expect_fail" ]; then
		! ip netns exec $NS "$@"
	else
		ip netns exec $NS "$@"
	fi
}

PATH=$PWD/tool:$PATH

ip netns del $NS 2>/dev/null || true
ip netns add $NS
trap 'ip netns del $NS 2>/dev/null || true' EXIT
ip -n $NS link set lo up

say "Load the module (ip link add would load it too)"
run modprobe ovl
run modinfo -F version ovl

say "Create the overlay device: a layer-3 link with room for the overlay headers"
run ip link add ovl0 type ovl
run ip -d link show ovl0

say "Until it is configured it has no node id and no UDP port"
run ovlctl dev show ovl0

say "Give this host its node id and open the overlay's UDP port"
run ovlctl dev set ovl0 node-id 7 listen-port 4500
run ovlctl dev show ovl0
run ovlctl -j dev show ovl0
echo

say "The kernel itself holds the port, on IPv4 and IPv6: no daemon needed"
run ss -Hulnp "sport = :4500"

say "Mistakes get a clear answer and change nothing"
run ip link add ovl1 type ovl
run ! ovlctl dev set ovl1 node-id 8 listen-port 4500
run ! ovlctl dev set ovl1 node-id 0
run ! ovlctl dev show eth9
run ovlctl dev show

say "Deleting the device closes its port"
run ip link del ovl0
run ip link del ovl1
run ss -Hulnp "sport = :4500"
say "Done: next, peers and keys carry traffic between hosts (see README)"
