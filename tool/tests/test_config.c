// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the config file parser (daemon/config.c): the example of
 * ovl.conf(5), every class of error with its FILE:LINE: reason, inline
 * comments, CRLF, empty files, long lines, a bad file leaving the old
 * config untouched, config_validate() and config_diff().
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../daemon/cert.h"
#include "../daemon/config.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define EP_ERR	"expected A.B.C.D:PORT or [IPv6]:PORT (port 1..65535)"

#define K1 "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define K2 "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
#define K3 "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM="
#define K4 "BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ="

/* Lines 1-5: a minimal [device]. */
#define DEV	"[device]\n"					\
		"listen-port = 4500\n"				\
		"identity = /etc/ovl/node.key\n"		\
		"certificate = /etc/ovl/node.crt\n"		\
		"ca = " K1 "\n"
/* Lines 6-8 after DEV: a minimal [peer 2]. */
#define PEER2	"[peer 2]\n"					\
		"public-key = " K2 "\n"				\
		"allowed-ips = 10.77.0.2/32\n"

/* The example of the issue and of ovl.conf(5), comments and all. */
static const char example[] =
	"[device]\n"
	"listen-port = 4500\n"
	"identity = /etc/ovl/node.key\n"
	"certificate = /etc/ovl/node.crt\n"
	"ca = " K1 "\n"
	"rekey-after-seconds = 120      ; optional, for tests and paranoid sites\n"
	"beacon = 198.51.100.9:3478     ; optional\n"
	"\n"
	"[peer 2]\n"
	"public-key = " K2 "\n"
	"endpoint = 198.51.100.2:4500   ; optional (a peer may only ever initiate)\n"
	"allowed-ips = 10.77.0.2/32     ; must lie within the peer's certificate addresses\n";

static int parse(const char *text, struct config *c, char *err)
{
	return config_parse("ovl0.conf", text, strlen(text), c, err,
			    CONFIG_ERR_LEN);
}

static struct cidr pfx(const char *s)
{
	struct cidr c;

	assert_int_equal(parse_cidr(s, &c), 0);
	return c;
}

static void key_is(const uint8_t *key, uint8_t fill)
{
	unsigned int i;

	for (i = 0; i < CONFIG_KEY_LEN; i++)
		assert_int_equal(key[i], fill);
}

static void ep_is(const struct sockaddr_storage *ss, const char *want)
{
	char buf[ADDR_STRLEN];

	assert_non_null(endpoint_str(ss, buf));
	assert_string_equal(buf, want);
}

static void test_example(void **state)
{
	char err[CONFIG_ERR_LEN] = "";
	struct config c;
	const struct config_peer *p;

	(void)state;
	assert_int_equal(parse(example, &c, err), 0);
	assert_int_equal(c.listen_port, 4500);
	assert_string_equal(c.identity, "/etc/ovl/node.key");
	assert_string_equal(c.certificate, "/etc/ovl/node.crt");
	key_is(c.ca, 1);
	assert_int_equal(c.rekey_after, 120);
	assert_int_equal(c.n_beacons, 1);
	ep_is(&c.beacons[0], "198.51.100.9:3478");
	assert_int_equal(c.n_registries, 0);
	assert_null(c.join_token);
	assert_int_equal(c.n_peers, 1);
	p = config_peer_find(&c, 2);
	assert_ptr_equal(p, &c.peers[0]);
	assert_null(config_peer_find(&c, 3));
	assert_int_equal(p->node_id, 2);
	assert_int_equal(p->line, 9);
	key_is(p->public_key, 2);
	ep_is(&p->endpoint, "198.51.100.2:4500");
	assert_int_equal(p->n_allowed, 1);
	{
		struct cidr want = pfx("10.77.0.2/32");

		assert_int_equal(cidr_cmp(&p->allowed[0], &want), 0);
	}
	assert_int_equal(config_validate(&c, err, sizeof(err)), 0);
	config_free(&c);
	config_free(&c);	/* a zeroed config may be freed again */
}

/*
 * A node that enrolls: registry and join-token, no [peer N] section; the
 * certificate file need not exist (the parser reads no file).
 */
static void test_registry_only(void **state)
{
	static const char text[] =
		"[device]\n"
		"listen-port = 4500\n"
		"identity = /etc/ovl/node.key\n"
		"certificate = /nonexistent/node.crt\n"
		"ca = " K1 "\n"
		"registry = http://10.0.0.1:8470, https://10.0.0.2:8470\n"
		"join-token = /etc/ovl/join.token\n";
	char err[CONFIG_ERR_LEN] = "";
	struct config c, c2;
	struct config_diff d;

	(void)state;
	if (parse(text, &c, err))
		fail_msg("%s", err);
	assert_int_equal(c.n_peers, 0);
	assert_int_equal(c.n_registries, 2);
	assert_string_equal(c.registries[0], "http://10.0.0.1:8470");
	assert_string_equal(c.registries[1], "https://10.0.0.2:8470");
	assert_string_equal(c.join_token, "/etc/ovl/join.token");
	assert_string_equal(c.certificate, "/nonexistent/node.crt");
	assert_int_equal(c.sync_seconds, CONFIG_SYNC_DEFAULT);
	assert_int_equal(config_validate(&c, err, sizeof(err)), 0);
	/* registry-sync-seconds is read, and a change of it is a change. */
	assert_int_equal(parse("[device]\n"
			       "listen-port = 4500\n"
			       "identity = /etc/ovl/node.key\n"
			       "certificate = /nonexistent/node.crt\n"
			       "ca = " K1 "\n"
			       "registry = http://10.0.0.1:8470, https://10.0.0.2:8470\n"
			       "join-token = /etc/ovl/join.token\n"
			       "registry-sync-seconds = 2\n", &c2, err), 0);
	assert_int_equal(c2.sync_seconds, 2);
	assert_int_equal(config_diff(&c, &c2, &d), 0);
	assert_int_equal(d.device, CONFIG_DEV_REGISTRIES);
	config_diff_free(&d);
	config_free(&c2);
	assert_false(c.relay_only);
	/* relay-only = yes is read, and a change of it is a change. */
	assert_int_equal(parse("[device]\n"
			       "listen-port = 4500\n"
			       "identity = /etc/ovl/node.key\n"
			       "certificate = /nonexistent/node.crt\n"
			       "ca = " K1 "\n"
			       "registry = http://10.0.0.1:8470, https://10.0.0.2:8470\n"
			       "join-token = /etc/ovl/join.token\n"
			       "relay-only = yes\n", &c2, err), 0);
	assert_true(c2.relay_only);
	assert_int_equal(config_diff(&c, &c2, &d), 0);
	assert_int_equal(d.device, CONFIG_DEV_REGISTRIES);
	config_diff_free(&d);
	config_free(&c2);
	config_free(&c);
}

