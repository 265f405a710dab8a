#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Drive the family from its YAML spec alone, with the kernel's ynl cli:
# the spec is what other tools will be written against, so it must work,
# and the kernel's strict policies must reject what ovlctl never sends.
source "$(dirname "$0")/lib.sh"

NS=ovl-ynl

YNL_DIR=$REPO/build/ksrc/tools/net/ynl

# One python process for the whole script: ynl_driver.py keeps the
# kernel's ynl client (cli.py's YnlFamily, built from the spec alone)
# running and takes cli.py's arguments on a pipe, since starting python
# costs seconds in an emulated VM.  It is not a job of this shell, so
# that a case ending does not kill it.
ynl_start()
{
	mkfifo "$TMPDIR/req" "$TMPDIR/rsp" || return 1
	("$PYTHON" "$REPO/selftests/ynl_driver.py" "$YNL_DIR" \
		"$REPO/docs/netlink/specs/ovl.yaml" <"$TMPDIR/req" \
		>"$TMPDIR/rsp" 2>"$TMPDIR/driver.err" &)
	exec {YNL_REQ}>"$TMPDIR/req" {YNL_RSP}<"$TMPDIR/rsp"
}

# ynl_stop: end the driver and wait for it (its sockets hold the
# namespaces), showing what it said on stderr.
ynl_stop()
{
	[ -n "${YNL_REQ:-}" ] || return 0
	exec {YNL_REQ}>&-
	cat <&"$YNL_RSP" >/dev/null
	exec {YNL_RSP}<&-
	[ ! -s "$TMPDIR/driver.err" ] || diag "ynl_driver.py:" "$(cat "$TMPDIR/driver.err")"
}

# ynl ARGS...: what "ip netns exec $NS cli.py --spec ovl.yaml ARGS" does:
# a reply on stdout, or the netlink error (with its extack) on stderr
# and status 1.
ynl()
{
	local rc n line
	printf '%s\0' "$NS" $# "$@" >&"$YNL_REQ" &&
		read -r rc n <&"$YNL_RSP" || { echo "ynl_driver.py is gone" >&2; return 1; }
	while [ "$n" -gt 0 ] && IFS= read -r line <&"$YNL_RSP"; do
		if [ "$rc" = 0 ]; then
			printf '%s\n' "$line"
		else
			printf '%s\n' "$line" >&2
		fi
		n=$((n - 1))
	done
	return "$rc"
}

setup()
{
	new_netns $NS && ip -n $NS link add ovl0 type ovl
}

t_get()
{
	local out ifindex
	setup || return 1
	ifindex=$(ip -n $NS -j link show ovl0 | jq '.[0].ifindex')
	out=$(ynl --do dev-get --json '{"ifname": "ovl0"}' --output-json) || return 1
	echo "$out"
	expect_eq ifindex "$(jget "$out" .ifindex)" "$ifindex" &&
	expect_eq node-id "$(jget "$out" '."node-id"')" 0 &&
	out=$(ynl --do dev-get --json "{\"ifindex\": $ifindex}" --output-json) &&
	expect_eq ifname "$(jget "$out" .ifname)" ovl0
}

t_set_dump()
{
	local out
	setup && ip -n $NS link add ovl1 type ovl || return 1
	ynl --do dev-set --json '{"ifname": "ovl1", "node-id": 42, "listen-port": 4700}' ||
		return 1
	out=$(ynl --dump dev-get --output-json) || return 1
	echo "$out"
	expect_eq devices "$(jget "$out" 'length')" 2 &&
	expect_eq ovl1 "$(jget "$out" '.[] | select(.ifname == "ovl1") | [."node-id", ."listen-port"] | join(" ")')" \
		"42 4700" &&
	expect_eq ovlctl "$(ip netns exec $NS "$OVLCTL" -j dev show ovl1 | jq .node_id)" 42
}

# expect_ynl_err PATTERN ARGS...: the request fails with the kernel's
# extack message matching PATTERN, and ovl0 is left as it was.
expect_ynl_err()
{
	local pattern=$1 before out
	shift
	before=$(ip netns exec $NS "$OVLCTL" -j dev show ovl0)
	out=$(ynl "$@" 2>&1) && fail "accepted: $*" && return 1
	echo "\$ ynl $* -> $out" | tail -n 3
	echo "$out" | grep -qE "$pattern" || fail "no /$pattern/ in the error" || return 1
	expect_eq unchanged "$(ip netns exec $NS "$OVLCTL" -j dev show ovl0)" "$before"
}

