# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared helpers of the ovl selftests: KTAP output, assertions, network
# namespaces.  Each test script sources this, calls plan N, runs its
# cases through "run NAME FUNCTION", and ends with "finish".  Exit codes
# follow kselftest: 0 pass, 1 fail, 4 skip.

set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OVLCTL=${OVLCTL:-$REPO/tool/ovlctl}
PYTHON=${PYTHON:-/usr/bin/python3}
YNL="$PYTHON $REPO/build/ksrc/tools/net/ynl/cli.py --spec $REPO/docs/netlink/specs/ovl.yaml --no-schema"
KSFT_PASS=0 KSFT_FAIL=1 KSFT_SKIP=4

_n=0 _passed=0 _failed=0 _skipped=0 _netns=()

plan()
{
	echo "TAP version 13"
	echo "1..$1"
}

# skip_all REASON: the whole script cannot run here.
skip_all()
{
	echo "TAP version 13"
	echo "1..0 # SKIP $1"
	exit $KSFT_SKIP
}

diag()
{
	printf '%s\n' "$@" | sed 's/^/# /'
}

# run NAME FUNCTION [ARGS...]: one test case; it passes when FUNCTION
# returns 0, is skipped when it returns $KSFT_SKIP, and fails otherwise.
# Its output is shown as KTAP diagnostics.
run()
{
	local name=$1 rc out start=$SECONDS
	shift
	_n=$((_n + 1))
	out=$(_case "$@" 2>&1)
	rc=$?
	[ -z "$out" ] || diag "$out"
	diag "($((SECONDS - start)) s)"
	case $rc in
	0) echo "ok $_n $name"; _passed=$((_passed + 1)) ;;
	"$KSFT_SKIP") echo "ok $_n $name # SKIP"; _skipped=$((_skipped + 1)) ;;
	*) echo "not ok $_n $name"; _failed=$((_failed + 1)) ;;
	esac
}

# A case runs in a subshell; what it set up goes away with it.
_case()
{
	local rc
	"$@"
	rc=$?
	cleanup_netns
	jobs -p | xargs -r kill 2>/dev/null
	wait 2>/dev/null
	return $rc
}

finish()
{
	echo "# Totals: pass:$_passed fail:$_failed skip:$_skipped"
	[ $_failed -eq 0 ] || exit $KSFT_FAIL
	[ $_passed -gt 0 ] || exit $KSFT_SKIP
	exit $KSFT_PASS
}

fail()
{
	echo "FAIL: $*"
	return 1
}

# expect_eq WHAT ACTUAL EXPECTED
expect_eq()
{
	[ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

# ping_unanswered FILE N: the icmp_seq among 1..N with no reply in FILE,
# the output of a "ping -c N -w SECS" run without -q; none is
# "" (loss free).  Such a ping sends on until N replies came, so its
# summary also counts as lost a request sent while an earlier reply was
# still on its way (a busy VM's RTT over the interval): only a request
# never answered is lost.
ping_unanswered()
{
	awk -v n="$2" '
		/ bytes from / && match($0, /icmp_seq=[0-9]+ /) { got[substr($0, RSTART + 9, RLENGTH - 10) + 0] = 1 }
		END { for (i = 1; i <= n; i++) if (!(i in got)) printf "%s%d", sep++ ? " " : "", i }' "$1"
}

# expect_err CODE PATTERN CMD...: CMD exits with CODE and prints PATTERN
# (a grep -E expression) on stderr.
expect_err()
{
	local code=$1 pattern=$2 rc err
	shift 2
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	echo "\$ $* -> $rc: $err"
	[ "$rc" = "$code" ] || fail "exit code $rc, expected $code"  || return 1
	echo "$err" | grep -qE -- "$pattern" || fail "stderr lacks /$pattern/"
}

# jget JSON FILTER: one value out of a JSON text.
jget()
{
	jq -r "$2" <<<"$1"
}

need()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || { echo "needs $c"; return 1; }
	done
}

# in_ns NETNS CMD...: run CMD in NETNS, or here when NETNS is "".
in_ns()
{
	local ns=$1
	shift
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@"
	else
		"$@"
	fi
}

# udp_port_free NETNS PORT FAMILY: can a new socket of FAMILY (4 or 6)
# bind PORT in NETNS?
udp_port_free()
{
	in_ns "$1" "$PYTHON" - "$2" "$3" <<'PY'
import socket, sys
port, fam = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET6 if fam == "6" else socket.AF_INET, socket.SOCK_DGRAM)
if fam == "6":
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
try:
    s.bind(("::" if fam == "6" else "0.0.0.0", port))
except OSError:
    sys.exit(1)
PY
}