/* Defaults, the future [device] keys, lists, IPv6, peers in any order. */
static void test_full(void **state)
{
	static const char text[] =
		"# a comment\n"
		"; another\n"
		DEV
		"beacons = 198.51.100.9:3478, [2001:db8::9]:3478\n"
		"registry = https://reg1.example/ovl, http://10.0.0.1:8080\n"
		"join-token = /etc/ovl/join.token\n"
		"[peer 7]\n"
		"public-key = " K3 "\n"
		"allowed-ips = 10.77.0.7/32, fd00:77::7/128\n"
		"allowed-ips = 10.77.7.0/24\n"
		"endpoint = [2001:db8::7]:4500\n"
		"[peer 2]\n"
		"  public-key = " K2 "\n"
		"\tallowed-ips = 10.77.0.2\n";
	char err[CONFIG_ERR_LEN] = "";
	struct cidr want;
	struct config c;

	(void)state;
	assert_int_equal(parse(text, &c, err), 0);
	assert_int_equal(c.rekey_after, CONFIG_REKEY_DEFAULT);
	assert_int_equal(c.n_beacons, 2);
	ep_is(&c.beacons[0], "198.51.100.9:3478");
	ep_is(&c.beacons[1], "[2001:db8::9]:3478");
	assert_int_equal(c.n_registries, 2);
	assert_string_equal(c.registries[0], "https://reg1.example/ovl");
	assert_string_equal(c.registries[1], "http://10.0.0.1:8080");
	assert_string_equal(c.join_token, "/etc/ovl/join.token");
	assert_int_equal(c.n_peers, 2);
	/* Sorted by node id. */
	assert_int_equal(c.peers[0].node_id, 2);
	assert_int_equal(c.peers[0].endpoint.ss_family, 0);
	assert_int_equal(c.peers[0].n_allowed, 1);
	want = pfx("10.77.0.2/32");
	assert_int_equal(cidr_cmp(&c.peers[0].allowed[0], &want), 0);
	assert_int_equal(c.peers[1].node_id, 7);
	ep_is(&c.peers[1].endpoint, "[2001:db8::7]:4500");
	/* Sorted: IPv4 by address, then IPv6. */
	assert_int_equal(c.peers[1].n_allowed, 3);
	want = pfx("10.77.0.7/32");
	assert_int_equal(cidr_cmp(&c.peers[1].allowed[0], &want), 0);
	want = pfx("10.77.7.0/24");
	assert_int_equal(cidr_cmp(&c.peers[1].allowed[1], &want), 0);
	want = pfx("fd00:77::7/128");
	assert_int_equal(cidr_cmp(&c.peers[1].allowed[2], &want), 0);
	config_free(&c);
}

struct bad {
	const char *text;
	const char *err;
};