t_rejects()
{
	setup || return 1
	ynl --do dev-set --json '{"ifname": "ovl0", "node-id": 3}' || return 1
	expect_ynl_err "nothing to set" --do dev-set --json '{"ifname": "ovl0"}' &&
	expect_ynl_err "no device given" --do dev-set --json '{"node-id": 4}' &&
	expect_ynl_err "no device given" --do dev-get --json '{}' &&
	expect_ynl_err "either ifindex or ifname" --do dev-get \
		--json '{"ifname": "ovl0", "ifindex": 1}' &&
	expect_ynl_err "out of range|range" --do dev-set \
		--json '{"ifname": "ovl0", "node-id": 0}' &&
	expect_ynl_err "out of range|range" --do dev-get --json '{"ifindex": 0}' &&
	expect_ynl_err "no such device" --do dev-get --json '{"ifindex": 99999}' &&
	expect_ynl_err "not an ovl device" --do dev-set \
		--json '{"ifname": "lo", "node-id": 4}' &&
	expect_ynl_err "[Uu]nknown attribute|[Uu]nsupported attribute|type" --do dev-get \
		--json '{"ifname": "ovl0", "node-id": 4}' &&
	expect_ynl_err "[Ss]tring|length|[Ll]ong" --do dev-get \
		--json '{"ifname": "ovl0ovl0ovl0ovl0ovl0"}'
}

# The beacon and the path thresholds: set through the spec alone, shown
# by ovlctl; out-of-range values, half endpoints and reply-only
# attributes rejected with nothing changed.
t_relay_attrs()
{
	local out
	setup || return 1
	ynl --do dev-set --json '{"ifname": "ovl0", "beacon": {"ipv4": 3221225993, "port": 3478},
		"blackhole-ms": 5000, "direct-clears": 5, "max-relay-peers": 10}' || return 1
	out=$(ip netns exec $NS "$OVLCTL" -j dev show ovl0) || return 1
	echo "$out"
	expect_eq relay "$(jget "$out" '"\(.beacon) \(.blackhole_ms) \(.direct_clears) \(.max_relay_peers) \(.blackhole_misses)"')" \
		"192.0.2.9:3478 5000 5 10 3" || return 1
	expect_ynl_err "out of range|range" --do dev-set \
		--json '{"ifname": "ovl0", "blackhole-ms": 99}' &&
	expect_ynl_err "out of range|range" --do dev-set \
		--json '{"ifname": "ovl0", "send-errors": 0}' &&
	expect_ynl_err "out of range|range" --do dev-set \
		--json '{"ifname": "ovl0", "probe-interval-ms": 3600001}' &&
	expect_ynl_err "non-zero port" --do dev-set \
		--json '{"ifname": "ovl0", "beacon": {"ipv4": 3221225985}}' &&
	expect_ynl_err "needs an address" --do dev-set \
		--json '{"ifname": "ovl0", "beacon": {"port": 1}}' &&
	expect_ynl_err "not both" --do dev-set \
		--json '{"ifname": "ovl0", "beacon": {"ipv4": 3221225985, "ipv6": "20010db8000000000000000000000001", "port": 1}}' &&
	expect_ynl_err "[Uu]nknown attribute|[Uu]nsupported attribute|type" --do dev-set \
		--json '{"ifname": "ovl0", "relay-peers": 1}' &&
	expect_ynl_err "[Uu]nknown attribute|[Uu]nsupported attribute|type" --do dev-set \
		--json '{"ifname": "ovl0", "node-id": 5, "public-endpoint": {"ipv4": 3221225985, "port": 1}}' || return 1
	ynl --do dev-set --json '{"ifname": "ovl0", "max-relay-peers": 0}' &&
	expect_ynl_err "relay cap" --do peer-new \
		--json '{"ifname": "ovl0", "peer": {"node-id": 7, "relay": "pinned"}}' || return 1
	ynl --do dev-set --json '{"ifname": "ovl0", "beacon": {}}' || return 1
	expect_eq "beacon removed" "$(ip netns exec $NS "$OVLCTL" -j dev show ovl0 | jq .beacon)" null
}