# hold_udp_port NETNS PORT FAMILY: bind PORT for FAMILY (4, or 6 as
# IPv6-only) in the background until killed; returns once bound, with the
# holder's pid in HOLDER. The holder writes a mark once bound: probing the
# port from here instead would race with the holder's own bind.
hold_udp_port()
{
	local i mark ns=()
	[ -z "$1" ] || ns=(ip netns exec "$1")
	mark=$(mktemp) && rm -f "$mark" || return 1
	# A simple command, so that $! is the holder itself.
	"${ns[@]}" "$PYTHON" - "$2" "$3" "$mark" <<'PY' &
import socket, sys, time
port, fam, mark = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET6 if fam == "6" else socket.AF_INET, socket.SOCK_DGRAM)
if fam == "6":
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind(("::" if fam == "6" else "0.0.0.0", port))
open(mark, "w").close()
time.sleep(120)
PY
	HOLDER=$!
	for i in $(seq 300); do
		if [ -e "$mark" ]; then
			rm -f "$mark"
			return 0
		fi
		kill -0 $HOLDER 2>/dev/null || break
		sleep 0.1
	done
	kill $HOLDER 2>/dev/null
	fail "could not hold UDP port $2 (IPv$3)"
}

# wait_file FILE [WHAT]: wait up to 10 s for FILE, a mark a background
# helper writes once it is ready, and remove it; fails saying WHAT did not
# happen otherwise.
wait_file()
{
	local i
	for i in $(seq 100); do
		[ -e "$1" ] && { rm -f "$1"; return 0; }
		sleep 0.1
	done
	fail "${2:-timed out waiting for $1}"
}

# tcp_listening NETNS PORT: wait until something in NETNS listens on TCP
# PORT (an iperf3 server that daemonized before binding), at most 5 s.
tcp_listening()
{
	local i
	for i in $(seq 50); do
		[ -n "$(ip netns exec "$1" ss -Hltn "sport = :$2")" ] && return 0
		sleep 0.1
	done
	fail "nothing listens on TCP port $2 in $1"
}

# udp_listeners NETNS PORT: the UDP sockets bound to PORT, one local
# address per line, sorted.
udp_listeners()
{
	in_ns "$1" ss -Hnlu "sport = :$2" | awk '{print $4}' | sort
}

# ovl_devices NETNS: how many ovl devices NETNS has.
ovl_devices()
{
	in_ns "$1" ip -d -j link show | jq '[.[] | select(.linkinfo.info_kind == "ovl")] | length'
}

# add_netns NAME...: fresh network namespaces (lo still down), removed at
# exit; one "ip" for them all (each process costs a lot under TCG).
add_netns()
{
	local ns cmds=
	for ns in "$@"; do
		[ ! -e "/run/netns/$ns" ] || ip netns del "$ns" 2>/dev/null
		cmds+="netns add $ns"$'\n'
	done
	ip -batch - <<<"$cmds" || return 1
	_netns+=("$@")
}

# new_netns NAME...: fresh network namespaces with lo up, removed at exit.
new_netns()
{
	local ns
	add_netns "$@" || return 1
	for ns in "$@"; do
		ip -n "$ns" link set lo up || return 1
	done
}

cleanup_netns()
{
	local ns cmds=
	for ns in "${_netns[@]}"; do
		cmds+="netns del $ns"$'\n'
	done
	[ -z "$cmds" ] || ip -force -batch - <<<"$cmds" >/dev/null 2>&1
	_netns=()
}
trap cleanup_netns EXIT

# load_ovl: make sure the module under test is loaded.
load_ovl()
{
	modprobe ovl || return 1
	[ -d /sys/module/ovl ]
}

# unload_ovl: remove the module, waiting for namespaces being torn down.
unload_ovl()
{
	local i
	for i in $(seq 50); do
		[ -d /sys/module/ovl ] || return 0
		rmmod ovl 2>/dev/null && return 0
		sleep 0.2
	done
	rmmod ovl
}

# bounded_udp_flood NETNS DST PORT SECONDS: send UDP datagrams as fast as
# possible to DST:PORT from NETNS for SECONDS, in the background.
bounded_udp_flood()
{
	ip netns exec "$1" timeout "$4" "$PYTHON" - "$2" "$3" <<'PY' &
import socket, sys
dst, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_DGRAM)
payload = bytes(200)
while True:
    try:
        s.sendto(payload, (dst, port))
    except OSError:
        pass
PY
}