static const struct bad bad[] = {
	/* Files and sections. */
	{ "", "ovl0.conf: no [device] section" },
	{ "\n; only a comment\n", "ovl0.conf: no [device] section" },
	{ "listen-port = 1\n" DEV,
	  "ovl0.conf:1: listen-port: key outside a section" },
	{ DEV "[devices]\n", "ovl0.conf:6: unknown section [devices]" },
	{ DEV "[Device]\n", "ovl0.conf:6: unknown section [Device]" },
	{ DEV "[device]\n",
	  "ovl0.conf:6: [device]: duplicate section (first at line 1)" },
	{ DEV "[peer 2\n", "ovl0.conf:6: section header without ']'" },
	{ DEV "[peer 2] x = 1\n", "ovl0.conf:6: text after the section header" },
	/* [tunnel NAME]: the tunnel module's words, our file and line. */
	{ DEV "[tunnel web]\nlisten = 1.2.3.4:80\n",
	  "ovl0.conf:6: [tunnel web]: no backend" },
	{ DEV "[tunnel web]\nbackend = 10.77.0.2:80\n",
	  "ovl0.conf:6: [tunnel web]: no listen" },
	{ DEV "[tunnel web]\n",
	  "ovl0.conf:6: [tunnel web]: no listen" },
	{ DEV "[tunnel web]\nlisten = 1.2.3.4\n",
	  "ovl0.conf:7: invalid listen '1.2.3.4': expected ADDR:PORT" },
	{ DEV "[tunnel web]\nlisten = 1.2.3.4:80\nbackend = 10.77.0.2:80, x\n",
	  "ovl0.conf:8: invalid backend ' x': expected ADDR:PORT[@WEIGHT]" },
	{ DEV "[tunnel web]\nbackend = 10.77.0.2:80\nbackend = 10.77.0.2:80@3\n",
	  "ovl0.conf:8: backend '10.77.0.2:80@3' given twice" },
	{ DEV "[tunnel web]\nidle-timeout = -1\n",
	  "ovl0.conf:7: invalid idle-timeout '-1': expected 0..604800" },
	{ DEV "[tunnel web]\nmax-conns = 0\n",
	  "ovl0.conf:7: invalid max-conns '0': expected 1..1000000" },
	{ DEV "[tunnel web]\ndial-timeout = 0\n",
	  "ovl0.conf:7: invalid dial-timeout '0': expected 1..604800" },
	{ DEV "[tunnel web]\npool = 65\n",
	  "ovl0.conf:7: invalid pool '65': expected 0..64" },
	{ DEV "[tunnel web]\nweight = 1\n",
	  "ovl0.conf:7: unknown key 'weight' in [tunnel web]" },
	{ DEV "[tunnel web]\nlisten-port = 1\n",
	  "ovl0.conf:7: unknown key 'listen-port' in [tunnel web]" },
	{ DEV "[tunnel web]\nlisten = 1.2.3.4:80\nlisten = 1.2.3.4:81\n",
	  "ovl0.conf:8: listen: given twice (first at line 7)" },
	{ DEV "[tunnel web]\npool =\n", "ovl0.conf:7: pool: empty value" },
	{ DEV "[tunnel web]\nlisten = 1.2.3.4:80\nbackend = 10.77.0.2:80\n"
	  "tls-cert = /c\n",
	  "ovl0.conf:6: [tunnel web]: tls-cert and tls-key go together" },
	{ DEV "[tunnel web]\nlisten = 1.2.3.4:80\nbackend = 10.77.0.2:80\n"
	  "tls-client-ca = /ca\n",
	  "ovl0.conf:6: [tunnel web]: tls-client-ca needs tls-cert and tls-key" },
	{ DEV "[tunnel web]\nlisten = 1.2.3.4:80\nbackend = 10.77.0.2:80\n"
	  "[tunnel web]\n",
	  "ovl0.conf:9: [tunnel web]: duplicate section (first at line 6)" },
	{ DEV "[tunnel a]\nlisten = 1.2.3.4:80\nbackend = 10.77.0.2:80\n"
	  "[tunnel b]\nlisten = 1.2.3.4:80\nbackend = 10.77.0.3:80\n",
	  "ovl0.conf:9: [tunnel b]: listen 1.2.3.4:80 also the listen of [tunnel a]" },
	{ DEV "[tunnel a b]\n",
	  "ovl0.conf:6: [tunnel a b]: bad name (1 to 63 letters, digits, '-', '_' or '.')" },
	{ DEV "[tunnel ]\n",
	  "ovl0.conf:6: [tunnel ]: bad name (1 to 63 letters, digits, '-', '_' or '.')" },
	{ DEV "[tunnel web]\nlisten = 1.2.3.4:80\nbackend = 10.77.0.2:80\n"
	  "[peer 2]\npool = 1\n",
	  "ovl0.conf:10: [peer 2]: unknown key 'pool'" },
	{ DEV "junk\n", "ovl0.conf:6: expected [section] or key = value" },
	{ DEV "junk\n[bogus]\n",
	  "ovl0.conf:6: expected [section] or key = value" },
	{ "[device]\nlisten-port = 4500\n",
	  "ovl0.conf:1: [device]: identity missing" },
	{ "[device]\nidentity = /k\ncertificate = /c\nca = " K1 "\n",
	  "ovl0.conf:1: [device]: listen-port missing" },
	{ "[device]\nlisten-port = 1\nidentity = /k\ncertificate = /c\n",
	  "ovl0.conf:1: [device]: ca missing" },
	/* Keys. */
	{ DEV "listen_port = 4500\n",
	  "ovl0.conf:6: [device]: unknown key 'listen_port'" },
	{ DEV "public-key = " K2 "\n",
	  "ovl0.conf:6: [device]: unknown key 'public-key'" },
	{ DEV PEER2 "listen-port = 1\n",
	  "ovl0.conf:9: [peer 2]: unknown key 'listen-port'" },
	{ DEV "listen-port = 4501\n",
	  "ovl0.conf:6: listen-port: given twice (first at line 2)" },
	{ DEV "identity =\n", "ovl0.conf:6: identity: given twice (first at line 3)" },
	{ "[device]\nidentity = ; nothing\n",
	  "ovl0.conf:2: identity: empty value" },
	{ "[device]\nidentity = /a\tb\n",
	  "ovl0.conf:2: identity: control character in value" },
	{ "[device]\nidentity = node.key\n",
	  "ovl0.conf:2: identity: node.key: not an absolute path" },
	{ "[device]\njoin-token = token\n",
	  "ovl0.conf:2: join-token: token: not an absolute path" },
	{ "[device]\nlisten-port = 0\n",
	  "ovl0.conf:2: listen-port: 0: not a port (1..65535)" },
	{ "[device]\nlisten-port = 65536\n",
	  "ovl0.conf:2: listen-port: 65536: not a port (1..65535)" },
	{ "[device]\nlisten-port = -1\n",
	  "ovl0.conf:2: listen-port: -1: not a port (1..65535)" },
	{ "[device]\nca = AQEB\n",
	  "ovl0.conf:2: ca: AQEB: not a public key (expected 32 bytes in standard base64)" },
	{ "[device]\nca = " K1 "x\n",
	  "ovl0.conf:2: ca: " K1 "x: not a public key (expected 32 bytes in standard base64)" },
	{ "[device]\nrekey-after-seconds = 4\n",
	  "ovl0.conf:2: rekey-after-seconds: 4: out of range (5..3600)" },
	{ "[device]\nrekey-after-seconds = 3601\n",
	  "ovl0.conf:2: rekey-after-seconds: 3601: out of range (5..3600)" },
	{ "[device]\nrekey-after-seconds = 2m\n",
	  "ovl0.conf:2: rekey-after-seconds: 2m: not a number" },
	{ "[device]\nbeacon = 1.2.3.4\n",
	  "ovl0.conf:2: beacon: 1.2.3.4: " EP_ERR },
	{ "[device]\nbeacon = 1.2.3.4:1, 1.2.3.5:1\n",
	  "ovl0.conf:2: beacon: one endpoint only (a list goes in beacons)" },
	{ "[device]\nbeacon = 1.2.3.4:1\nbeacons = 1.2.3.5:1\n",
	  "ovl0.conf:3: beacons: beacon already given at line 2" },
	{ "[device]\nbeacons = 1.2.3.4:1,\n",
	  "ovl0.conf:2: beacons: empty entry" },
	{ "[device]\nbeacons = 1.2.3.4:1, 1.2.3.4:1\n",
	  "ovl0.conf:2: beacons: 1.2.3.4:1: given twice" },
	{ "[device]\nregistry = ftp://x\n",
	  "ovl0.conf:2: registry: ftp://x: not an http:// or https:// URL" },
	{ "[device]\nregistry = https://a, https://a\n",
	  "ovl0.conf:2: registry: https://a: given twice" },
	/* A join token and a sync period need a registry. */
	{ DEV "join-token = /etc/ovl/join.token\n",
	  "ovl0.conf:6: join-token: needs a registry to enroll with" },
	{ DEV "registry-sync-seconds = 5\n" PEER2,
	  "ovl0.conf:6: registry-sync-seconds: no registry to sync with" },
	{ DEV "relay-only = yes\n" PEER2,
	  "ovl0.conf:6: relay-only: needs a registry to register with" },
	{ "[device]\nrelay-only = maybe\n",
	  "ovl0.conf:2: relay-only: maybe: not yes or no" },
	{ "[device]\nregistry-sync-seconds = 0\n",
	  "ovl0.conf:2: registry-sync-seconds: 0: out of range (1..3600)" },
	{ "[device]\nregistry-sync-seconds = 3601\n",
	  "ovl0.conf:2: registry-sync-seconds: 3601: out of range (1..3600)" },
	{ "[device]\nregistry-sync-seconds = 10s\n",
	  "ovl0.conf:2: registry-sync-seconds: 10s: not a number" },
	{ "[device]\nregistry = http://a:1\nregistry = http://b:1\n",
	  "ovl0.conf:3: registry: given twice (first at line 2)" },
	/* Peers. */
	{ DEV "[peer 0]\n", "ovl0.conf:6: [peer 0]: node id must be 1..4294967295" },
	{ DEV "[peer 4294967296]\n",
	  "ovl0.conf:6: [peer 4294967296]: node id must be 1..4294967295" },
	{ DEV "[peer two]\n", "ovl0.conf:6: [peer two]: node id must be 1..4294967295" },
	{ DEV "[peer]\n", "ovl0.conf:6: unknown section [peer]" },
	{ DEV "[peer 2]\nallowed-ips = 10.77.0.2/32\n",
	  "ovl0.conf:6: [peer 2]: public-key missing" },
	{ DEV "[peer 2]\npublic-key = " K2 "\n[peer 3]\n",
	  "ovl0.conf:6: [peer 2]: allowed-ips missing" },
	{ DEV PEER2 "[peer 2]\n",
	  "ovl0.conf:9: [peer 2]: public-key missing" },
	{ DEV PEER2 "[peer 02]\npublic-key = " K3 "\nallowed-ips = 10.77.0.3/32\n",
	  "ovl0.conf:9: [peer 2]: duplicate section (first at line 6)" },
	{ DEV PEER2 "[peer 3]\npublic-key = " K2 "\nallowed-ips = 10.77.0.3/32\n",
	  "ovl0.conf:9: [peer 3]: public-key also the key of [peer 2]" },
	{ DEV PEER2 "[peer 3]\npublic-key = " K3 "\nallowed-ips = 10.77.0.2/32\n",
	  "ovl0.conf:9: [peer 3]: allowed-ips 10.77.0.2/32 also in [peer 2]" },
	{ DEV PEER2 "public-key = " K3 "\n",
	  "ovl0.conf:9: public-key: given twice (first at line 7)" },
	{ DEV "[peer 2]\nendpoint = 198.51.100.2\n",
	  "ovl0.conf:7: endpoint: 198.51.100.2: " EP_ERR },
	{ DEV "[peer 2]\nendpoint = 198.51.100.2:0\n",
	  "ovl0.conf:7: endpoint: 198.51.100.2:0: " EP_ERR },
	{ DEV "[peer 2]\nendpoint = 2001:db8::2:4500\n",
	  "ovl0.conf:7: endpoint: 2001:db8::2:4500: " EP_ERR },
	{ DEV "[peer 2]\nendpoint = peer.example:4500\n",
	  "ovl0.conf:7: endpoint: peer.example:4500: " EP_ERR },
	{ DEV "[peer 2]\nendpoint = [fe80::1%eth0]:4500\n",
	  "ovl0.conf:7: endpoint: [fe80::1%eth0]:4500: IPv6 scope ids are not supported" },
	{ DEV "[peer 2]\nallowed-ips = 10.77.0.2/33\n",
	  "ovl0.conf:7: allowed-ips: 10.77.0.2/33: prefix length out of range" },
	{ DEV "[peer 2]\nallowed-ips = fd00::2/129\n",
	  "ovl0.conf:7: allowed-ips: fd00::2/129: prefix length out of range" },
	{ DEV "[peer 2]\nallowed-ips = 10.77.0.2/x\n",
	  "ovl0.conf:7: allowed-ips: 10.77.0.2/x: bad prefix length" },
	{ DEV "[peer 2]\nallowed-ips = 10.77.0.256/32\n",
	  "ovl0.conf:7: allowed-ips: 10.77.0.256/32: not an ADDRESS/LENGTH prefix" },
	{ DEV "[peer 2]\nallowed-ips = 10.77.0.2/24\n",
	  "ovl0.conf:7: allowed-ips: 10.77.0.2/24: host bits set" },
	{ DEV "[peer 2]\nallowed-ips = 10.77.0.2/32\nallowed-ips = 10.77.0.2\n",
	  "ovl0.conf:8: allowed-ips: 10.77.0.2: given twice" },
	{ DEV "[peer 2]\nallowed-ips = 10.77.0.2/32,,10.77.0.3/32\n",
	  "ovl0.conf:7: allowed-ips: empty entry" },
	/* Lines. */
	{ DEV "; a\0b\n", "ovl0.conf:6: NUL byte" },
};

