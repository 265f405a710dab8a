#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ovl-registry's serving rate on one core (docs/performance.md "Registry"),
# on the host, never in CI: "make -C tool/registry bench" (or "make bench").
#
# For each backend (SQLite, then a private PostgreSQL started the way
# tool/registry/tests/test_registry.py starts one): a database of
# BENCH_NODES (100,000) nodes -- nodes 1 to BENCH_CONNS enrolled for real
# through the client library, the others inserted by SQL with valid rows
# (node 1's certificate, their own key, address, endpoints and version) -- and 3
# live beacons; "ovl-registry serve" pinned to CPU 0 (PostgreSQL too: the
# registry and its database share the one core), bench/regload pinned to
# CPU 1 with BENCH_CONNS (32) keep-alive connections for BENCH_SECS (6)
# seconds (the first one a warm-up) on:
#   beacons  GET /v1/beacons (unsigned)
#   sync     GET /v1/nodes?since=V-10 with a session: connection i as
#            node i, each with its own session (opened by a signed POST
#            /v1/session before the clock starts; each request with its
#            counter and MAC), as 32 daemons would: an
#            incremental sync that brings the 10 newest changes
#            (BENCH_SYNC_BACK=10; 0: a sync that brings nothing, a daemon's
#            usual one)
#   signed   the same sync signed by node 1, each request with its own
#            nonce (signed before the clock starts): what a client without
#            sessions costs (BENCH_SIGNED=0 leaves it out)
# Prints req/s, the ratio to the need (100k daemons x 1 call a minute =
# 1.7k req/s) and to the target (10x that, 17k req/s), and the share of
# a core used by the server (with its database) and by the client, and
# req/s per CPU-second of the server: what one whole core would serve (the
# host is shared: other work on CPU 0 lowers the share the server gets,
# not what it does with it).  Never fails on a figure.
# BENCH_SERVE_ARGS are added to "serve" (e.g. "--sync-cache 0": every
# sync answer built, none taken from the second's cache, as when the
# directory changes between any two syncs); BENCH_BACKENDS="sqlite
# postgresql" picks the backends; BENCH_PERF=DIR
# records a perf profile of each run (server and database) into DIR;
# BENCH_BASE=PATH (an ovl-registry built from another tree) measures it
# too, on the same database, alternating with this tree's, BENCH_ROUNDS
# (1) times: on a shared host only figures taken side by side compare.
set -eu
cd "$(dirname "$0")/.."

REG=$PWD/tool/registry/ovl-registry
CLI=$PWD/tool/registry/tests/regcli
LOAD=$PWD/bench/regload
NODES=${BENCH_NODES:-100000}
SECS=${BENCH_SECS:-6}
CONNS=${BENCH_CONNS:-32}
RATE=${BENCH_MAX_RATE:-40000}	# signed requests prepared per second
KEYS=$CONNS			# nodes enrolled for real: one per connection
BACKENDS=${BENCH_BACKENDS:-sqlite postgresql}
NEED=1700
TARGET=17000

TMP=$(mktemp -d /tmp/ovl-regbench.XXXXXX)
chmod 755 "$TMP"
SERVER=
PGDATA_DIR=
PGPFX=()