# A peer with the most allowed-ips (512 IPv6 prefixes), added by ovlctl,
# read through the spec alone: whole in a peer-get, and all of them in a
# dump once the parts of its node id are merged.
t_big_peer()
{
	local out list i
	setup || return 1
	list=$(for i in $(seq 0 511); do printf 'fd77:%x::8/128,' $i; done)
	ip netns exec $NS "$OVLCTL" peer add ovl0 8 allowed-ips "${list%,}" || return 1
	out=$(ynl --do peer-get --json '{"ifname": "ovl0", "peer": {"node-id": 8}}' \
		--output-json) || return 1
	expect_eq "peer-get" "$(jget "$out" '.peer."allowed-ip" | length')" 512 || return 1
	out=$(ynl --dump peer-get --json '{"ifname": "ovl0"}' --output-json) || return 1
	expect_eq "dump" "$(jget "$out" '[.[] | select(.peer."node-id" == 8) | .peer."allowed-ip"[]] | unique | length')" 512
}

# Key lifetimes, promote and the handshake state through the spec alone:
# key-new with a lifetime raises a key-ntf event (seen by a subscriber),
# peer-get gives the lifetime left, the pending promotion, the latest
# handshake and the certificate expiry the daemon set; promote on the
# primary slot is refused.
t_key_life()
{
	local out k1=0101010101010101010101010101010101010101010101010101010101010101
	local k2=0202020202020202020202020202020202020202020202020202020202020202
	setup || return 1
	ynl --do dev-set --json '{"ifname": "ovl0", "node-id": 1}' &&
	ynl --do peer-new --json '{"ifname": "ovl0", "peer": {"node-id": 7, "cert-expiry": 1811808000}}' ||
		return 1
	# A subscriber with a socket of its own, as another process would
	# be (ynl mistakes a notification on the requesting socket for a
	# reply), listening before the key is installed.
	ynl --subscribe events &&
	ynl --do key-new --json "{\"ifname\": \"ovl0\", \"key\": {\"node-id\": 7,
		\"slot\": \"secondary\", \"id\": 4, \"tx-key\": \"$k1\",
		\"rx-key\": \"$k2\", \"lifetime\": 120, \"promote\": true}}" >/dev/null &&
	out=$(ynl --ntf events --output-json) || return 1
	echo "$out"
	expect_eq "key-ntf" "$(jq -r '[.[] | select(.name == "key-ntf") | .msg.key | "\(."node-id") \(.id) \(.slot) \(.event) \(.lifetime)"] | unique | join(",")' <<<"$out")" \
		"7 4 secondary installed 120" || return 1
	out=$(ynl --do peer-get --json '{"ifname": "ovl0", "peer": {"node-id": 7}}' --output-json) ||
		return 1
	echo "$out"
	expect_eq "key" "$(jget "$out" '.peer.key[0] | "\(.slot) \(.id) \(.lifetime) \(.promote != null)"')" \
		"secondary 4 120 true" &&
	expect_eq "expires-ms" "$(jget "$out" '.peer.key[0]."expires-ms" | (. > 100000 and . <= 120000)')" true &&
	expect_eq "cert-expiry" "$(jget "$out" '.peer."cert-expiry"')" 1811808000 &&
	expect_eq "last-handshake" "$(jget "$out" ".peer.\"last-handshake\" | (. >= $(date +%s) - 60)")" true ||
		return 1
	expect_ynl_err "promote needs the secondary slot" --do key-new --json "{\"ifname\": \"ovl0\",
		\"key\": {\"node-id\": 7, \"id\": 5, \"tx-key\": \"$k1\", \"rx-key\": \"$k2\", \"promote\": true}}" &&
	expect_ynl_err "out of range|range" --do key-new --json "{\"ifname\": \"ovl0\",
		\"key\": {\"node-id\": 7, \"id\": 5, \"tx-key\": \"$k1\", \"rx-key\": \"$k2\", \"lifetime\": 86401}}"
}

TMPDIR=$(mktemp -d)
trap 'ynl_stop; cleanup_netns; rm -rf "$TMPDIR"' EXIT
[ -z "${OVL_SMOKE:-}" ] ||
	skip_all "short form (OVL_SMOKE): ynl runs on the newest kernel"
[ -f "$YNL_DIR/cli.py" ] && [ -f "$YNL_DIR/lib/ynl.py" ] ||
	skip_all "no ynl (run scripts/ksrc.sh)"
"$PYTHON" -c 'import yaml' 2>/dev/null || skip_all "no python3-yaml"
load_ovl || skip_all "cannot load the ovl module"
ynl_start || skip_all "cannot start ynl_driver.py"
plan 6
run "ynl dev-get by name and by index" t_get
run "ynl dev-set and dump" t_set_dump
run "strict policies: bad requests rejected with extack" t_rejects
run "beacon and path thresholds through the spec" t_relay_attrs
run "a peer with 512 allowed-ips through the spec" t_big_peer
run "key lifetimes, promote, key events and handshake state through the spec" t_key_life
finish