static void test_errors(void **state)
{
	char err[CONFIG_ERR_LEN];
	struct config c;
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		size_t len = strlen(bad[i].text);

		/* The NUL case: the text goes on after the NUL. */
		if (strstr(bad[i].err, "NUL"))
			len += 1 + strlen(bad[i].text + len + 1);
		memset(&c, 0xa5, sizeof(c));
		err[0] = '\0';
		if (config_parse("ovl0.conf", bad[i].text, len, &c, err,
				 sizeof(err)) != -1)
			fail_msg("case %u accepted: %s", i, bad[i].text);
		if (strcmp(err, bad[i].err))
			fail_msg("case %u: got \"%s\", want \"%s\"", i, err,
				 bad[i].err);
		/* A refused file leaves the output alone. */
		{
			struct config junk;

			memset(&junk, 0xa5, sizeof(junk));
			assert_memory_equal(&c, &junk, sizeof(c));
		}
	}
}

/* A bad reload does not touch the config in use. */
static void test_untouched(void **state)
{
	char err[CONFIG_ERR_LEN];
	struct config c, saved;

	(void)state;
	assert_int_equal(parse(example, &c, err), 0);
	saved = c;
	assert_int_equal(parse(DEV "[peer 2]\nallowed-ips = 10.77.0.2/33\n",
			       &c, err), -1);
	assert_memory_equal(&c, &saved, sizeof(c));
	assert_string_equal(c.identity, "/etc/ovl/node.key");
	config_free(&c);
}

