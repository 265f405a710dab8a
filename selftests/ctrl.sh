#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernel control channel (OVL_CMD_CTRL_*): handshake frames that reach
# the device go up to the one registered control listener with where they
# came from (an endpoint, or the node id the beacon vouched for); the
# listener sends frames out of the device's socket to an endpoint or
# relay-wrapped to a node id; a slow listener loses frames, bounded and
# counted; a flood from one source is rate-limited before the listener,
# other sources are not; without a listener frames are dropped and
# counted; bad requests are refused with a reason and send nothing.
# ctrl.py plays the daemon.
source "$(dirname "$0")/lib.sh"

CTRL="$PYTHON $REPO/selftests/ctrl.py"
INIT=10$(printf 'ab%.0s' $(seq 40))	# a HANDSHAKE_INIT-typed frame
RESP=11cafe
COOKIE=15$(printf '00%.0s' $(seq 63))

# udp_send NETNS SRC DST HEX [COUNT]: COUNT datagrams of bytes HEX from
# SRC (IP:PORT or [IP6]:PORT; or several, comma-separated: COUNT from
# each) to DST.
udp_send()
{
	ip netns exec "$1" "$PYTHON" - "$2" "$3" "$4" "${5:-1}" <<'PY'
import socket, sys
def ep(t):
    h, p = t.rsplit(":", 1)
    return h.strip("[]"), int(p)
dst, data, n = ep(sys.argv[2]), bytes.fromhex(sys.argv[3]), int(sys.argv[4])
for src in map(ep, sys.argv[1].split(",")):
    s = socket.socket(socket.AF_INET6 if ":" in src[0] else socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(src)
    for _ in range(n):
        s.sendto(data, dst)
    s.close()
PY
}

# udp_recv NETNS BIND OUT COUNT [SECONDS]: in the background, write to
# OUT what reaches BIND, one "SOURCE HEX" line a datagram, until COUNT
# datagrams (beacon DISCOVERs not counted) or SECONDS (default 20) have
# passed.  Returns once bound; the pid is in RECV_PID.
udp_recv()
{
	local ready
	ready=$(mktemp -u)
	ip netns exec "$1" "$PYTHON" - "$2" "$3" "$ready" "$4" "${5:-20}" <<'PY' &
import socket, sys, time
h, p = sys.argv[1].rsplit(":", 1)
s = socket.socket(socket.AF_INET6 if ":" in h else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((h.strip("[]"), int(p)))
open(sys.argv[3], "w").close()
count, end = int(sys.argv[4]), time.monotonic() + float(sys.argv[5])
with open(sys.argv[2], "w") as out:
    while count > 0 and time.monotonic() < end:
        s.settimeout(max(end - time.monotonic(), 0.01))
        try:
            d, a = s.recvfrom(65535)
        except socket.timeout:
            break
        out.write("%s:%d %s\n" % (a[0], a[1], d.hex()))
        out.flush()
        count -= d[:1] != b"\x01"
PY
	RECV_PID=$!
	wait_file "$ready"
}

# listen NETNS OUT ARGS...: ctrl.py listen in the background, its JSON
# lines to OUT; returns once registered, the pid in LISTEN_PID.
listen()
{
	local ns=$1 out=$2 ready
	shift 2
	ready=$(mktemp -u)
	ip netns exec "$ns" $CTRL listen ovl0 --ready "$ready" "$@" >"$out" &
	LISTEN_PID=$!
	wait_file "$ready"
}

# wait_lines FILE N: FILE has N lines (or fail after 5 s).
wait_lines()
{
	local i
	for i in $(seq 50); do
		[ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	fail "$1 has $(wc -l <"$1") lines, expected $2"
}

t_no_listener()
{
	pair_setup 4 || return 1
	udp_send $B 192.0.2.2:5555 192.0.2.1:4500 $INIT 3 || return 1
	sleep 0.3
	expect_eq ctrl_no_listener "$(drops $A ctrl_no_listener)" 3 &&
	expect_eq unknown_type "$(drops $A unknown_type)" 0
}

t_frames_up()
{
	local out
	pair_setup 4 || return 1
	out=$(mktemp)
	listen $A "$out" --count 4 --timeout 30 || return 1
	udp_send $B 192.0.2.2:5555 192.0.2.1:4500 $INIT &&
	udp_send $B 192.0.2.2:5555 192.0.2.1:4500 $RESP &&
	udp_send $B 192.0.2.2:5555 192.0.2.1:4500 $COOKIE &&
	udp_send $B "[2001:db8::2]:5556" "[2001:db8::1]:4500" $RESP || return 1
	wait "$LISTEN_PID"
	cat "$out"
	expect_eq frames "$(jq -r '"\(.endpoint) \(.node_id) \(.frame)"' "$out")" \
"192.0.2.2:5555 null $INIT
192.0.2.2:5555 null $RESP
192.0.2.2:5555 null $COOKIE
[2001:db8::2]:5556 null $RESP" &&
	expect_eq ctrl_no_listener "$(drops $A ctrl_no_listener)" 0
}

t_send_endpoint()
{
	local out
	pair_setup 4 || return 1
	out=$(mktemp)
	udp_recv $B 192.0.2.2:5556 "$out" 2 || return 1
	ip netns exec $A $CTRL send ovl0 $INIT --endpoint 192.0.2.2:5556 &&
	ip netns exec $A $CTRL send ovl0 $COOKIE --endpoint 192.0.2.2:5556 ||
		return 1
	wait "$RECV_PID"
	expect_eq "what B got" "$(cat "$out")" "192.0.2.1:4500 $INIT
192.0.2.1:4500 $COOKIE"
}

# relay_hdr TYPE NODE KEYHEX INNERHEX: a RELAY (05) or RELAY_DELIVER (06)
# header to or from NODE, its tag under the 16-byte key KEYHEX
# (docs/beacon-auth.md), in hex; beacon2.py's SipHash.
relay_hdr()
{
	"$PYTHON" - "$REPO/selftests" "$@" <<'PY'
import struct, sys
sys.path.insert(0, sys.argv[1])
from beacon2 import mac
t, node, key, inner = int(sys.argv[2], 16), int(sys.argv[3]), \
	bytes.fromhex(sys.argv[4]), bytes.fromhex(sys.argv[5])
hdr = bytes([t]) + struct.pack("!I", node)
print((hdr + mac(key, hdr + inner[:16])).hex())
PY
}

t_relay()
{
	local out frames err up down
	local keys=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
	pair_setup 4 || return 1
	out=$(mktemp) frames=$(mktemp)
	# B's address plays the beacon: it gets the RELAY frames, and
	# RELAY_DELIVER frames from it count once they carry the tag.
	ip netns exec $A "$OVLCTL" dev set ovl0 beacon 192.0.2.2:7000 || return 1
	# Not registered (no keys): nothing is relayed.
	err=$(ip netns exec $A $CTRL send ovl0 $RESP --node-id 7)
	expect_eq "relayed without keys" "$err" \
		"ENETUNREACH: the device has no beacon to relay through" ||
		return 1
	udp_recv $B 192.0.2.2:7000 "$out" 1 || return 1
	ip netns exec $A "$OVLCTL" dev set ovl0 beacon-keys $keys || return 1
	ip netns exec $A $CTRL send ovl0 $RESP --node-id 7 || return 1
	wait "$RECV_PID"
	# Refreshes (01...) come too; the relayed frame is RELAY, node id 7,
	# tagged under k_up.
	up=$(relay_hdr 05 7 "${keys:0:32}" $RESP) || return 1
	expect_eq "relayed frame" "$(grep -v ' 01' "$out")" \
		"192.0.2.1:4500 $up$RESP" || return 1

	down=$(relay_hdr 06 7 "${keys:32:32}" $INIT) || return 1
	listen $A "$frames" --count 1 --timeout 30 || return 1
	udp_send $B 192.0.2.2:6000 192.0.2.1:4500 0600000009$INIT &&	# not the beacon
	udp_send $B 192.0.2.2:7000 192.0.2.1:4500 0600000007$INIT &&	# untagged
	udp_send $B 192.0.2.2:7000 192.0.2.1:4500 $down$INIT || return 1
	wait "$LISTEN_PID"
	expect_eq "frame from the beacon" \
		"$(jq -r '"\(.endpoint) \(.node_id) \(.frame)"' "$frames")" \
		"null 7 $INIT" &&
	expect_eq not_beacon "$(drops $A not_beacon)" 1 &&
	expect_eq beacon_auth "$(drops $A beacon_auth)" 1
}

# The device's control listener as ynl reads it: its port id, or null.
listener()
{
	ip netns exec $A $YNL --do dev-get --json '{"ifname": "ovl0"}' |
		"$PYTHON" -c 'import ast, sys; print(ast.literal_eval(sys.stdin.read()).get("ctrl", {}).get("portid"))'
}

t_one_listener()
{
	local out
	pair_setup 4 || return 1
	expect_eq "listener before" "$(listener)" None || return 1
	# The first "daemon" lives until its stdin closes.
	coproc FIRST { ip netns exec $A $CTRL register ovl0; }
	read -r out <&"${FIRST[0]}"
	expect_eq "first registers" "$out" ok || return 1
	[ "$(listener)" != None ] || fail "no listener shown" || return 1
	out=$(ip netns exec $A $CTRL register ovl0 </dev/null)
	echo "second: $out"
	expect_eq "second refused" "$out" \
		"EBUSY: the device already has a control listener" || return 1
	# The first one's socket closes: the registration ends with it.
	eval "exec ${FIRST[1]}>&-"
	wait "$FIRST_PID"
	expect_eq "listener after close" "$(listener)" None &&
	out=$(ip netns exec $A $CTRL register ovl0 </dev/null) &&
	expect_eq "a new daemon registers" "$out" ok
}

t_slow_listener()
{
	local out got overflow go i srcs=
	pair_setup 4 || return 1
	out=$(mktemp) go=$(mktemp -u)
	# 300 frames, 5 from each of 60 addresses: within each source's
	# burst, so that none is rate-limited.
	for i in $(seq 100 159); do
		ip -n $B addr add 192.0.2.$i/24 dev v0 || return 1
		srcs+=${srcs:+,}192.0.2.$i:5555
	done
	# A daemon with a small receive buffer that reads nothing while the
	# 300 frames arrive.
	listen $A "$out" --rcvbuf 8192 --stall-until "$go" --timeout 3 || return 1
	udp_send $B "$srcs" 192.0.2.1:4500 $INIT 5 || return 1
	sleep 0.5
	touch "$go"
	wait "$LISTEN_PID"
	rm -f "$go"
	got=$(jq -r 'select(.frame) | .frame' "$out" | wc -l)
	overflow=$(drops $A ctrl_overflow)
	echo "delivered $got, ctrl_overflow $overflow"
	[ "$got" -ge 1 ] && [ "$got" -lt 100 ] ||
		fail "$got frames waited for the slow listener" || return 1
	expect_eq "delivered + overflow" $((got + overflow)) 300 &&
	expect_eq ctrl_rate_limited "$(drops $A ctrl_rate_limited)" 0 &&
	expect_eq "the listener heard of the loss" \
		"$(jq -r 'select(.enobufs) | .enobufs' "$out" | head -n 1)" true
}

# from FILE SOURCE: how many frames in ctrl.py's FILE came from SOURCE
# (an address; any port).
from()
{
	jq -r 'select(.frame) | .endpoint' "$1" | grep -c "^\[\?$2\]\?:"
}

t_rate_limit()
{
	local out t0 t1 one two v6 limited max p1 p2 p3
	pair_setup 4 || return 1
	ip -n $B addr add 192.0.2.3/24 dev v0 &&
	ip -n $B addr add 2001:db8::3/64 dev v0 nodad || return 1
	out=$(mktemp)
	listen $A "$out" --timeout 6 || return 1
	t0=$(date +%s%N)
	# One source floods 200 INITs; a second source, in the same moment,
	# sends 5 RESPs; two addresses of one IPv6 /64 send 10 INITs each.
	udp_send $B 192.0.2.2:5555 192.0.2.1:4500 $INIT 200 & p1=$!
	udp_send $B 192.0.2.3:5555 192.0.2.1:4500 $RESP 5 & p2=$!
	udp_send $B "[2001:db8::2]:5555,[2001:db8::3]:5555" "[2001:db8::1]:4500" \
		$INIT 10 & p3=$!
	wait $p1 && wait $p2 && wait $p3 || return 1
	t1=$(date +%s%N)
	wait "$LISTEN_PID"
	one=$(from "$out" 192.0.2.2) two=$(from "$out" 192.0.2.3)
	v6=$(from "$out" 2001:db8::2)+$(from "$out" 2001:db8::3)
	limited=$(drops $A ctrl_rate_limited)
	# The burst of 5, and 20 a second while the flood lasted.
	max=$((5 + (t1 - t0) * 20 / 1000000000 + 1))
	echo "flood: $one of 200 passed in $(((t1 - t0) / 1000000)) ms (at most $max), second source $two of 5, IPv6 /64 $v6 of 20, ctrl_rate_limited $limited"
	[ "$one" -ge 5 ] && [ "$one" -le "$max" ] ||
		fail "$one of the flood's 200 frames reached the listener" || return 1
	[ $((v6)) -ge 5 ] && [ $((v6)) -le "$max" ] ||
		fail "$v6 frames of one /64 reached the listener" || return 1
	expect_eq "the second source's frames" "$two" 5 &&
	expect_eq "rate-limited = the rest" "$limited" $((200 - one + 20 - (v6))) &&
	expect_eq ctrl_overflow "$(drops $A ctrl_overflow)" 0
}

t_refused()
{
	local out long
	pair_setup 4 || return 1
	out=$(mktemp)
	udp_recv $B 192.0.2.2:5556 "$out" 1 90 || return 1
	long=10$(printf '00%.0s' $(seq 1280))
	expect_eq "data frame" "$(ip netns exec $A $CTRL send ovl0 12000000 --endpoint 192.0.2.2:5556)" \
		"EINVAL: not a control frame type" &&
	expect_eq "too long" "$(ip netns exec $A $CTRL send ovl0 "$long" --endpoint 192.0.2.2:5556 | command cut -d: -f1)" \
		ERANGE &&
	expect_eq "empty" "$(ip netns exec $A $CTRL send ovl0 "" --endpoint 192.0.2.2:5556)" \
		"EINVAL: missing or empty control frame" &&
	expect_eq "two destinations" "$(ip netns exec $A $CTRL send ovl0 $INIT --endpoint 192.0.2.2:5556 --node-id 2)" \
		"EINVAL: give an endpoint or a node id to relay to, not both" &&
	expect_eq "no destination" "$(ip netns exec $A $CTRL send ovl0 $INIT)" \
		"EINVAL: give an endpoint or a node id to relay to, not both" &&
	expect_eq "no beacon" "$(ip netns exec $A $CTRL send ovl0 $INIT --node-id 2)" \
		"ENETUNREACH: the device has no beacon to relay through" &&
	expect_eq "unprivileged" "$(ip netns exec $A setpriv --reuid=65534 --regid=65534 --clear-groups \
		$CTRL send ovl0 $INIT --endpoint 192.0.2.2:5556)" "EPERM: Operation not permitted" &&
	expect_eq "unprivileged register" "$(ip netns exec $A setpriv --reuid=65534 --regid=65534 \
		--clear-groups $CTRL register ovl0 </dev/null)" "EPERM: Operation not permitted" || return 1
	# What was not refused would be there by the time this one is.
	ip netns exec $A $CTRL send ovl0 $RESP --endpoint 192.0.2.2:5556 || return 1
	wait "$RECV_PID"
	expect_eq "nothing sent" "$(cat "$out")" "192.0.2.1:4500 $RESP" || return 1

	# A frame too long to be a handshake is dropped before the listener.
	listen $A "$out" --count 1 --timeout 30 || return 1
	udp_send $B 192.0.2.2:5555 192.0.2.1:4500 "$long" &&
	udp_send $B 192.0.2.2:5555 192.0.2.1:4500 $RESP || return 1
	wait "$LISTEN_PID"
	expect_eq "passed up" "$(jq -r .frame "$out")" "$RESP" &&
	expect_eq ctrl_too_long "$(drops $A ctrl_too_long)" 1
}

[ "$(id -u)" = 0 ] || skip_all "needs root"
need jq "$PYTHON" setpriv || skip_all "missing tools"
load_ovl || skip_all "cannot load the ovl module"

plan 8
run "ctrl: frames with no listener are dropped and counted" t_no_listener
run "ctrl: frames reach the listener with their source endpoint" t_frames_up
run "ctrl: frames go out to an endpoint from the device's port" t_send_endpoint
run "ctrl: frames relay-wrapped (tagged) to a node id, and from the beacon by node id; none without keys" t_relay
run "ctrl: one listener per device, until its socket closes" t_one_listener
run "ctrl: a slow listener loses frames, bounded and counted" t_slow_listener
run "ctrl: a flood from one source is rate-limited, other sources pass" t_rate_limit
run "ctrl: bad requests are refused, send nothing; long frames dropped" t_refused
finish
