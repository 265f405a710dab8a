#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# "make demo": a user's first minutes with ovl, every command echoed.
# The network's registry (ovl-registry) holds its CA key; three hosts,
# alpha, beta and gamma, join the overlay with nothing but an identity, a
# join token and a config file naming the registry: the control daemon
# enrolls (the registry assigns the node id and address and signs the
# certificate), finds the other nodes in the registry's directory,
# creates the device, handshakes with the peers and installs the keys.
# Then a beacon joins, the direct path between alpha and beta is cut and
# healed while a ping runs, and the path changes show.
# The hosts are network namespaces on a bridge (the "internet", in its own
# namespace, where nftables cuts the path); each host's files live in
# $DEMO/HOST instead of /etc/ovl.  Runs as root inside the test VM, or on
# any host that has ovl.ko installed.
set -eu
cd "$(dirname "$0")/.."
PATH=$PWD/tool:$PWD/tool/beacon:$PWD/tool/registry:$PATH
HOSTS=(alpha beta gamma beacon internet)
DEMO=$(mktemp -d /tmp/ovl-demo.XXXXXX)

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
	# Each simulated host keeps its daemon's status file apart.
	if [ -n "$expect_fail" ]; then
		! ip netns exec "$host" env OVL_RUNDIR="$DEMO/$host/run" "$@"
	else
		ip netns exec "$host" env OVL_RUNDIR="$DEMO/$host/run" "$@"
	fi
}

cleanup()
{
	local h
	[ -z "${beacon_pid:-}" ] || kill "$beacon_pid" 2>/dev/null || true
	[ -z "${registry_pid:-}" ] || kill "$registry_pid" 2>/dev/null || true
	pkill -f "ovlctl daemon ovl0 -c $DEMO/" 2>/dev/null || true
	for h in "${HOSTS[@]}"; do
		ip netns del "$h" 2>/dev/null || true
	done
}
cleanup
trap 'cleanup; rm -rf "$DEMO"' EXIT

# The "internet" between the hosts: not part of what a user types.
for h in "${HOSTS[@]}"; do
	ip netns add "$h"
	ip -n "$h" link set lo up
done
ip -n internet link add br0 type bridge
ip -n internet link set br0 up
n=0
for h in alpha beta gamma beacon; do
	n=$((n + 1))
	ip -n internet link add "$h" type veth peer name eth0 netns "$h"
	ip -n internet link set "$h" master br0 up
	ip -n "$h" addr add 198.51.100.$([ $h = beacon ] && echo 9 || echo $n)/24 dev eth0
	mkdir -p "$DEMO/$h"
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

say "The network's CA is just an identity; the registry keeps it and signs"
on beacon sh -c "umask 077; ovlctl genkey > $DEMO/ca.key"
on beacon sh -c "ovlctl pubkey < $DEMO/ca.key"
CA=$(ovlctl pubkey <"$DEMO/ca.key")
REG=sqlite:$DEMO/registry.db
on beacon ovl-registry init --db "$REG" --ca-key "$DEMO/ca.key" --network 10.77.0.0/16
on beacon sh -c "ovl-registry token new --db $REG --uses 3 --valid-for 1 > $DEMO/join.token"
printf 'beacon# ovl-registry serve --listen 198.51.100.9:8470 --db %s &\n' "$REG"
ip netns exec beacon ovl-registry serve --listen 198.51.100.9:8470 --db "$REG" \
	>"$DEMO/registry.log" 2>&1 &
registry_pid=$!
for i in $(seq 100); do
	ip netns exec beacon bash -c 'exec 3<>/dev/tcp/198.51.100.9/8470' 2>/dev/null && break
	sleep 0.1
done

say "Each host makes its identity and gets the join token (a secret: copy it safely)"
for h in alpha beta gamma; do
	on $h sh -c "umask 077; ovlctl genkey > $DEMO/$h/node.key"
	(umask 077; cp "$DEMO/join.token" "$DEMO/$h/join.token")
done