/* libinih as Debian builds it takes ';' after a blank as a comment. */
static void test_inline_comments(void **state)
{
	char err[CONFIG_ERR_LEN];
	struct config c;

	(void)state;
	assert_int_equal(parse("[device] ; the device\n"
			       "listen-port = 4500;\n", &c, err), -1);
	/* "4500;" has no blank before ';': part of the value. */
	assert_string_equal(err, "ovl0.conf:2: listen-port: 4500;: not a port (1..65535)");
	assert_int_equal(parse("[device] ; the device\n"
			       "listen-port = 4500 ;x\n"
			       "identity = /k\t; tab before\n"
			       "certificate = /c # not a comment\n"
			       "ca = " K1 " ; key\n", &c, err), 0);
	assert_int_equal(c.listen_port, 4500);
	assert_string_equal(c.identity, "/k");
	assert_string_equal(c.certificate, "/c # not a comment");
	config_free(&c);
}

static void test_crlf(void **state)
{
	static const char text[] =
		"\xef\xbb\xbf[device]\r\n"
		"listen-port = 4500\r\n"
		"identity = /etc/ovl/node.key\r\n"
		"certificate = /etc/ovl/node.crt\r\n"
		"ca = " K1 "\r\n"
		"\r\n"
		"[peer 2]\r\n"
		"public-key = " K2 "\r\n"
		"allowed-ips = 10.77.0.2/32\r\n"
		"endpoint = 1.2.3.4:5 ; c\r\n"
		"allowed-ips = 10.77.0.3/32";	/* no final newline */
	char err[CONFIG_ERR_LEN];
	struct config c;

	(void)state;
	assert_int_equal(parse(text, &c, err), 0);
	assert_string_equal(c.identity, "/etc/ovl/node.key");
	key_is(c.ca, 1);
	assert_int_equal(c.peers[0].line, 7);
	assert_int_equal(c.peers[0].n_allowed, 2);
	ep_is(&c.peers[0].endpoint, "1.2.3.4:5");
	config_free(&c);
	/* Line numbers count CRLF lines once. */
	assert_int_equal(parse("[device]\r\n\r\nlisten-port = x\r\n", &c,
			       err), -1);
	assert_string_equal(err, "ovl0.conf:3: listen-port: x: not a port (1..65535)");
}

