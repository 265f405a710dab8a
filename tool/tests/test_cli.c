// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line contract of ovlctl: help, version, "key generate",
 * "genkey" into a file, and the usage errors (exit status 2) that are all
 * detected before netlink is touched, so they hold with or without the ovl
 * module.  Runs the sanitizer build OVLCTL_BIN; sanitizer reports would
 * show up on its standard error.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define HELP		"Usage: ovlctl [OPTIONS] OBJECT COMMAND [ARGUMENTS]\n..."
#define SHOW_USAGE	"Usage: ovlctl dev show [DEV]\n"
#define SET_ARGS	"DEV [node-id ID] [listen-port PORT] " \
			"[beacon IP:PORT|none] [beacon-keys HEX] [blackhole-ms MS] " \
			"[blackhole-misses N] [direct-clears N] [send-errors N] " \
			"[max-relay-peers N] [probe-interval-ms MS]\n"
#define SET_USAGE	"Usage: ovlctl dev set " SET_ARGS
#define DEV_USAGE	SHOW_USAGE \
			"       ovlctl dev set " SET_ARGS
#define PEER_ARGS	"DEV NODEID [endpoint IP:PORT] " \
			"[allowed-ips CIDR[,CIDR...]|none] [keepalive SECS] " \
			"[relay off|on|pinned] [cert-expiry UNIXSECONDS]\n"
#define PEER_SHOW_USAGE	"Usage: ovlctl peer show DEV [NODEID]\n"
#define PEER_ADD_USAGE	"Usage: ovlctl peer add " PEER_ARGS
#define PEER_SET_USAGE	"Usage: ovlctl peer set " PEER_ARGS
#define PEER_DEL_USAGE	"Usage: ovlctl peer del DEV NODEID\n"
#define PEER_USAGE	PEER_SHOW_USAGE \
			"       ovlctl peer add " PEER_ARGS \
			"       ovlctl peer set " PEER_ARGS \
			"       ovlctl peer del DEV NODEID\n"
#define KEY_SET_ARGS	"DEV NODEID [slot primary|secondary] id KEYID " \
			"tx-key B64 rx-key B64 [lifetime SECONDS] [promote]\n"
#define KEY_SET_USAGE	"Usage: ovlctl key set " KEY_SET_ARGS
#define KEY_SWAP_USAGE	"Usage: ovlctl key swap DEV NODEID\n"
#define KEY_DEL_USAGE	"Usage: ovlctl key del DEV NODEID [slot primary|secondary]\n"
#define KEY_GEN_USAGE	"Usage: ovlctl key generate\n"
#define KEY_USAGE	KEY_SET_USAGE \
			"       ovlctl key swap DEV NODEID\n" \
			"       ovlctl key del DEV NODEID [slot primary|secondary]\n" \
			"       ovlctl key generate\n"
#define CERT_SHOW_USAGE	"Usage: ovlctl cert show FILE|- [--ca B64]\n"
#define CERT_SIGN_ARGS	"--ca-key FILE --node-id ID --pubkey B64 " \
			"--address CIDR [--address CIDR]... [--relay-only] " \
			"[--valid-for DAYS | --not-after TIME] " \
			"[--not-before TIME]\n"
#define CERT_USAGE	CERT_SHOW_USAGE "       ovlctl cert sign " CERT_SIGN_ARGS
#define TOP_SHOW_USAGE	"Usage: ovlctl show [DEV]\n"
#define DAEMON_USAGE	"Usage: ovlctl daemon DEV -c FILE\n"
#define BEACON_USAGE	"Usage: ovlctl beacon pick --pubkey BASE64 " \
			"[--bootstrap A,B] [--discovered C,D] " \
			"[--rtt ADDR=MS]...\n"
#define BEACON_SHOW_USAGE "Usage: ovlctl beacon show DEV\n"
#define BEACON_REG_USAGE "ovlctl beacon register DEV --identity FILE " \
			"--certificate FILE [--timeout SECS]\n"
#define BEACON_HELP	"Usage: ovlctl beacon show DEV\n" \
			"       ovlctl beacon pick --pubkey BASE64 " \
			"[--bootstrap A,B] [--discovered C,D] " \
			"[--rtt ADDR=MS]...\n" \
			"       " BEACON_REG_USAGE
#define B_LIST		"\"list\":[\"10.0.0.9:3478\",\"198.51.100.9:3478\"," \
			"\"198.51.100.10:3478\"]"
#define MONITOR_USAGE	"Usage: ovlctl monitor [DEV]\n"
#define BAD_NAME	"ovlctl: invalid device name '0123456789abcdef': " \
			"expected 1..15 characters\n"
#define KEY_A		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KEY_B		"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
#define NOT_B64		"not base64 (expected 32 bytes in standard base64 " \
			"with padding)\n"

/**
 * struct cli_case - one ovlctl run and what it must print
 * @name: test name
 * @args: the arguments, NULL-terminated
 * @status: exit status
 * @out: standard output; a trailing "..." matches any rest
 * @err: standard error, likewise
 */
