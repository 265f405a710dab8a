# SPDX-License-Identifier: GPL-2.0
# Nodes of the control daemon for selftests/daemon.sh and bench/rekey.sh:
# a CA, identities and certificates, config files, namespaces on one
# bridge, daemons in the background and waits on their logs.  The caller
# sources lib.sh first and sets TOP (a directory for everything) and SW
# (the bridge's namespace); node N lives in namespace ovl-dN at
# 192.0.2.N, overlay 10.77.0.N and fd77::N; its files are $D/nN.*.
# fresh: a directory of its own for the case (cases run in subshells).
fresh()
{
	D=$(mktemp -d -p "$TOP")
}

# ca NAME: a CA identity in $D/NAME.key, its public key in $D/NAME.pub.
ca()
{
	(umask 077; "$OVLCTL" genkey >"$D/$1.key") &&
	"$OVLCTL" pubkey <"$D/$1.key" >"$D/$1.pub"
}

# node N [CA [NODEID [CERT OPTIONS...]]]: identity $D/nN.key and a
# certificate $D/nN.crt for 10.77.0.N/32 and fd77::N/128 signed by CA
# (default "ca") for NODEID (default N).
node()
{
	local n=$1 ca=${2:-ca} id=${3:-$1}
	shift 3 2>/dev/null || shift $#
	(umask 077; "$OVLCTL" genkey >"$D/n$n.key") &&
	"$OVLCTL" pubkey <"$D/n$n.key" >"$D/n$n.pub" &&
	"$OVLCTL" cert sign --ca-key "$D/$ca.key" --node-id "$id" \
		--pubkey "$(cat "$D/n$n.pub")" --address 10.77.0.$n/32 \
		--address fd77::$n/128 "$@" >"$D/n$n.crt"
}

# conf N REKEY PEER...: $D/nN.conf for node N with these peers.
conf()
{
	local n=$1 rekey=$2 m
	shift 2
	{
		printf '[device]\nlisten-port = 4500\n'
		printf 'identity = %s\ncertificate = %s\n' "$D/n$n.key" "$D/n$n.crt"
		printf 'ca = %s\nrekey-after-seconds = %s\n' "$(cat "$D/ca.pub")" "$rekey"
		for m in "$@"; do
			printf '\n[peer %s]\npublic-key = %s\n' "$m" "$(cat "$D/n$m.pub")"
			printf 'endpoint = 192.0.2.%s:4500\n' "$m"
			printf 'allowed-ips = 10.77.0.%s/32, fd77::%s/128\n' "$m" "$m"
		done
	} >"$D/n$n.conf"
}

# hosts N...: namespaces ovl-dN on one bridge, outer 192.0.2.N/24.  One
# "ip -batch" per namespace (each process costs a lot under TCG).
hosts()
{
	local n
	add_netns $SW "${@/#/ovl-d}" || return 1
	ip -n $SW -batch - <<EOF || return 1
link set lo up
link add br0 type bridge
link set br0 up
$(for n in "$@"; do
	echo "link add p$n type veth peer name e0 netns ovl-d$n"
	echo "link set p$n master br0 up"
done)
EOF
	for n in "$@"; do
		ip -n ovl-d$n -batch - <<EOF || return 1
link set lo up
addr add 192.0.2.$n/24 dev e0
link set e0 up
EOF
	done
}

# start N: run node N's daemon in the background, log in $D/nN.log.
start()
{
	OVL_RUNDIR=$D/run$1 ip netns exec ovl-d$1 "$OVLCTL" daemon ovl0 \
		-c "$D/n$1.conf" >>"$D/n$1.log" 2>&1 &
	eval "PID$1=$!"
}

# handshakes N PEER: handshakes node N's daemon logged with PEER, as
# initiator (completed) or responder (answered).
handshakes()
{
	grep -cE "peer $2: handshake (completed|answered)" "$D/n$1.log"
}

# refused N REASON: node N's count of handshake frames refused for REASON.
refused()
{
	jq ".handshakes.refused.$2" "$D/run$1/ovl0.json"
}

# completed N PEER: handshakes node N initiated and completed with PEER.
completed()
{
	grep -c "peer $2: handshake completed" "$D/n$1.log"
}

# wait_log N PATTERN [SECONDS]: node N's log shows PATTERN (grep -E).
wait_log()
{
	local i
	for i in $(seq $((${3:-10} * 10))); do
		grep -qE "$2" "$D/n$1.log" && return 0
		sleep 0.1
	done
	fail "node $1 logged no /$2/ in ${3:-10} s"
	cat "$D"/n*.log
	return 1
}

# wait_handshake N PEER [SECONDS]
wait_handshake()
{
	local i
	for i in $(seq $((${3:-10} * 10))); do
		[ "$(handshakes "$1" "$2")" -gt 0 ] && return 0
		sleep 0.1
	done
	fail "node $1: no handshake with peer $2 in ${3:-10} s"
	cat "$D/n$1.log"
	return 1
}