/* libinih's buffer is 200 bytes: a longer line is refused, not split. */
static void test_long_lines(void **state)
{
	char err[CONFIG_ERR_LEN], *text, *p;
	struct config c;
	size_t n;

	(void)state;
	text = malloc(8192);
	assert_non_null(text);

	/* 198 characters fit (with '\n' and '\0'). */
	p = text + sprintf(text, DEV "; ");
	memset(p, 'x', 196);
	memcpy(p + 196, "\n", 2);
	assert_int_equal(parse(text, &c, err), 0);
	config_free(&c);

	/* 199 do not, even if all but a comment: a split could hide a key. */
	p = text + sprintf(text, DEV "; ");
	memset(p, 'x', 197 - 13);
	memcpy(p + 197 - 13, "listen-port=1\n", 15);
	assert_int_equal(strlen(p - 2), 200);
	assert_int_equal(parse(text, &c, err), -1);
	assert_string_equal(err, "ovl0.conf:6: line too long (more than 198 characters)");

	/* Leading blanks do not count; a long value does. */
	n = sprintf(text, "[device]\n%300s", "");
	sprintf(text + n, "listen-port = 4500\nidentity = /");
	p = text + strlen(text);
	memset(p, 'k', 4000);
	memcpy(p + 4000, "\n", 2);
	assert_int_equal(parse(text, &c, err), -1);
	assert_string_equal(err, "ovl0.conf:3: line too long (more than 198 characters)");
	free(text);
}

/* Many peers, many allowed-ips: sorted, found, and validated. */
static void test_many(void **state)
{
	char err[CONFIG_ERR_LEN], *text, *p;
	struct config c;
	unsigned int i;

	(void)state;
	text = malloc(1 << 20);
	assert_non_null(text);
	p = text + sprintf(text, DEV);
	for (i = 300; i >= 1; i--) {
		uint8_t key[32];
		char b64[64];
		unsigned int j;

		memset(key, 0, sizeof(key));
		key[0] = i & 0xff;
		key[1] = i >> 8;
		/* Standard base64 of 32 bytes: 44 characters. */
		for (j = 0; j < 44; j++)
			b64[j] = 'A';
		b64[43] = '=';
		b64[44] = '\0';
		/* bytes 0-1 live in characters 0-2 */
		{
			static const char al[] =
				"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
			uint32_t v = (uint32_t)key[0] << 16 | key[1] << 8;

			b64[0] = al[v >> 18 & 63];
			b64[1] = al[v >> 12 & 63];
			b64[2] = al[v >> 6 & 63];
		}
		p += sprintf(p, "[peer %u]\npublic-key = %s\n"
			     "allowed-ips = 10.%u.%u.0/24, fd00::%x/128\n",
			     i, b64, i >> 8, i & 0xff, i);
	}
	for (i = 0; i < 200; i++)
		p += sprintf(p, "allowed-ips = 172.16.%u.0/24\n", i);
	assert_int_equal(parse(text, &c, err), 0);
	assert_int_equal(c.n_peers, 300);
	for (i = 0; i < 300; i++)
		assert_int_equal(c.peers[i].node_id, i + 1);
	assert_int_equal(c.peers[0].n_allowed, 202);
	assert_int_equal(config_peer_find(&c, 150)->node_id, 150);
	assert_int_equal(config_validate(&c, err, sizeof(err)), 0);
	config_free(&c);
	free(text);
}

/* config_validate() refuses what the parser never returns. */
static void test_validate(void **state)
{
	char err[CONFIG_ERR_LEN];
	struct config c;
	struct cidr keep;

	(void)state;
	assert_int_equal(parse(DEV PEER2 "[peer 3]\npublic-key = " K3 "\n"
			       "allowed-ips = 10.77.0.3/32, 10.77.1.0/24\n",
			       &c, err), 0);
	assert_int_equal(config_validate(&c, err, sizeof(err)), 0);

	c.peers[0].node_id = 3;		/* a repeated id */
	assert_int_equal(config_validate(&c, err, sizeof(err)), -1);
	assert_string_equal(err, "peers: not sorted or repeated");
	c.peers[0].node_id = 2;

	keep = c.peers[1].allowed[1];
	c.peers[1].allowed[1].addr.v4.s_addr = htonl(0x0a4d0101);
	assert_int_equal(config_validate(&c, err, sizeof(err)), -1);
	assert_string_equal(err, "peer 3: allowed-ip not canonical");
	c.peers[1].allowed[1] = keep;

	memcpy(c.peers[1].public_key, c.peers[0].public_key, CONFIG_KEY_LEN);
	assert_int_equal(config_validate(&c, err, sizeof(err)), -1);
	assert_string_equal(err, "peers 2 and 3: same public key");
	c.peers[1].public_key[0] ^= 1;

	c.rekey_after = 1;
	assert_int_equal(config_validate(&c, err, sizeof(err)), -1);
	c.rekey_after = 120;
	assert_int_equal(config_validate(&c, err, sizeof(err)), 0);
	config_free(&c);
}

static void diff_of(const char *a, const char *b, struct config_diff *d)
{
	char err[CONFIG_ERR_LEN];
	struct config x, y;

	if (parse(a, &x, err))
		fail_msg("old: %s", err);
	if (parse(b, &y, err))
		fail_msg("new: %s", err);
	assert_int_equal(config_diff(&x, &y, d), 0);
	config_free(&x);
	config_free(&y);
}

#define P(id, key, rest)	"[peer " #id "]\npublic-key = " key "\n" rest