struct cli_case {
	const char *name;
	const char *args[16];
	int status;
	const char *out;
	const char *err;
};

static const struct cli_case cases[] = {
	{ "no arguments", { NULL }, 2, "", HELP },
	{ "help", { "help" }, 0, HELP, "" },
	{ "-h", { "-h" }, 0, HELP, "" },
	{ "--help", { "--help", "dev" }, 0, HELP, "" },
	{ "-V", { "-V" }, 0, "ovlctl ...", "" },
	{ "--version", { "--version" }, 0, "ovlctl ...", "" },
	{ "unknown long option", { "--bogus", "dev", "show" }, 2, "",
	  "ovlctl: unrecognized option '--bogus'\n" HELP },
	{ "unknown short option", { "-x" }, 2, "",
	  "ovlctl: invalid option -- 'x'\n" HELP },
	{ "unknown object", { "bogus" }, 2, "",
	  "ovlctl: unknown object 'bogus'\n" HELP },
	{ "dev help", { "dev", "help" }, 0, DEV_USAGE, "" },
	{ "unknown command", { "dev", "bogus" }, 2, "",
	  "ovlctl: dev: unknown command 'bogus'\n" DEV_USAGE },
	{ "option after object", { "dev", "-j", "show" }, 2, "",
	  "ovlctl: dev: unknown command '-j'\n" DEV_USAGE },
	{ "show: extra argument", { "dev", "show", "ovl0", "ovl1" }, 2, "",
	  "ovlctl: dev show: unexpected argument 'ovl1'\n" SHOW_USAGE },
	{ "show: long name", { "dev", "show", "0123456789abcdef" }, 2, "",
	  "ovlctl: invalid device name '0123456789abcdef': "
	  "expected 1..15 characters\n" },
	{ "show: empty name", { "-j", "dev", "show", "" }, 2, "",
	  "ovlctl: invalid device name '': expected 1..15 characters\n" },
	{ "set: no device", { "-j", "dev", "set" }, 2, "",
	  "ovlctl: dev set: missing device name\n" SET_USAGE },
	{ "set: nothing", { "dev", "set", "ovl0" }, 2, "",
	  "ovlctl: dev set: nothing to set: need node-id, listen-port, beacon, "
	  "beacon-keys or a threshold\n" SET_USAGE },
	{ "set: short beacon-keys", { "dev", "set", "ovl0", "beacon-keys", "0011" },
	  2, "", "ovlctl: invalid beacon-keys: expected 32 bytes in hex\n" },
	{ "set: bad beacon-keys", { "dev", "set", "ovl0", "beacon-keys",
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g" },
	  2, "", "ovlctl: invalid beacon-keys: expected 32 bytes in hex\n" },
	{ "set: bad beacon", { "dev", "set", "ovl0", "beacon", "beacon.example:1" },
	  2, "", "ovlctl: invalid beacon 'beacon.example:1': expected "
	  "IPV4:PORT, [IPV6]:PORT or none\n" },
	{ "set: beacon port 0", { "dev", "set", "ovl0", "beacon", "192.0.2.1:0" },
	  2, "", "ovlctl: invalid beacon '192.0.2.1:0': expected "
	  "IPV4:PORT, [IPV6]:PORT or none\n" },
	{ "set: blackhole-ms too short",
	  { "dev", "set", "ovl0", "blackhole-ms", "99" }, 2, "",
	  "ovlctl: invalid blackhole-ms '99': expected 100..3600000\n" },
	{ "set: direct-clears 0",
	  { "dev", "set", "ovl0", "direct-clears", "0" }, 2, "",
	  "ovlctl: invalid direct-clears '0': expected 1..255\n" },
	{ "set: repeated threshold",
	  { "dev", "set", "ovl0", "send-errors", "1", "send-errors", "2" }, 2, "",
	  "ovlctl: dev set: 'send-errors' given twice\n" SET_USAGE },
	{ "set: unknown keyword", { "dev", "set", "ovl0", "foo", "1" }, 2, "",
	  "ovlctl: dev set: unknown option 'foo'\n" SET_USAGE },
	{ "set: missing value", { "dev", "set", "ovl0", "node-id" }, 2, "",
	  "ovlctl: dev set: missing value for 'node-id'\n" SET_USAGE },
	{ "set: repeated keyword",
	  { "dev", "set", "ovl0", "node-id", "1", "node-id", "2" }, 2, "",
	  "ovlctl: dev set: 'node-id' given twice\n" SET_USAGE },
	{ "set: node-id abc", { "dev", "set", "ovl0", "node-id", "abc" }, 2,
	  "", "ovlctl: invalid node-id 'abc': expected 1..4294967295\n" },
	{ "set: node-id 0", { "dev", "set", "ovl0", "node-id", "0" }, 2, "",
	  "ovlctl: invalid node-id '0': expected 1..4294967295\n" },
	{ "set: node-id -1", { "dev", "set", "ovl0", "node-id", "-1" }, 2, "",
	  "ovlctl: invalid node-id '-1': expected 1..4294967295\n" },
	{ "set: node-id 2^32",
	  { "dev", "set", "ovl0", "node-id", "4294967296" }, 2, "",
	  "ovlctl: invalid node-id '4294967296': expected 1..4294967295\n" },
	{ "set: listen-port 65536",
	  { "dev", "set", "ovl0", "listen-port", "65536" }, 2, "",
	  "ovlctl: invalid listen-port '65536': expected 0..65535\n" },
	{ "set: keywords in any order",
	  { "dev", "set", "ovl0", "listen-port", "0", "node-id", "1x" }, 2, "",
	  "ovlctl: invalid node-id '1x': expected 1..4294967295\n" },
	{ "set: long name", { "dev", "set", "0123456789abcdef", "node-id", "1" },
	  2, "", "ovlctl: invalid device name '0123456789abcdef': "
	  "expected 1..15 characters\n" },

	/* peer */
	{ "peer help", { "peer", "help" }, 0, PEER_USAGE, "" },
	{ "peer alone", { "peer" }, 2, "",
	  "ovlctl: peer show: missing device name\n" PEER_SHOW_USAGE },
	{ "peer: unknown command", { "peer", "list" }, 2, "",
	  "ovlctl: peer: unknown command 'list'\n" PEER_USAGE },
	{ "peer show: extra argument", { "peer", "show", "ovl0", "1", "2" }, 2,
	  "", "ovlctl: peer show: unexpected argument '2'\n" PEER_SHOW_USAGE },
	{ "peer show: node id 0", { "-j", "peer", "show", "ovl0", "0" }, 2, "",
	  "ovlctl: invalid node-id '0': expected 1..4294967295\n" },
	{ "peer show: long name", { "peer", "show", "0123456789abcdef" }, 2, "",
	  BAD_NAME },
	{ "peer add: no device", { "peer", "add" }, 2, "",
	  "ovlctl: peer add: missing device name\n" PEER_ADD_USAGE },
	{ "peer add: no node id", { "peer", "add", "ovl0" }, 2, "",
	  "ovlctl: peer add: missing node id\n" PEER_ADD_USAGE },
	{ "peer add: node id abc", { "peer", "add", "ovl0", "abc" }, 2, "",
	  "ovlctl: invalid node-id 'abc': expected 1..4294967295\n" },
	{ "peer add: node id 2^32", { "peer", "add", "ovl0", "4294967296" }, 2,
	  "", "ovlctl: invalid node-id '4294967296': expected 1..4294967295\n" },
	{ "peer add: long name", { "peer", "add", "0123456789abcdef", "1" }, 2,
	  "", BAD_NAME },
	{ "peer add: missing value", { "peer", "add", "ovl0", "1", "endpoint" },
	  2, "", "ovlctl: peer add: missing value for 'endpoint'\n"
	  PEER_ADD_USAGE },
	{ "peer add: unknown keyword", { "peer", "add", "ovl0", "1", "foo", "1" },
	  2, "", "ovlctl: peer add: unknown option 'foo'\n" PEER_ADD_USAGE },
	{ "peer add: bad relay mode",
	  { "peer", "add", "ovl0", "1", "relay", "auto" }, 2, "",
	  "ovlctl: invalid relay 'auto': expected off, on or pinned\n" },
	{ "peer add: repeated keyword",
	  { "peer", "add", "ovl0", "1", "keepalive", "1", "keepalive", "2" }, 2,
	  "", "ovlctl: peer add: 'keepalive' given twice\n" PEER_ADD_USAGE },
	{ "peer add: bad endpoint",
	  { "peer", "add", "ovl0", "1", "endpoint", "[::1]" }, 2, "",
	  "ovlctl: invalid endpoint '[::1]': expected IPV4:PORT or "
	  "[IPV6]:PORT\n" },
	{ "peer add: bad prefix",
	  { "peer", "add", "ovl0", "1", "allowed-ips", "10.0.0.0/8,fd00::/129" },
	  2, "", "ovlctl: invalid allowed-ips prefix 'fd00::/129': expected "
	  "ADDR[/LEN]\n" },
	{ "peer add: keepalive too long",
	  { "peer", "add", "ovl0", "1", "keepalive", "86401" }, 2, "",
	  "ovlctl: invalid keepalive '86401': expected 0..86400\n" },
	{ "peer set: nothing", { "peer", "set", "ovl0", "1" }, 2, "",
	  "ovlctl: peer set: nothing to set: need endpoint, allowed-ips, "
	  "keepalive, relay and/or cert-expiry\n" PEER_SET_USAGE },
	{ "peer set: cert-expiry past 9999",
	  { "peer", "set", "ovl0", "1", "cert-expiry", "253402300800" }, 2, "",
	  "ovlctl: invalid cert-expiry '253402300800': expected Unix seconds "
	  "0..253402300799\n" },
	{ "peer add: cert-expiry not a number",
	  { "peer", "add", "ovl0", "1", "cert-expiry", "2027-01-01" }, 2, "",
	  "ovlctl: invalid cert-expiry '2027-01-01': expected Unix seconds "
	  "0..253402300799\n" },
	{ "key set: lifetime 0",
	  { "key", "set", "ovl0", "1", "id", "1", "tx-key", KEY_A, "rx-key",
	    KEY_B, "lifetime", "0" }, 2, "",
	  "ovlctl: invalid lifetime '0': expected 1..86400\n" },
	{ "key set: lifetime past a day",
	  { "key", "set", "ovl0", "1", "id", "1", "tx-key", KEY_A, "rx-key",
	    KEY_B, "lifetime", "86401" }, 2, "",
	  "ovlctl: invalid lifetime '86401': expected 1..86400\n" },
	{ "key set: promote the primary key",
	  { "key", "set", "ovl0", "1", "id", "1", "tx-key", KEY_A, "rx-key",
	    KEY_B, "promote" }, 2, "",
	  "ovlctl: key set: 'promote' needs 'slot secondary'\n" KEY_SET_USAGE },
	{ "key set: promote twice",
	  { "key", "set", "ovl0", "1", "slot", "secondary", "promote", "id",
	    "1", "tx-key", KEY_A, "rx-key", KEY_B, "promote" }, 2, "",
	  "ovlctl: key set: 'promote' given twice\n" KEY_SET_USAGE },
	{ "key set: promote takes no value",
	  { "key", "set", "ovl0", "1", "slot", "secondary", "id", "1",
	    "tx-key", KEY_A, "rx-key", KEY_B, "promote", "yes" }, 2, "",
	  "ovlctl: key set: unknown option 'yes'\n" KEY_SET_USAGE },
	{ "peer set: no node id", { "peer", "set", "ovl0" }, 2, "",
	  "ovlctl: peer set: missing node id\n" PEER_SET_USAGE },
	{ "peer del: no node id", { "peer", "del", "ovl0" }, 2, "",
	  "ovlctl: peer del: missing node id\n" PEER_DEL_USAGE },
	{ "peer del: extra argument", { "peer", "del", "ovl0", "1", "2" }, 2, "",
	  "ovlctl: peer del: unexpected argument '2'\n" PEER_DEL_USAGE },
	{ "peer del: node id -1", { "peer", "del", "ovl0", "-1" }, 2, "",
	  "ovlctl: invalid node-id '-1': expected 1..4294967295\n" },

	/* key */
	{ "key help", { "key", "help" }, 0, KEY_USAGE, "" },
	{ "key set: no device", { "key", "set" }, 2, "",
	  "ovlctl: key set: missing device name\n" KEY_SET_USAGE },
	{ "key set: no id", { "key", "set", "ovl0", "1" }, 2, "",
	  "ovlctl: key set: missing 'id'\n" KEY_SET_USAGE },
	{ "key set: no tx-key", { "key", "set", "ovl0", "1", "id", "1",
	  "rx-key", KEY_B }, 2, "",
	  "ovlctl: key set: missing 'tx-key'\n" KEY_SET_USAGE },
	{ "key set: bad id", { "key", "set", "ovl0", "1", "id", "256",
	  "tx-key", KEY_A, "rx-key", KEY_B }, 2, "",
	  "ovlctl: invalid id '256': expected 0..255\n" },
	{ "key set: bad slot", { "key", "set", "ovl0", "1", "slot", "both",
	  "id", "1", "tx-key", KEY_A, "rx-key", KEY_B }, 2, "",
	  "ovlctl: invalid slot 'both': expected primary or secondary\n" },
	{ "key set: short key", { "key", "set", "ovl0", "1", "id", "1",
	  "tx-key", "AAECAwQFBgcICQoLDA0ODw==", "rx-key", KEY_B }, 2, "",
	  "ovlctl: invalid tx-key: 16 bytes, expected 32\n" },
	{ "key set: long key", { "key", "set", "ovl0", "1", "id", "1",
	  "tx-key", KEY_A, "rx-key",
	  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g" }, 2, "",
	  "ovlctl: invalid rx-key: 33 bytes, expected 32\n" },
	{ "key set: not base64", { "key", "set", "ovl0", "1", "id", "1",
	  "tx-key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8*",
	  "rx-key", KEY_B }, 2, "", "ovlctl: invalid tx-key: " NOT_B64 },
	{ "key set: same keys", { "key", "set", "ovl0", "1", "id", "1",
	  "tx-key", KEY_A, "rx-key", KEY_A }, 2, "",
	  "ovlctl: invalid keys: tx-key and rx-key must differ\n" },
	{ "key swap: no node id", { "key", "swap", "ovl0" }, 2, "",
	  "ovlctl: key swap: missing node id\n" KEY_SWAP_USAGE },
	{ "key swap: extra argument", { "key", "swap", "ovl0", "1", "x" }, 2,
	  "", "ovlctl: key swap: unexpected argument 'x'\n" KEY_SWAP_USAGE },
	{ "key del: missing value", { "key", "del", "ovl0", "1", "slot" }, 2, "",
	  "ovlctl: key del: missing value for 'slot'\n" KEY_DEL_USAGE },
	{ "key del: unknown keyword", { "key", "del", "ovl0", "1", "id", "1" },
	  2, "", "ovlctl: key del: unknown option 'id'\n" KEY_DEL_USAGE },
	{ "key del: bad slot", { "key", "del", "ovl0", "1", "slot", "1" }, 2, "",
	  "ovlctl: invalid slot '1': expected primary or secondary\n" },
	{ "key generate", { "key", "generate" }, 0, "...", "" },
	{ "key generate: extra argument", { "key", "generate", "x" }, 2, "",
	  "ovlctl: key generate: unexpected argument 'x'\n" KEY_GEN_USAGE },

	/* genkey, pubkey, cert */
	{ "genkey", { "genkey" }, 0, "...", "" },
	{ "genkey help", { "genkey", "help" }, 0, "Usage: ovlctl genkey\n", "" },
	{ "genkey: extra argument", { "genkey", "x" }, 2, "",
	  "ovlctl: genkey: unexpected argument 'x'\nUsage: ovlctl genkey\n" },
	{ "pubkey: extra argument", { "pubkey", "x" }, 2, "",
	  "ovlctl: pubkey: unexpected argument 'x'\n"
	  "Usage: ovlctl pubkey < KEYFILE\n" },
	{ "cert help", { "cert", "help" }, 0, CERT_USAGE, "" },
	{ "cert: no file", { "cert" }, 2, "",
	  "ovlctl: cert show: missing certificate file\n" CERT_SHOW_USAGE },
	{ "cert show: no such file", { "cert", "show", "/nonexistent/n.crt" },
	  1, "", "ovlctl: /nonexistent/n.crt: No such file or directory\n" },
	{ "cert sign: nothing", { "cert", "sign" }, 2, "",
	  "ovlctl: cert sign: missing '--ca-key'\nUsage: ovlctl cert sign "
	  CERT_SIGN_ARGS },
	{ "cert sign: bad address",
	  { "cert", "sign", "--ca-key", "/nonexistent/ca.key", "--node-id", "2",
	    "--pubkey", KEY_A, "--address", "10.77.0.2/24" }, 2, "",
	  "ovlctl: invalid address '10.77.0.2/24': host bits set (an address "
	  "is a prefix, e.g. 10.77.0.2/32)\n" },
	{ "cert sign: no CA key",
	  { "cert", "sign", "--ca-key", "/nonexistent/ca.key", "--node-id", "2",
	    "--pubkey", KEY_A, "--address", "10.77.0.2/32" }, 1, "",
	  "ovlctl: /nonexistent/ca.key: No such file or directory\n" },

	/* show, monitor */
	{ "show help", { "show", "help" }, 0, TOP_SHOW_USAGE, "" },
	{ "show: extra argument", { "show", "ovl0", "ovl1" }, 2, "",
	  "ovlctl: show: unexpected argument 'ovl1'\n" TOP_SHOW_USAGE },
	{ "show: long name", { "-j", "show", "0123456789abcdef" }, 2, "",
	  BAD_NAME },
	{ "monitor help", { "monitor", "help" }, 0, MONITOR_USAGE, "" },
	{ "monitor: extra argument", { "monitor", "ovl0", "ovl1" }, 2, "",
	  "ovlctl: monitor: unexpected argument 'ovl1'\n" MONITOR_USAGE },
	{ "monitor: long name", { "monitor", "0123456789abcdef" }, 2, "",
	  BAD_NAME },
	/* daemon */
	{ "daemon help", { "daemon", "help" }, 0, DAEMON_USAGE, "" },
	{ "daemon: no config", { "daemon", "ovl0" }, 2, "",
	  "ovlctl: daemon: expected DEV -c FILE\n" DAEMON_USAGE },
	{ "daemon: -c without file", { "daemon", "ovl0", "-c" }, 2, "",
	  "ovlctl: daemon: '-c' needs a FILE\n" DAEMON_USAGE },
	{ "daemon: two devices", { "daemon", "ovl0", "ovl1", "-c", "f" }, 2, "",
	  "ovlctl: daemon: unexpected 'ovl1'\n" DAEMON_USAGE },
	{ "daemon: no such file", { "daemon", "ovl0", "-c", "/nonexistent/x.conf" },
	  1, "", "ovlctl: /nonexistent/x.conf: No such file or directory\n" },
	/* beacon pick: KEY_A is bytes 0..31; scores 13736f7d, 749763fb, 4911a849 */
	{ "beacon help", { "beacon", "help" }, 0, BEACON_HELP, "" },
	{ "beacon show: no DEV", { "beacon", "show" }, 2, "",
	  "ovlctl: beacon show: expected DEV\n" BEACON_SHOW_USAGE },
	{ "beacon show: two args", { "beacon", "show", "ovl0", "x" }, 2, "",
	  "ovlctl: beacon show: unexpected argument 'x'\n" BEACON_SHOW_USAGE },
	{ "beacon register: no DEV", { "beacon", "register" }, 2, "",
	  "ovlctl: beacon register: expected DEV\nUsage: " BEACON_REG_USAGE },
	{ "beacon register: no certificate",
	  { "beacon", "register", "ovl0", "--identity", "/k" }, 2, "",
	  "ovlctl: beacon register: --identity FILE and --certificate FILE "
	  "are required\nUsage: " BEACON_REG_USAGE },
	{ "beacon register: bad timeout",
	  { "beacon", "register", "ovl0", "--identity", "/k", "--certificate",
	    "/c", "--timeout", "0" }, 2, "",
	  "ovlctl: beacon register: --timeout: '0' is not 1..3600 seconds\n"
	  "Usage: " BEACON_REG_USAGE },
	{ "beacon register: stray argument",
	  { "beacon", "register", "ovl0", "x", "--identity", "/k" }, 2, "",
	  "ovlctl: beacon register: unexpected argument 'x'\nUsage: "
	  BEACON_REG_USAGE },
	{ "beacon register: no identity file",
	  { "beacon", "register", "ovl0", "--identity", "/nonexistent/k",
	    "--certificate", "/nonexistent/c" }, 1, "",
	  "ovlctl: beacon register: /nonexistent/k: No such file or directory\n" },
	{ "beacon pick: text",
	  { "beacon", "pick", "--pubkey", KEY_A, "--bootstrap",
	    "10.0.0.9:3478", "--discovered",
	    "198.51.100.10:3478, 192.168.1.1:3478,198.51.100.9:3478,"
	    "10.0.0.9:3478" }, 0,
	  "  BEACON              FROM        SCORE     RTT\n"
	  "  10.0.0.9:3478       bootstrap   13736f7d  -\n"
	  "  198.51.100.10:3478  discovered  4911a849  -\n"
	  "* 198.51.100.9:3478   discovered  749763fb  -\n"
	  "dropped 192.168.1.1:3478: private address\n"
	  "pick: 198.51.100.9:3478 (highest score)\n", "" },
	{ "beacon pick: json",
	  { "-j", "beacon", "pick", "--pubkey", KEY_A, "--bootstrap",
	    "10.0.0.9:3478,198.51.100.9:3478", "--discovered",
	    "[fe80::1]:3478,198.51.100.9:3478,198.51.100.10:3478,127.0.0.1:1" },
	  0, "{" B_LIST ",\"pick\":\"198.51.100.9:3478\"}\n", "" },
	{ "beacon pick: one entry",
	  { "-j", "beacon", "pick", "--pubkey", KEY_B, "--discovered",
	    "beacon.example.net:3478" }, 0,
	  "{\"list\":[\"beacon.example.net:3478\"],"
	  "\"pick\":\"beacon.example.net:3478\"}\n", "" },
	{ "beacon pick: hash pick more than 2x slower",
	  { "-j", "beacon", "pick", "--pubkey", KEY_A, "--bootstrap",
	    "10.0.0.9:3478,198.51.100.9:3478,198.51.100.10:3478",
	    "--rtt", "198.51.100.9:3478=20.001", "--rtt",
	    "198.51.100.10:3478=10" }, 0,
	  "{" B_LIST ",\"pick\":\"198.51.100.10:3478\"}\n", "" },
	{ "beacon pick: hash pick exactly 2x slower",
	  { "-j", "beacon", "pick", "--pubkey", KEY_A, "--bootstrap",
	    "10.0.0.9:3478,198.51.100.9:3478,198.51.100.10:3478",
	    "--rtt=198.51.100.9:3478=20", "--rtt=198.51.100.10:3478=10" }, 0,
	  "{" B_LIST ",\"pick\":\"198.51.100.9:3478\"}\n", "" },
	{ "beacon pick: hash pick unmeasured",
	  { "-j", "beacon", "pick", "--pubkey", KEY_A, "--bootstrap",
	    "10.0.0.9:3478,198.51.100.9:3478,198.51.100.10:3478",
	    "--rtt", "10.0.0.9:3478=80", "--rtt", "198.51.100.10:3478=90" }, 0,
	  "{" B_LIST ",\"pick\":\"10.0.0.9:3478\"}\n", "" },
	{ "beacon pick: slower, text",
	  { "beacon", "pick", "--pubkey", KEY_A, "--bootstrap",
	    "10.0.0.9:3478,198.51.100.9:3478,198.51.100.10:3478",
	    "--rtt", "198.51.100.9:3478=30", "--rtt", "198.51.100.10:3478=0.25" },
	  0,
	  "  BEACON              FROM        SCORE     RTT\n"
	  "  10.0.0.9:3478       bootstrap   13736f7d  -\n"
	  "  198.51.100.9:3478   bootstrap   749763fb  30 ms\n"
	  "* 198.51.100.10:3478  bootstrap   4911a849  0.25 ms\n"
	  "pick: 198.51.100.10:3478 (fastest; the hash pick 198.51.100.9:3478, "
	  "30 ms, is more than 2x slower)\n", "" },
	{ "beacon pick: bad base64",
	  { "beacon", "pick", "--pubkey", "not-base64", "--bootstrap", "a:1" },
	  2, "", "ovlctl: invalid pubkey: expected 32 bytes in standard base64 "
	  "with padding\n" },
	{ "beacon pick: 16-byte key",
	  { "beacon", "pick", "--pubkey", "AAECAwQFBgcICQoLDA0ODw==",
	    "--bootstrap", "a:1" }, 2, "",
	  "ovlctl: invalid pubkey: expected 32 bytes in standard base64 "
	  "with padding\n" },
	{ "beacon pick: no key",
	  { "beacon", "pick", "--bootstrap", "a:1" }, 2, "",
	  "ovlctl: beacon pick: missing --pubkey\n" BEACON_USAGE },
	{ "beacon pick: no list", { "beacon", "pick", "--pubkey", KEY_A }, 2,
	  "", "ovlctl: beacon pick: need --bootstrap or --discovered\n"
	  BEACON_USAGE },
	{ "beacon pick: empty list",
	  { "-j", "beacon", "pick", "--pubkey", KEY_A, "--bootstrap", "",
	    "--discovered", " , " }, 1, "",
	  "ovlctl: beacon pick: no beacons: the list is empty\n" },
	{ "beacon pick: everything dropped",
	  { "beacon", "pick", "--pubkey", KEY_A, "--discovered",
	    "10.1.2.3:3478,[::1]:3478" }, 1, "",
	  "ovlctl: beacon pick: no beacons: the list is empty (every "
	  "discovered entry was dropped)\n" },
	{ "beacon pick: bad entry",
	  { "beacon", "pick", "--pubkey", KEY_A, "--bootstrap", "a:1,b c:2" }, 2,
	  "", "ovlctl: beacon pick: --bootstrap: 'b c:2': not an address "
	  "(printable characters, no blanks)\n" BEACON_USAGE },
	{ "beacon pick: bad rtt",
	  { "beacon", "pick", "--pubkey", KEY_A, "--bootstrap", "a:1",
	    "--rtt", "a:1" }, 2, "",
	  "ovlctl: invalid rtt 'a:1': expected ADDR=MS (milliseconds, e.g. 12 "
	  "or 0.35, at most 3600000)\n" },
	{ "beacon pick: negative rtt",
	  { "beacon", "pick", "--pubkey", KEY_A, "--bootstrap", "a:1",
	    "--rtt", "a:1=-5" }, 2, "",
	  "ovlctl: invalid rtt 'a:1=-5': expected ADDR=MS (milliseconds, e.g. "
	  "12 or 0.35, at most 3600000)\n" },
	{ "beacon pick: rtt of another beacon",
	  { "-j", "beacon", "pick", "--pubkey", KEY_A, "--bootstrap", "a:1",
	    "--rtt", "b:1=5" }, 0, "{\"list\":[\"a:1\"],\"pick\":\"a:1\"}\n",
	  "ovlctl: warning: beacon pick: --rtt: 'b:1' is not in the list, "
	  "ignored\n" },
	{ "beacon pick: rtt of a dropped beacon",
	  { "-j", "beacon", "pick", "--pubkey", KEY_A, "--discovered",
	    "10.0.0.1:3478,198.51.100.9:3478,198.51.100.10:3478", "--rtt",
	    "10.0.0.1:3478=0.1", "--rtt", "198.51.100.9:3478=50", "--rtt",
	    "198.51.100.10:3478=20" }, 0,
	  "{\"list\":[\"198.51.100.9:3478\",\"198.51.100.10:3478\"],"
	  "\"pick\":\"198.51.100.10:3478\"}\n",
	  "ovlctl: warning: beacon pick: --rtt: '10.0.0.1:3478' is not in the "
	  "list (dropped), ignored\n" },
	{ "beacon pick: rtt twice",
	  { "beacon", "pick", "--pubkey", KEY_A, "--bootstrap", "a:1",
	    "--rtt", "a:1=5", "--rtt", "a:1=6" }, 2, "",
	  "ovlctl: beacon pick: --rtt: 'a:1' given twice\n" BEACON_USAGE },
	{ "beacon pick: unknown option",
	  { "beacon", "pick", "--pubkey", KEY_A, "--beacons", "a:1" }, 2, "",
	  "ovlctl: beacon pick: unknown option '--beacons'\n" BEACON_USAGE },
	/* -b FILE */
	{ "batch: empty", { "-b", "/dev/null" }, 0, "", "" },
	{ "batch: no file", { "-b", "/nonexistent/batch" }, 1, "",
	  "ovlctl: /nonexistent/batch: No such file or directory\n" },
	{ "batch: and a command", { "-b", "-", "dev", "show" }, 2, "",
	  "ovlctl: -b takes its commands from a file, not the command line\n" },
	{ "batch: stops at the failing line",
	  { "-b", "tests/batch-usage.txt" }, 2, KEY_USAGE,
	  "ovlctl: dev set: missing device name\n" SET_USAGE
	  "ovlctl: tests/batch-usage.txt:5: stopping at this line\n" },
};

/* Read all of @fd into @buf as a string. */
static void slurp(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while ((n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	assert_true(n == 0);
	buf[len] = '\0';
	close(fd);
}

static void run_ovlctl(const char *const *args, int *status, char *out,
		       char *err, size_t size)
{
	const char *argv[ARRAY_SIZE(cases[0].args) + 1] = { "ovlctl" };
	int pout[2], perr[2];
	pid_t pid;
	size_t i;

	for (i = 0; args[i]; i++)
		argv[i + 1] = args[i];
	assert_int_equal(pipe(pout), 0);
	assert_int_equal(pipe(perr), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(pout[1], STDOUT_FILENO);
		dup2(perr[1], STDERR_FILENO);
		execv(OVLCTL_BIN, (char **)argv);
		_exit(127);
	}
	close(pout[1]);
	close(perr[1]);
	slurp(pout[0], out, size);
	slurp(perr[0], err, size);
	assert_int_equal(waitpid(pid, status, 0), pid);
}

static void assert_output(const char *want, const char *got)
{
	size_t len = strlen(want);

	if (len >= 3 && !strcmp(want + len - 3, "...") &&
	    !strncmp(got, want, len - 3))
		return;
	assert_string_equal(got, want);
}

static void test_case(void **state)
{
	const struct cli_case *c = *state;
	char out[8192], err[8192];
	int status;

	run_ovlctl(c->args, &status, out, err, sizeof(out));
	assert_output(c->err, err);
	assert_output(c->out, out);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), c->status);
}

/*
 * "ovlctl genkey > FILE" from a shell with umask 022: the shell creates
 * FILE 0644, genkey leaves it 0600 with the key and a newline in it.
 */
static void test_genkey_file(void **state)
{
	char path[] = "/tmp/test_cli.XXXXXX";
	struct stat st;
	int fd, status;
	pid_t pid;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0644), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(fd, STDOUT_FILENO);
		execl(OVLCTL_BIN, "ovlctl", "genkey", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && !WEXITSTATUS(status));
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 45);
	close(fd);
	unlink(path);
}