cleanup()
{
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
	[ -n "$PGDATA_DIR" ] && "${PGPFX[@]}" "$PGBIN/pg_ctl" -D "$PGDATA_DIR" \
		-m immediate stop >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

for b in "$REG" "$CLI" "$LOAD"; do
	[ -x "$b" ] || { echo "registry.sh: build $b first (make -C tool/registry bench)" >&2; exit 1; }
done

free_port()
{
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

newkey()
{
	(umask 077; head -c 32 /dev/urandom | base64 >"$1")
}

# serve DB [taskset args]: start the server, PORT and SERVER set.
serve()
{
	local db=$1 i
	shift
	PORT=$(free_port)
	"$@" "$REG" serve --listen "127.0.0.1:$PORT" --db "$db" \
		--node-ttl 31536000 --beacon-ttl 86400 ${BENCH_SERVE_ARGS:-} \
		2>>"$TMP/serve.log" &
	SERVER=$!
	for i in $(seq 100); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && return
		sleep 0.05
	done
	echo "registry.sh: serve did not start: $(cat "$TMP/serve.log")" >&2
	exit 1
}

stop()
{
	kill "$SERVER"
	wait "$SERVER" 2>/dev/null || true
	SERVER=
}

# fill DB SQLCMD...: init, enroll node 1, insert the others and beacons.
fill()
{
	local db=$1 t0 tok now
	shift
	t0=$(date +%s.%N)
	newkey "$TMP/ca.key"
	for i in $(seq "$KEYS"); do newkey "$TMP/n$i.key"; done
	"$REG" init --db "$db" --ca-key "$TMP/ca.key" --network 10.96.0.0/12
	tok=$("$REG" token new --db "$db" --uses "$KEYS")
	serve "$db"
	for i in $(seq "$KEYS"); do
		"$CLI" -u "http://127.0.0.1:$PORT" -k "$TMP/n$i.key" -s key \
			enroll "$tok" >/dev/null
	done
	stop
	now=$(date +%s)
	"$@" <<EOF
BEGIN;
INSERT INTO nodes (id, public_key, address, cert, endpoints, relay_only,
		   last_seen, version)
	SELECT i, 'bench' || (10000000 + i) ||
		      'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
	       '10.' || (96 + i / 65536) || '.' || (i / 256 % 256) || '.' ||
	       (i % 256) || '/32',
	       (SELECT cert FROM nodes WHERE id = 1),
	       '198.51.100.' || (i % 250 + 1) || ':51820', 0, $now, i
	FROM $SERIES;
UPDATE counter SET version = $NODES WHERE id = 1;
INSERT INTO beacons (address, first_seen, last_heartbeat) VALUES
	('192.0.2.1:4433', $now, $now), ('192.0.2.2:4433', $now, $now),
	('[2001:db8::3]:4433', $now, $now);
COMMIT;
EOF
	printf '%s: %d nodes in %.1f s\n' "$KIND" "$NODES" \
		"$(echo "$(date +%s.%N) - $t0" | bc)"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

# run NAME TARGET [signing args]: one measurement, one line of output.
run()
{
	local name=$1 out rs sc perf=
	shift
	if [ -n "${BENCH_PERF:-}" ]; then
		mkdir -p "$BENCH_PERF"
		perf record -q -g -p "${PIDS// /,}" -o "$BENCH_PERF/$KIND-$name.data" \
			2>/dev/null &
		perf=$!
	fi
	out=$(REGLOAD_KEYS=$KEYS REGLOAD_SIGNED=${SIGNED:-0} REGLOAD_PIDS="$PIDS" taskset -c 1 "$LOAD" "$PORT" "$1" "$CONNS" \
	      "$SECS" "${@:2}" 2>"$TMP/load.log") ||
		{ echo "registry.sh: $name: $(cat "$TMP/load.log") $out" >&2; return 0; }
	[ -n "$perf" ] && kill -INT "$perf" && wait "$perf" || true
	rs=$(sed 's/.*req_s=\([0-9]*\).*/\1/' <<<"$out")
	sc=$(sed 's/.*server_cpu=\([0-9.]*\).*/\1/' <<<"$out")
	printf '%-10s %-4s %-8s %6d req/s (x%s need, x%s target); %6d per server CPU-second (x%s target); %s\n' \
		"$KIND" "$WHO" "$name" "$rs" "$(ratio "$rs" $NEED)" "$(ratio "$rs" $TARGET)" \
		"$(awk -v a="$rs" -v b="$sc" 'BEGIN { printf "%d", (b > 0 ? a / b : 0) }')" \
		"$(awk -v a="$rs" -v b="$sc" -v t=$TARGET 'BEGIN { printf "%.1f", (b > 0 ? a / b / t : 0) }')" \
		"$(sed 's/.*\(client_cpu=[0-9.]*\) \(server_cpu=[0-9.]*\).*/\2 \1/' <<<"$out")"
	grep -h 'signed' "$TMP/load.log" | sed 's/^/  /' || true
}

bench()
{
	local db=$1 pm r reg since this=$REG
	for r in $(seq "${BENCH_ROUNDS:-1}"); do
		for reg in ${BENCH_BASE:+"$BENCH_BASE"} "$this"; do
			REG=$reg
			WHO=this
			[ "$reg" = "$this" ] || WHO=base
			serve "$db" taskset -c 0
			PIDS=$SERVER
			if [ "$KIND" = postgresql ]; then
				pm=$(head -n 1 "$PGDATA_DIR/postmaster.pid")
				PIDS="$SERVER $pm $(pgrep -d ' ' -P "$pm")"
			fi
			run beacons /v1/beacons
			since=$((NODES - ${BENCH_SYNC_BACK:-10}))
			# a base from before sessions: signed only
			[ "$WHO" = base ] || run sync "/v1/nodes?since=$since" "$TMP/n%d.key" 1 "$RATE"
			[ "${BENCH_SIGNED:-1}" = 0 ] ||
				SIGNED=1 run signed "/v1/nodes?since=$since" "$TMP/n1.key" 1 "$RATE"
			stop
		done
	done
	REG=$this
}

echo "ovl-registry, $NODES nodes, server on CPU 0, client on CPU 1," \
     "$CONNS connections, $((SECS - 1)) s measured; $(nproc) CPUs:" \
     "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)"
for KIND in $BACKENDS; do
	case $KIND in
	sqlite)
		DB="sqlite:$TMP/r.db"
		SERIES="(WITH RECURSIVE s(i) AS (SELECT $((KEYS + 1)) UNION ALL SELECT i + 1 FROM s WHERE i < $NODES) SELECT i FROM s)"
		fill "$DB" sqlite3 "$TMP/r.db"
		bench "$DB"
		;;
	postgresql)
		PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)")
		if [ ! -x "$PGBIN/initdb" ]; then
			echo "postgresql: skipped (apt-get install postgresql)"
			continue
		fi
		PGDATA_DIR=$TMP/pg/data
		mkdir -p "$TMP/pg"
		chmod 755 "$TMP/pg"
		if [ "$(id -u)" = 0 ]; then
			chown postgres "$TMP/pg"
			PGPFX=(runuser -u postgres --)
		fi
		PGPORT=$(free_port)
		"${PGPFX[@]}" "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres \
			--auth=trust -E UTF8 --no-sync >/dev/null
		# fsync off as in the tests: the figure is the registry's, not
		# the disk's (a commit per signed request: its nonce).
		taskset -c 0 "${PGPFX[@]}" "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -w \
			-l "$TMP/pg/log" -o "-k $TMP/pg -p $PGPORT -c listen_addresses='' -c fsync=off" \
			start >/dev/null
		DB="postgresql:///postgres?host=$TMP/pg&port=$PGPORT&user=postgres"
		SERIES="generate_series($((KEYS + 1)), $NODES) AS s(i)"
		fill "$DB" psql -q -v ON_ERROR_STOP=1 "$DB"
		bench "$DB"
		;;
	esac
done