static void test_diff(void **state)
{
	static const char old[] = DEV
		P(2, K2, "allowed-ips = 10.77.0.2/32\nendpoint = 1.2.3.2:1\n")
		P(3, K3, "allowed-ips = 10.77.0.3/32\n")
		P(4, K4, "allowed-ips = 10.77.0.4/32, 10.77.4.0/24\n");
	struct config_diff d;

	(void)state;
	/* Equal: nothing to do, whatever the order and spelling. */
	diff_of(old, DEV
		P(4, K4, "allowed-ips = 10.77.4.0/24\nallowed-ips = 10.77.0.4\n")
		P(3, K3, "allowed-ips = 10.77.0.3/32 ; same\n")
		P(2, K2, "endpoint = 1.2.3.2:1\nallowed-ips = 10.77.0.2/32\n"),
		&d);
	assert_int_equal(d.device, 0);
	assert_int_equal(d.n_added + d.n_removed + d.n_changed, 0);
	config_diff_free(&d);

	/* 2 removed, 5 added, 3 and 4 changed, device keys changed. */
	diff_of(old, "[device]\nlisten-port = 4501\n"
		"identity = /etc/ovl/node.key\n"
		"certificate = /etc/ovl/node2.crt\n"
		"ca = " K1 "\nrekey-after-seconds = 5\n"
		"beacon = 1.1.1.1:1\n"
		P(3, K3, "allowed-ips = 10.77.0.3/32\nendpoint = [::1]:9\n")
		P(4, K1, "allowed-ips = 10.77.0.4/32\n")
		P(5, K2, "allowed-ips = 10.77.0.2/32\n"), &d);
	assert_int_equal(d.device, CONFIG_DEV_LISTEN_PORT |
			 CONFIG_DEV_CERTIFICATE | CONFIG_DEV_REKEY |
			 CONFIG_DEV_BEACONS);
	assert_int_equal(d.n_removed, 1);
	assert_int_equal(d.removed[0], 2);
	assert_int_equal(d.n_added, 1);
	assert_int_equal(d.added[0], 5);
	assert_int_equal(d.n_changed, 2);
	assert_int_equal(d.changed[0].node_id, 3);
	assert_int_equal(d.changed[0].what, CONFIG_PEER_ENDPOINT);
	assert_int_equal(d.changed[1].node_id, 4);
	assert_int_equal(d.changed[1].what, CONFIG_PEER_ALLOWED_IPS |
			 CONFIG_PEER_PUBLIC_KEY);
	config_diff_free(&d);

	/* An endpoint dropped; the same number of other allowed-ips. */
	diff_of(old, DEV
		P(2, K2, "allowed-ips = 10.77.0.2/32\n")
		P(3, K3, "allowed-ips = 10.77.0.33/32\n")
		P(4, K4, "allowed-ips = 10.77.0.4/32, 10.77.4.0/24\n"), &d);
	assert_int_equal(d.n_changed, 2);
	assert_int_equal(d.changed[0].what, CONFIG_PEER_ENDPOINT);
	assert_int_equal(d.changed[1].node_id, 3);
	assert_int_equal(d.changed[1].what, CONFIG_PEER_ALLOWED_IPS);
	config_diff_free(&d);

	/* From no peers to all, and back; registry and join-token. */
	diff_of(DEV, old, &d);
	assert_int_equal(d.n_added, 3);
	assert_int_equal(d.added[2], 4);
	assert_int_equal(d.n_removed + d.n_changed, 0);
	config_diff_free(&d);
	diff_of(old, DEV "registry = https://r\njoin-token = /t\n", &d);
	assert_int_equal(d.device, CONFIG_DEV_REGISTRIES |
			 CONFIG_DEV_JOIN_TOKEN);
	assert_int_equal(d.n_removed, 3);
	assert_int_equal(d.removed[0], 2);
	assert_int_equal(d.n_added + d.n_changed, 0);
	config_diff_free(&d);
	config_diff_free(&d);	/* a zeroed diff may be freed again */
}

/* [tunnel NAME] sections: every key, defaults, several tunnels. */
static void test_tunnels(void **state)
{
	static const char text[] = DEV
		"[tunnel db]\n"
		"listen = 127.0.0.1:5432\n"
		"backend = 10.77.0.2:5432@5, 10.77.0.3:5432@1\n"
		"idle-timeout = 90\n"
		PEER2
		"[tunnel web.1]\n"
		"listen = [::1]:8080   ; inline comment\n"
		"backend = 10.77.0.2:80@0\n"
		"backend = [fd00::3]:80@7\n"
		"idle-timeout = 0\n"
		"max-conns = 3\n"
		"dial-timeout = 2\n"
		"drain-timeout = 1\n"
		"pool = 0\n"
		"tls-cert = /etc/ovl/web.crt\n"
		"tls-key = /etc/ovl/web.key\n"
		"tls-client-ca = /etc/ovl/ca.pem\n";
	const struct tunnel_conf *t;
	char err[CONFIG_ERR_LEN];
	struct config c;

	(void)state;
	if (parse(text, &c, err))
		fail_msg("%s", err);
	assert_int_equal(c.n_peers, 1);
	assert_int_equal(c.n_tunnels, 2);
	assert_ptr_equal(config_tunnel_find(&c, "web.1"), &c.tunnels[1]);
	assert_null(config_tunnel_find(&c, "web"));
	t = &c.tunnels[0].conf;
	assert_int_equal(c.tunnels[0].line, 6);
	assert_string_equal(t->name, "db");
	ep_is(&t->listen, "127.0.0.1:5432");
	assert_int_equal(t->n_backends, 2);
	ep_is(&t->backends[0].addr, "10.77.0.2:5432");
	assert_int_equal(t->backends[0].weight, 5);
	assert_int_equal(t->backends[1].weight, 1);
	assert_int_equal(t->idle_timeout, 90);
	assert_int_equal(t->max_conns, TUNNEL_MAX_CONNS_DEFAULT);
	assert_int_equal(t->dial_timeout, TUNNEL_DIAL_DEFAULT);
	assert_int_equal(t->drain_timeout, TUNNEL_DRAIN_DEFAULT);
	assert_int_equal(t->pool, TUNNEL_POOL_DEFAULT);
	assert_string_equal(t->tls_cert, "");
	t = &c.tunnels[1].conf;
	assert_int_equal(c.tunnels[1].line, 13);
	ep_is(&t->listen, "[::1]:8080");
	assert_int_equal(t->n_backends, 2);
	assert_int_equal(t->backends[0].weight, 1);	/* <= 0 counts as 1 */
	ep_is(&t->backends[1].addr, "[fd00::3]:80");
	assert_int_equal(t->backends[1].weight, 7);
	assert_int_equal(t->idle_timeout, 0);
	assert_int_equal(t->max_conns, 3);
	assert_int_equal(t->dial_timeout, 2);
	assert_int_equal(t->drain_timeout, 1);
	assert_int_equal(t->pool, 0);
	assert_string_equal(t->tls_cert, "/etc/ovl/web.crt");
	assert_string_equal(t->tls_key, "/etc/ovl/web.key");
	assert_string_equal(t->tls_client_ca, "/etc/ovl/ca.pem");
	assert_int_equal(config_validate(&c, err, sizeof(err)), 0);
	/* A built config with a tunnel that fails its checks. */
	c.tunnels[1].conf.n_backends = 0;
	assert_int_equal(config_validate(&c, err, sizeof(err)), -1);
	assert_string_equal(err, "[tunnel web.1]: no backend");
	c.tunnels[1].conf.n_backends = 2;
	strcpy(c.tunnels[1].conf.name, "db");
	assert_int_equal(config_validate(&c, err, sizeof(err)), -1);
	assert_string_equal(err, "tunnel db: repeated");
	config_free(&c);
}