/* Run "ovlctl daemon ovl0 -c CONF": its exit status and stderr. */
static int run_daemon(const char *conf, char *err, size_t size)
{
	const char *const args[] = { "daemon", "ovl0", "-c", conf, NULL };
	char out[256];
	int status;

	run_ovlctl(args, &status, out, err, size);
	assert_string_equal(out, "");
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/*
 * The daemon refuses a bad config file with its name, line and reason,
 * and a key file others may read, before it touches any device (this
 * runs without the kernel module).
 */
static void test_daemon_files(void **state)
{
	char dir[] = "/tmp/test_cli.XXXXXX", key[64], conf[64], err[1024];
	char cmd[256];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(key, sizeof(key), "%s/node.key", dir);
	snprintf(conf, sizeof(conf), "%s/ovl0.conf", dir);
	snprintf(cmd, sizeof(cmd), "%s genkey > %s", OVLCTL_BIN, key);
	assert_int_equal(system(cmd), 0);

	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "[device]\nlisten-port = 4500\nidentity = %s\n"
		"certificate = %s/node.crt\nca = %s\n\n[peer 2]\n"
		"public-key = %s\nallowed-ips = 10.77.0.2/33\n",
		key, dir, KEY_A, KEY_A);
	fclose(f);
	assert_int_equal(run_daemon(conf, err, sizeof(err)), 1);
	assert_non_null(strstr(err, conf));
	assert_non_null(strstr(err, ":9: "));

	f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "[device]\nlisten-port = 4500\nidentity = %s\n"
		"certificate = %s/node.crt\nca = %s\n", key, dir, KEY_A);
	fclose(f);
	assert_int_equal(chmod(key, 0640), 0);
	assert_int_equal(run_daemon(conf, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "readable or writable by group or others"));

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(cases) + 2];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		tests[i] = (struct CMUnitTest) {
			.name = cases[i].name,
			.test_func = test_case,
			.initial_state = (void *)&cases[i],
		};
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_genkey_file);
	tests[i] = (struct CMUnitTest)cmocka_unit_test(test_daemon_files);
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