# keyed_peers EP1 IPS1 EP2 IPS2: $A (node 1) and $B (node 2) take each
# other as peers, node N at endpoint EPN with allowed-ips IPSN, and share
# one fresh key pair, mirrored.  One ovlctl batch per host.
keyed_peers()
{
	local k1 k2 keys
	# (No process substitution: the test VM has no /dev/fd.)
	keys=$("$OVLCTL" -b - <<<$'key generate\nkey generate') &&
	{ read -r k1 && read -r k2; } <<<"$keys" &&
	[ -n "$k1" ] && [ -n "$k2" ] || fail "key generate" || return 1
	ip netns exec $A "$OVLCTL" -b - <<EOF &&
peer add ovl0 2 endpoint $3 allowed-ips $4
key set ovl0 2 id 1 tx-key $k1 rx-key $k2
EOF
	ip netns exec $B "$OVLCTL" -b - <<EOF
peer add ovl0 1 endpoint $1 allowed-ips $2
key set ovl0 1 id 1 tx-key $k2 rx-key $k1
EOF
}

# pair_setup OUTER: hosts A and B (namespaces $A and $B) joined by veth,
# each with ovl0 (node ids 1 and 2, port 4500, inner 10.77.0.N/24 and
# fd77::N/64), peered over OUTER (4 or 6) addresses and keyed both ways.
# Each host's links and addresses are one "ip -batch".
A=ovl-a
B=ovl-b
pair_setup()
{
	local outer=$1 n me ep1 ep2 ns=("" $A $B)
	add_netns $A $B || return 1
	for n in 1 2; do
		me=${ns[n]}
		ip -n "$me" -batch - <<EOF || return 1
link set lo up
$([ $n = 1 ] && echo "link add v0 type veth peer name v0 netns $B")
addr add 192.0.2.$n/24 dev v0
addr add 2001:db8::$n/64 dev v0 nodad
link set v0 up
link add ovl0 type ovl
addr add 10.77.0.$n/24 dev ovl0
addr add fd77::$n/64 dev ovl0 nodad
EOF
		ip netns exec "$me" "$OVLCTL" dev set ovl0 node-id $n listen-port 4500 &&
		ip -n "$me" link set ovl0 up || return 1
	done
	if [ "$outer" = 6 ]; then
		ep1="[2001:db8::1]:4500" ep2="[2001:db8::2]:4500"
	else
		ep1=192.0.2.1:4500 ep2=192.0.2.2:4500
	fi
	keyed_peers "$ep1" 10.77.0.1/32,fd77::1/128 "$ep2" 10.77.0.2/32,fd77::2/128
}

# drops NETNS REASON: a per-reason drop counter of NETNS's ovl0.
drops()
{
	ip netns exec "$1" "$OVLCTL" -j dev show ovl0 | jq ".drops.$2"
}

# peer_json NETNS NODEID FILTER
peer_json()
{
	ip netns exec "$1" "$OVLCTL" -j peer show ovl0 "$2" | jq -r "$3"
}

# udp_seq_sink NETNS SECS OUT ADDR: in NETNS, count the distinct sequence
# numbers received on ADDR:9000 for SECS seconds (and until none came for
# 2 s), then write the count to OUT.  Returns once bound; the pid is in SINK_PID.
udp_seq_sink()
{
	local mark
	mark=$(mktemp -u)
	ip netns exec "$1" "$PYTHON" - "$2" "$3" "$mark" "$4" <<'PY' &
import socket, sys, time
secs, out, mark, addr = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), 8 << 20)
s.bind((addr, 9000))
open(mark, "w").close()
# Until SECS have passed and then nothing came for 2 s: a source slowed
# down by a busy host may finish late, and its last datagrams still count.
seen, end = set(), time.monotonic() + secs
while True:
    s.settimeout(max(end - time.monotonic(), 2.0))
    try:
        seen.add(int.from_bytes(s.recv(2048)[:4], "big"))
    except socket.timeout:
        break
with open(out, "w") as f:
    print(len(seen), file=f)
PY
	SINK_PID=$!
	wait_file "$mark" "the UDP sink did not start"
}

# udp_seq_source NETNS SECS RATE ADDR: from NETNS, send RATE datagrams a
# second to ADDR:9000 for SECS seconds, each with its sequence number;
# prints how many were sent (sendto errors are not counted).
udp_seq_source()
{
	ip netns exec "$1" "$PYTHON" - "$2" "$3" "$4" <<'PY'
import socket, sys, time
secs, rate, addr = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
sent, start = 0, time.monotonic()
for i in range(int(secs * rate)):
    delay = start + i / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    try:
        s.sendto(i.to_bytes(4, "big") + bytes(96), (addr, 9000))
        sent += 1
    except OSError:
        pass
print(sent)
PY
}
