#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The beacon protocol, the kernel's half (docs/beacon-auth.md): without
# registration keys the device sends its beacon nothing of its own, drops
# what it sends (beacon_auth) and relays nothing (tx_no_beacon, no flip
# to relay); with the keys installed ("ovlctl dev set DEV beacon-keys
# HEX", as the control daemon does), the refresh is authenticated, DISCOVER_REPLY,
# PUNCH_COMMAND and RELAY_DELIVER count only when they authenticate and
# are fresh (drops.beacon_auth), the node's RELAYs carry a correct tag,
# punches never go to special or own addresses (drops.punch_target) and
# are rate-limited (drops.punch_rate); the daemon's registration frames
# pass through the device's socket to and from the beacon only.
#
# Hosts A and B of pair_setup, set up once for all cases (each case
# installs fresh keys): beacon2.py, run in A's namespace, plays the beacon
# (in python, with its own SipHash) at 192.0.2.2:7000 in B's namespace and
# drives A's ovl0 over raw netlink and with ovlctl.  B, its peer pinned to
# relay, gets keys of its own in the relay case.
source "$(dirname "$0")/lib.sh"

fake()
{
	ip netns exec $A env OVLCTL="$OVLCTL" "$PYTHON" "$REPO/selftests/beacon2.py" "$@"
}

setup()
{
	pair_setup 4 &&
	ip netns exec $B "$OVLCTL" dev set ovl0 beacon 192.0.2.2:7000 &&
	ip netns exec $B "$OVLCTL" peer set ovl0 1 relay pinned
}

need ping || skip_all "needs ping"
load_ovl || skip_all "cannot load the ovl module"
plan 6
# The cases share the namespaces: no case deletes them, the exit does.
setup || echo "# setup failed"
kept=("${_netns[@]}")
_netns=()
run "beacon keys: need a beacon, exactly 32 bytes, write-only, cleared by a new beacon" fake keys
run "without keys: nothing sent to the beacon, beacon frames dropped as beacon_auth, no relay" fake nokeys
run "refresh authenticated; only authenticated fresh replies set the public endpoint; new keys keep it" fake refresh
run "punch commands: authenticated, targets filtered, rate-limited, relayed peers probed" fake punch
run "registration frames go to and come from the beacon only" fake ctrl
run "relay: RELAY tagged under k_up, RELAY_DELIVER checked under k_down" fake relay
_netns=("${kept[@]}")
finish