/* Tunnels that come, go and change; equal ones whatever the spelling. */
static void test_diff_tunnels(void **state)
{
	static const char old[] = DEV
		"[tunnel a]\nlisten = 127.0.0.1:1\nbackend = 10.0.0.1:1@2\n"
		"[tunnel b]\nlisten = 127.0.0.1:2\nbackend = 10.0.0.1:2\n";
	struct config_diff d;

	(void)state;
	diff_of(old, DEV
		"[tunnel b]\nbackend = 10.0.0.1:2@1\nlisten = 127.0.0.1:2\n"
		"[tunnel a]\nlisten = 127.0.0.1:1\nbackend = 10.0.0.1:1@2\n"
		"pool = 8\n", &d);
	assert_int_equal(d.device, 0);
	config_diff_free(&d);
	diff_of(old, DEV
		"[tunnel a]\nlisten = 127.0.0.1:1\nbackend = 10.0.0.1:1@3\n"
		"[tunnel b]\nlisten = 127.0.0.1:2\nbackend = 10.0.0.1:2\n",
		&d);
	assert_int_equal(d.device, CONFIG_DEV_TUNNELS);
	config_diff_free(&d);
	diff_of(old, DEV
		"[tunnel a]\nlisten = 127.0.0.1:1\nbackend = 10.0.0.1:1@2\n",
		&d);
	assert_int_equal(d.device, CONFIG_DEV_TUNNELS);
	config_diff_free(&d);
	diff_of(old, DEV
		"[tunnel a]\nlisten = 127.0.0.1:1\nbackend = 10.0.0.1:1@2\n"
		"[tunnel c]\nlisten = 127.0.0.1:2\nbackend = 10.0.0.1:2\n",
		&d);
	assert_int_equal(d.device, CONFIG_DEV_TUNNELS);
	config_diff_free(&d);
}

static void test_load(void **state)
{
	char path[] = "/tmp/test_config.XXXXXX", err[CONFIG_ERR_LEN];
	struct config c;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(example, f);
	fputs("[peer 3]\nallowed-ips = 10.77.0.3/33\n", f);
	fclose(f);
	assert_int_equal(config_load(path, &c, err, sizeof(err)), -1);
	{
		char want[CONFIG_ERR_LEN];

		snprintf(want, sizeof(want),
			 "%s:14: allowed-ips: 10.77.0.3/33: prefix length out of range",
			 path);
		assert_string_equal(err, want);
	}
	unlink(path);
	assert_int_equal(config_load(path, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file or directory"));
	assert_int_equal(config_load("/", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/: "));
}

/*
 * The examples of ovl.conf(5), put together, parse: the manual shows a
 * file that works.  The only roff escape in them is "\-".
 */
static void test_man_example(void **state)
{
	char line[512], err[CONFIG_ERR_LEN], *text, *s, *d;
	bool examples = false, ex = false;
	size_t len = 0;
	struct config c;
	FILE *f;

	(void)state;
	f = fopen(OVL_CONF_MAN, "r");
	assert_non_null(f);
	text = calloc(1, 1 << 16);
	assert_non_null(text);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, ".SH ", 4))
			examples = !strcmp(line, ".SH EXAMPLES\n");
		if (examples && !strcmp(line, ".EE\n"))
			ex = false;
		if (ex) {
			for (s = d = line; *s; s++)
				if (!(s[0] == '\\' && s[1] == '-'))
					*d++ = *s;
			*d = '\0';
			assert_true(len + strlen(line) < (1 << 16));
			memcpy(text + len, line, strlen(line));
			len += strlen(line);
		}
		if (examples && !strcmp(line, ".EX\n"))
			ex = true;
	}
	fclose(f);
	if (parse(text, &c, err))
		fail_msg("%s\n%s", err, text);
	assert_int_equal(c.n_peers, 2);
	assert_int_equal(c.peers[1].node_id, 3);
	assert_int_equal(c.peers[1].n_allowed, 2);
	assert_int_equal(c.n_beacons, 1);
	assert_int_equal(c.n_tunnels, 1);
	assert_string_equal(c.tunnels[0].conf.name, "db");
	assert_int_equal(c.tunnels[0].conf.n_backends, 2);
	config_free(&c);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_registry_only),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_untouched),
		cmocka_unit_test(test_inline_comments),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_tunnels),
		cmocka_unit_test(test_diff_tunnels),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_man_example),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