# conf HOST [BEACON]: HOST's config file: the registry, no peers.
conf()
{
	local h=$1
	{
		printf '[device]\nlisten-port = 4500\n'
		printf 'identity = %s\ncertificate = %s\n' "$DEMO/$h/node.key" "$DEMO/$h/node.crt"
		printf 'ca = %s\n' "$CA"
		printf 'registry = http://198.51.100.9:8470\n'
		printf 'join-token = %s\n' "$DEMO/$h/join.token"
		printf 'registry-sync-seconds = 2\n'
		[ -z "${2:-}" ] || printf 'beacon = %s\n' "$2"
	} >"$DEMO/$h/ovl0.conf"
}

say "A config file per host (ovl.conf(5)): the device, the CA, the registry; no peers"
for h in alpha beta gamma; do conf $h; done
on alpha cat "$DEMO/alpha/ovl0.conf"

say "Start the control daemons (systemd: systemctl start ovl@ovl0): each enrolls first"
# One after the other, so that alpha, beta and gamma get node ids 1, 2, 3.
for h in alpha beta gamma; do
	printf '%s# ovlctl daemon ovl0 -c %s &\n' $h "$DEMO/$h/ovl0.conf"
	ip netns exec $h env OVL_RUNDIR="$DEMO/$h/run" ovlctl daemon ovl0 \
		-c "$DEMO/$h/ovl0.conf" 2>&1 | sed "s/^/$h daemon: /" &
	# Each daemon writes its status file once the device is up.
	for i in $(seq 300); do
		[ -e "$DEMO/$h/run/ovl0.json" ] && break
		sleep 0.1
	done
done

say "The registry signed each host's certificate, stored next to its identity"
on alpha ovlctl cert show "$DEMO/alpha/node.crt" --ca "$CA"
on beacon ovl-registry node list --db "$REG"
# Every host learns the others at its next sync (every 2 s here).
for h in alpha beta gamma; do
	for i in $(seq 100); do
		[ "$(ip netns exec $h ovlctl -j peer show ovl0 | jq length)" = 2 ] && break
		sleep 0.2
	done
done
sleep 1

say "The daemon made the device from the certificate, and the kernel holds the port"
on alpha ip -d addr show ovl0
on alpha ss -Hulnp "sport = :4500"

say "Every pair handshook (Noise IK); the hosts talk, encrypted"
on alpha ping -c 2 -i 0.3 10.77.0.2
on beta ping -c 2 -i 0.3 10.77.0.3
on gamma ping -c 2 -i 0.3 10.77.0.1

say "What alpha knows (like 'wg show'): handshakes, certificates, keys"
on alpha ovlctl show
on alpha ovlctl -j peer show ovl0 2

say "Mistakes get a clear answer and change nothing"
on alpha ! ovlctl peer add ovl0 2
on alpha ! ovlctl dev set ovl0 node-id 0
printf '[device]\nlisten-port = 99999\n' >"$DEMO/bad.conf"
on alpha ! ovlctl daemon ovl1 -c "$DEMO/bad.conf"

say "Relay fallback: start a beacon that knows the CA, and let the hosts register with it"
printf 'beacon# ovl-beacon --listen 198.51.100.9:3478 --ca %s &\n' "$CA"
ip netns exec beacon ovl-beacon --listen 198.51.100.9:3478 --ca "$CA" &
beacon_pid=$!
sleep 0.3
printf '# (beacon = 198.51.100.9:3478 added to each config file; SIGHUP reloads it)\n'
for h in alpha beta gamma; do
	conf $h 198.51.100.9:3478
	kill -HUP "$(pgrep -f "ovlctl daemon ovl0 -c $DEMO/$h/ovl0.conf")"
done
sleep 1
printf '# (each daemon proved its address and its certificate to the beacon and\n'
printf '#  agreed keys with it: "authenticated"; refreshes and relayed packets carry MACs)\n'
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

say "Stopping a daemon leaves the device and its sessions: traffic goes on"
printf 'alpha# kill $(pidof ovlctl)   # systemctl stop ovl@ovl0\n'
pkill -f "ovlctl daemon ovl0 -c $DEMO/alpha/" || true
sleep 0.5
on alpha ping -c 2 -i 0.3 10.77.0.3

say "Deleting the device closes its port and forgets its peers"
on alpha ip link del ovl0
on alpha ss -Hulnp "sport = :4500"
say "Done. Keys can still be set by hand for static setups: see ovlctl(8), key set."
