// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's node directory (daemon/directory.c): sync answers applied
 * incrementally (add, update, remove for revoked and expired, reset,
 * unknown removals, this node, refused certificates), relay-only nodes,
 * the endpoint chosen, and the merge with the config's [peer N]
 * sections (which win), whose result config_diff() turns into the
 * kernel's add, update and remove.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "../daemon/config.h"
#include "../daemon/directory.h"

#define NOW	1800000000ULL

static uint8_t ca_pk[32], ca_sk[64], other_pk[32], other_sk[64];
static uint8_t node_pk[16][32];

static struct cidr pfx(const char *s)
{
	struct cidr c;

	assert_int_equal(parse_cidr(s, &c), 0);
	return c;
}

static struct sockaddr_storage ep(const char *s)
{
	struct sockaddr_storage ss;

	assert_int_equal(parse_endpoint(s, &ss), 0);
	return ss;
}

/* Node @id: key node_pk[id], address 10.77.0.ID (and fd77::ID). */
static struct reg_peer peer(uint32_t id, int64_t version, const char *ep1,
			    const char *ep2, bool relay_only)
{
	struct reg_peer p;
	char a[64];
	const char *why = NULL;

	memset(&p, 0, sizeof(p));
	p.node_id = id;
	p.version = version;
	p.relay_only = relay_only;
	p.cert.node_id = id;
	p.cert.not_before = NOW - 60;
	p.cert.not_after = NOW + 3600;
	memcpy(p.cert.public_key, node_pk[id], 32);
	snprintf(a, sizeof(a), "10.77.0.%u/32", id);
	p.cert.addrs[p.cert.n_addrs++] = pfx(a);
	snprintf(a, sizeof(a), "fd77::%u/128", id);
	p.cert.addrs[p.cert.n_addrs++] = pfx(a);
	if (cert_sign(&p.cert, ca_sk, &why))
		fail_msg("cert_sign: %s", why);
	if (ep1)
		p.endpoints[p.n_endpoints++] = ep(ep1);
	if (ep2)
		p.endpoints[p.n_endpoints++] = ep(ep2);
	return p;
}

static struct reg_sync sync_of(int64_t version, struct reg_peer *nodes,
			       size_t n, struct reg_removal *rm, size_t n_rm)
{
	struct reg_sync s = {
		.version = version, .n_nodes = n, .nodes = nodes,
		.n_removed = n_rm, .removed = rm,
	};

	return s;
}

static int setup(void **state)
{
	unsigned int i;
	uint8_t sk[64];

	(void)state;
	assert_true(sodium_init() >= 0);
	crypto_sign_keypair(ca_pk, ca_sk);
	crypto_sign_keypair(other_pk, other_sk);
	for (i = 0; i < 16; i++)
		crypto_sign_keypair(node_pk[i], sk);
	return 0;
}

static void ep_is(const struct sockaddr_storage *ss, const char *want)
{
	char buf[ADDR_STRLEN];

	if (!want) {
		assert_int_equal(ss->ss_family, 0);
		return;
	}
	assert_non_null(endpoint_str(ss, buf));
	assert_string_equal(buf, want);
}

/* Full list, then an update, an addition and removals, incrementally. */
static void test_incremental(void **state)
{
	struct directory dir = { 0 };
	struct dir_result r;
	struct reg_peer p[4];
	struct reg_removal rm[3];
	struct reg_sync s;
	const struct dir_node *n;

	(void)state;
	/* since=0: nodes 1 (this one), 2, 3. */
	p[0] = peer(1, 1, "192.0.2.1:4500", NULL, false);
	p[1] = peer(2, 2, "[2001:db8::2]:4500", "192.0.2.2:4500", false);
	p[2] = peer(3, 3, NULL, NULL, false);
	s = sync_of(3, p, 3, NULL, 0);
	assert_int_equal(dir_apply(&dir, &s, 1, ca_pk, NOW, &r), 0);
	assert_int_equal(r.added, 2);
	assert_int_equal(r.updated + r.removed + r.refused, 0);
	assert_int_equal(dir.version, 3);
	assert_int_equal(dir.n, 2);
	assert_null(dir_find(&dir, 1));		/* never this node */
	n = dir_find(&dir, 2);
	assert_non_null(n);
	assert_memory_equal(n->public_key, node_pk[2], 32);
	ep_is(&n->endpoint, "192.0.2.2:4500");	/* the IPv4 one first */
	assert_int_equal(n->n_allowed, 2);
	{
		struct cidr v4 = pfx("10.77.0.2/32"), v6 = pfx("fd77::2/128");

		assert_true((!cidr_cmp(&n->allowed[0], &v4) &&
			     !cidr_cmp(&n->allowed[1], &v6)) ||
			    (!cidr_cmp(&n->allowed[0], &v6) &&
			     !cidr_cmp(&n->allowed[1], &v4)));
	}
	n = dir_find(&dir, 3);
	ep_is(&n->endpoint, NULL);		/* registered none yet */

	/* since=3: node 3 registers an endpoint, node 4 enrolls. */
	p[0] = peer(3, 4, "[2001:db8::3]:4500", NULL, false);
	p[1] = peer(4, 5, "192.0.2.4:4500", NULL, false);
	s = sync_of(5, p, 2, NULL, 0);
	assert_int_equal(dir_apply(&dir, &s, 1, ca_pk, NOW, &r), 0);
	assert_int_equal(r.added, 1);
	assert_int_equal(r.updated, 1);
	assert_int_equal(dir.n, 3);
	ep_is(&dir_find(&dir, 3)->endpoint, "[2001:db8::3]:4500");
	assert_int_equal(dir_find(&dir, 4)->version, 5);

	/* Nothing changed: same version, nothing done. */
	s = sync_of(5, NULL, 0, NULL, 0);
	assert_int_equal(dir_apply(&dir, &s, 1, ca_pk, NOW, &r), 0);
	assert_int_equal(r.added + r.updated + r.removed + r.refused, 0);
	assert_int_equal(dir.n, 3);

	/* Node 2 revoked, node 4 expired, node 9 never seen: ignored. */
	rm[0] = (struct reg_removal){ .node_id = 2, .reason = "revoked",
				      .version = 6 };
	rm[1] = (struct reg_removal){ .node_id = 4, .reason = "expired",
				      .version = 7 };
	rm[2] = (struct reg_removal){ .node_id = 9, .reason = "revoked",
				      .version = 8 };
	s = sync_of(8, NULL, 0, rm, 3);
	assert_int_equal(dir_apply(&dir, &s, 1, ca_pk, NOW, &r), 0);
	assert_int_equal(r.removed, 2);
	assert_int_equal(dir.n, 1);
	assert_null(dir_find(&dir, 2));
	assert_null(dir_find(&dir, 4));
	assert_non_null(dir_find(&dir, 3));
	assert_int_equal(dir.version, 8);

	/* An expired node comes back when it registers again. */
	p[0] = peer(4, 9, "192.0.2.4:4501", NULL, false);
	s = sync_of(9, p, 1, NULL, 0);
	assert_int_equal(dir_apply(&dir, &s, 1, ca_pk, NOW, &r), 0);
	assert_int_equal(r.added, 1);
	ep_is(&dir_find(&dir, 4)->endpoint, "192.0.2.4:4501");
	dir_free(&dir);
	assert_int_equal(dir.n, 0);
}

/*
 * The endpoint a peer is sent to (dir_endpoint_pick()): a node behind a
 * NAT registers its private local endpoints and the public one a beacon
 * reflected; its peers get the public one, whatever the order.
 */
static void test_endpoint_pick(void **state)
{
	static const struct {
		const char *eps[4];
		const char *want;
	} cases[] = {
		/* NAT: private locals, the reflected public one last. */
		{ { "10.0.1.2:4500", "198.51.100.7:40001" },
		  "198.51.100.7:40001" },
		{ { "192.168.1.5:4500", "172.16.0.9:4500", "[fd00::5]:4500",
		    "203.0.113.4:4500" }, "203.0.113.4:4500" },
		/* CGNAT (100.64/10) counts as private. */
		{ { "100.64.3.4:4500", "198.51.100.7:4500" },
		  "198.51.100.7:4500" },
		{ { "100.127.255.1:4500", "100.128.0.1:4500" },
		  "100.128.0.1:4500" },
		/* A global local address: the first global one, the local. */
		{ { "192.0.2.1:4500", "198.51.100.7:4500" }, "192.0.2.1:4500" },
		/* Only private ones (one private network): the first IPv4. */
		{ { "[fd00::1]:4500", "10.0.0.1:4500", "192.168.0.1:4500" },
		  "10.0.0.1:4500" },
		/* A global IPv6 one before private IPv4 ones. */
		{ { "10.0.0.1:4500", "[2001:db8::1]:4500" },
		  "[2001:db8::1]:4500" },
		/* Global IPv4 before global IPv6, whatever the order. */
		{ { "[2001:db8::1]:4500", "192.0.2.9:4500" }, "192.0.2.9:4500" },
		/* Link-local, loopback, 0/8, mapped private: not global. */
		{ { "169.254.1.1:4500", "127.0.0.1:4500", "0.1.2.3:4500",
		    "[::ffff:10.1.1.1]:4500" }, "169.254.1.1:4500" },
		{ { "[::ffff:10.1.1.1]:4500", "[::ffff:192.0.2.3]:4500" },
		  "[::ffff:192.0.2.3]:4500" },
		{ { "[fe80::1]:4500", "[::1]:4500" }, "[fe80::1]:4500" },
		/* 172.32/12 is not 172.16/12; 11/8 is not 10/8. */
		{ { "172.15.0.1:4500", "172.32.0.1:4500" }, "172.15.0.1:4500" },
		{ { "10.9.9.9:4500", "11.0.0.1:4500" }, "11.0.0.1:4500" },
		{ { NULL }, NULL },
	};
	struct sockaddr_storage eps[4];
	const struct sockaddr_storage *got;
	unsigned int i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (n = 0; n < 4 && cases[i].eps[n]; n++)
			eps[n] = ep(cases[i].eps[n]);
		got = dir_endpoint_pick(eps, n);
		if (!cases[i].want) {
			assert_null(got);
			continue;
		}
		assert_non_null(got);
		ep_is(got, cases[i].want);
	}

	/* Through dir_apply(): node 2 behind a NAT, node 3 relay-only. */
	{
		struct directory dir = { 0 };
		struct reg_peer p[2];
		struct reg_sync s;

		p[0] = peer(2, 1, "10.0.2.2:4500", "198.51.100.2:61000", false);
		p[1] = peer(3, 2, "10.0.3.2:4500", "198.51.100.3:4500", true);
		s = sync_of(2, p, 2, NULL, 0);
		assert_int_equal(dir_apply(&dir, &s, 1, ca_pk, NOW, NULL), 0);
		ep_is(&dir_find(&dir, 2)->endpoint, "198.51.100.2:61000");
		ep_is(&dir_find(&dir, 3)->endpoint, NULL);
		dir_free(&dir);
	}
}

/* A reset replaces the whole directory. */
static void test_reset(void **state)
{
	struct directory dir = { 0 };
	struct dir_result r;
	struct reg_peer p[2];
	struct reg_sync s;

	(void)state;
	p[0] = peer(2, 1, "192.0.2.2:1", NULL, false);
	p[1] = peer(3, 2, "192.0.2.3:1", NULL, false);
	s = sync_of(100, p, 2, NULL, 0);
	assert_int_equal(dir_apply(&dir, &s, 1, ca_pk, NOW, &r), 0);
	p[0] = peer(5, 1, "192.0.2.5:1", NULL, false);
	s = sync_of(1, p, 1, NULL, 0);
	s.reset = true;
	assert_int_equal(dir_apply(&dir, &s, 1, ca_pk, NOW, &r), 0);
	assert_int_equal(r.removed, 2);
	assert_int_equal(r.added, 1);
	assert_int_equal(dir.n, 1);
	assert_non_null(dir_find(&dir, 5));
	assert_int_equal(dir.version, 1);
	dir_free(&dir);
}

/* Certificates of another CA, of another node id, expired: left out. */
static void test_refused(void **state)
{
	struct directory dir = { 0 };
	struct dir_result r;
	struct reg_peer p[4];
	struct reg_sync s;
	const char *why;

	(void)state;
	p[0] = peer(2, 1, "192.0.2.2:1", NULL, false);
	s = sync_of(1, p, 1, NULL, 0);
	assert_int_equal(dir_apply(&dir, &s, 1, ca_pk, NOW, &r), 0);
	assert_int_equal(dir.n, 1);

	/* Node 2 now with a certificate of another CA: dropped. */
	p[0] = peer(2, 2, "192.0.2.2:1", NULL, false);
	assert_int_equal(cert_sign(&p[0].cert, other_sk, &why), 0);
	/* Node 3 listed with node 4's certificate. */
	p[1] = peer(4, 3, "192.0.2.4:1", NULL, false);
	p[1].node_id = 3;
	/* Node 5's certificate expired. */
	p[2] = peer(5, 4, "192.0.2.5:1", NULL, false);
	p[2].cert.not_after = NOW - 1;
	assert_int_equal(cert_sign(&p[2].cert, ca_sk, &why), 0);
	/* Node 6 fine. */
	p[3] = peer(6, 5, "192.0.2.6:1", NULL, false);
	s = sync_of(5, p, 4, NULL, 0);
	assert_int_equal(dir_apply(&dir, &s, 1, ca_pk, NOW, &r), 0);
	assert_int_equal(r.refused, 3);
	assert_int_equal(r.removed, 1);
	assert_int_equal(r.added, 1);
	assert_int_equal(dir.n, 1);
	assert_non_null(dir_find(&dir, 6));

	/* A certificate that expires later is dropped by dir_expire(). */
	assert_int_equal(dir_expire(&dir, NOW + 3000), 0);
	assert_int_equal(dir_expire(&dir, NOW + 3601), 1);
	assert_int_equal(dir.n, 0);
	dir_free(&dir);
}

/* Relay-only: the registry's flag or the certificate's; no endpoint. */
static void test_relay_only(void **state)
{
	struct directory dir = { 0 };
	struct reg_peer p[2];
	struct reg_sync s;
	const char *why;

	(void)state;
	p[0] = peer(2, 1, "192.0.2.2:1", NULL, true);
	p[1] = peer(3, 2, "192.0.2.3:1", NULL, false);
	p[1].cert.flags = CERT_F_RELAY_ONLY;
	assert_int_equal(cert_sign(&p[1].cert, ca_sk, &why), 0);
	s = sync_of(2, p, 2, NULL, 0);
	assert_int_equal(dir_apply(&dir, &s, 1, ca_pk, NOW, NULL), 0);
	assert_true(dir_find(&dir, 2)->relay_only);
	ep_is(&dir_find(&dir, 2)->endpoint, NULL);
	assert_true(dir_find(&dir, 3)->relay_only);
	ep_is(&dir_find(&dir, 3)->endpoint, NULL);
	dir_free(&dir);
}

static struct config cfg_of(struct config_peer *peers, unsigned int n)
{
	struct config c;

	memset(&c, 0, sizeof(c));
	c.listen_port = 4500;
	c.identity = (char *)"/k";
	c.certificate = (char *)"/c";
	c.rekey_after = CONFIG_REKEY_DEFAULT;
	c.peers = peers;
	c.n_peers = n;
	return c;
}

/*
 * The merge: [peer N] sections win over the directory; the result is a
 * valid peer list; config_diff() between two merges is the change.
 */
static void test_merge(void **state)
{
	struct directory dir = { 0 };
	struct config_peer file[2], *m1, *m2;
	struct cidr a5 = pfx("10.77.0.5/32"), a9 = pfx("10.9.0.0/16");
	unsigned int n1, n2;
	struct reg_peer p[4];
	struct reg_removal rm;
	struct config c1, c2;
	struct config_diff d;
	char err[CONFIG_ERR_LEN];
	struct reg_sync s;

	(void)state;
	/* [peer 3] (shadows node 3) and [peer 9] with node 5's address. */
	memset(file, 0, sizeof(file));
	file[0].node_id = 3;
	memcpy(file[0].public_key, node_pk[3], 32);
	file[0].endpoint = ep("198.51.100.3:4500");
	file[0].n_allowed = 1;
	file[0].allowed = &a9;
	file[0].line = 6;
	file[1].node_id = 9;
	memcpy(file[1].public_key, node_pk[9], 32);
	file[1].n_allowed = 1;
	file[1].allowed = &a5;
	file[1].line = 10;

	p[0] = peer(2, 1, "192.0.2.2:1", NULL, false);
	p[1] = peer(3, 2, "192.0.2.3:1", NULL, false);
	p[2] = peer(5, 3, "192.0.2.5:1", NULL, false);
	p[3] = peer(7, 4, "192.0.2.7:1", NULL, true);
	s = sync_of(4, p, 4, NULL, 0);
	assert_int_equal(dir_apply(&dir, &s, 1, ca_pk, NOW, NULL), 0);
	assert_int_equal(dir_merge(file, 2, &dir, &m1, &n1), 0);
	/* 2 (dir), 3 (file), 7 (dir), 9 (file); 5 shadowed by [peer 9]. */
	assert_int_equal(n1, 4);
	assert_int_equal(m1[0].node_id, 2);
	assert_int_equal(m1[0].line, 0);
	assert_int_equal(m1[0].n_allowed, 2);
	assert_int_equal(m1[1].node_id, 3);
	assert_int_equal(m1[1].line, 6);
	ep_is(&m1[1].endpoint, "198.51.100.3:4500");
	assert_int_equal(m1[2].node_id, 7);
	assert_true(m1[2].relay_only);
	assert_int_equal(m1[3].node_id, 9);
	c1 = cfg_of(m1, n1);
	if (config_validate(&c1, err, sizeof(err)))
		fail_msg("%s", err);

	/* The next merge starts from the last (its file peers kept). */
	p[0] = peer(2, 5, "192.0.2.2:2", NULL, false);	/* moved */
	p[1] = peer(7, 6, "192.0.2.7:1", NULL, false);	/* not relay-only */
	p[2] = peer(8, 7, "192.0.2.8:1", NULL, false);	/* new */
	rm = (struct reg_removal){ .node_id = 5, .reason = "revoked",
				   .version = 8 };
	s = sync_of(8, p, 3, &rm, 1);
	assert_int_equal(dir_apply(&dir, &s, 1, ca_pk, NOW, NULL), 0);
	assert_int_equal(dir_merge(m1, n1, &dir, &m2, &n2), 0);
	assert_int_equal(n2, 5);
	c2 = cfg_of(m2, n2);
	if (config_validate(&c2, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(config_diff(&c1, &c2, &d), 0);
	assert_int_equal(d.n_added, 1);
	assert_int_equal(d.added[0], 8);
	assert_int_equal(d.n_removed, 0);
	assert_int_equal(d.n_changed, 2);
	assert_int_equal(d.changed[0].node_id, 2);
	assert_int_equal(d.changed[0].what, CONFIG_PEER_ENDPOINT);
	assert_int_equal(d.changed[1].node_id, 7);
	assert_int_equal(d.changed[1].what,
			 CONFIG_PEER_ENDPOINT | CONFIG_PEER_RELAY_ONLY);
	config_diff_free(&d);

	/* Node 2 revoked: the diff removes it. */
	rm = (struct reg_removal){ .node_id = 2, .reason = "revoked",
				   .version = 9 };
	s = sync_of(9, NULL, 0, &rm, 1);
	assert_int_equal(dir_apply(&dir, &s, 1, ca_pk, NOW, NULL), 0);
	dir_peers_free(m1, n1);
	assert_int_equal(dir_merge(m2, n2, &dir, &m1, &n1), 0);
	c1 = cfg_of(m1, n1);
	assert_int_equal(config_diff(&c2, &c1, &d), 0);
	assert_int_equal(d.n_removed, 1);
	assert_int_equal(d.removed[0], 2);
	assert_int_equal(d.n_added + d.n_changed, 0);
	config_diff_free(&d);
	dir_peers_free(m1, n1);
	dir_peers_free(m2, n2);

	/* An empty directory and no file peers: an empty list. */
	dir_free(&dir);
	assert_int_equal(dir_merge(NULL, 0, &dir, &m1, &n1), 0);
	assert_int_equal(n1, 0);
	dir_peers_free(m1, n1);
}

/*
 * Directory nodes that clash (a cache file or a faulty registry: a sound
 * registry never lists them): the lowest node id keeps the public key or
 * the allowed-ip; the merge stays a list config_validate() takes.
 */
static void test_merge_clash(void **state)
{
	struct dir_node nodes[4];
	struct directory dir = { .n = 4, .cap = 4, .nodes = nodes };
	char err[CONFIG_ERR_LEN];
	struct config_peer *m;
	struct config c;
	unsigned int n;
	size_t i;

	(void)state;
	memset(nodes, 0, sizeof(nodes));
	for (i = 0; i < 4; i++) {
		nodes[i].node_id = 2 + 2 * i;	/* 2, 4, 6, 8 */
		memcpy(nodes[i].public_key, node_pk[2 + 2 * i], 32);
		nodes[i].n_allowed = 1;
		nodes[i].allowed[0] = pfx(i == 1 ? "10.77.0.2/32" :
					  i == 2 ? "10.77.0.6/32" :
					  i == 3 ? "10.77.0.8/32" :
						   "10.77.0.2/32");
	}
	/* 4 claims 2's address; 8 claims 6's key as well as an address. */
	memcpy(nodes[3].public_key, node_pk[6], 32);
	assert_int_equal(dir_merge(NULL, 0, &dir, &m, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(m[0].node_id, 2);
	assert_int_equal(m[1].node_id, 6);
	c = cfg_of(m, n);
	assert_int_equal(config_validate(&c, err, sizeof(err)), 0);
	dir_peers_free(m, n);
}

/* directory.json: a round trip, and refusals with their reason. */
static void test_cache(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "", "not one JSON object" },
		{ "[]", "not a JSON object" },
		{ "{\"version\": 1, \"saved_at\": 2} x", "not one JSON object" },
		{ "{\"version\": -1, \"saved_at\": 2, \"nodes\": []}",
		  "version or saved_at missing or negative" },
		{ "{\"version\": 1, \"saved_at\": 2}", "nodes missing" },
		{ "{\"version\": 1, \"saved_at\": 2, \"nodes\": [1]}",
		  "a node is not an object" },
		{ "{\"version\": 1, \"saved_at\": 2, \"nodes\": [{\"node_id\": 0}]}",
		  "node_id missing or not 1..4294967295" },
		{ "{\"version\": 1, \"saved_at\": 2, \"nodes\": [{\"node_id\": 2, \"public_key\": \"AAAA\"}]}",
		  "node 2: public_key not 32 bytes of base64" },
	};
	struct directory dir = { 0 }, back = { 0 };
	char why[DIR_ERR_LEN], *json, *again;
	struct reg_peer p[3];
	struct reg_sync s;
	int64_t saved = 0;
	unsigned int i;

	(void)state;
	p[0] = peer(2, 1, "192.0.2.2:4500", NULL, false);
	p[1] = peer(3, 2, "[2001:db8::3]:4500", NULL, false);
	p[2] = peer(7, 3, NULL, NULL, true);
	s = sync_of(42, p, 3, NULL, 0);
	assert_int_equal(dir_apply(&dir, &s, 1, ca_pk, NOW, NULL), 0);
	json = dir_cache_encode(&dir, NOW);
	assert_non_null(json);
	if (dir_cache_decode(json, strlen(json), &back, &saved, why))
		fail_msg("%s\n%s", why, json);
	assert_int_equal(saved, NOW);
	assert_int_equal(back.version, 42);
	assert_int_equal(back.n, 3);
	for (i = 0; i < 3; i++)
		assert_memory_equal(&back.nodes[i], &dir.nodes[i],
				    sizeof(dir.nodes[i]));
	again = dir_cache_encode(&back, NOW);
	assert_string_equal(again, json);
	/* A decoded cache takes answers like any directory. */
	p[0] = peer(4, 43, "192.0.2.4:4500", NULL, false);
	s = sync_of(43, p, 1, NULL, 0);
	assert_int_equal(dir_apply(&back, &s, 1, ca_pk, NOW, NULL), 0);
	assert_int_equal(back.n, 4);
	/* Nodes out of order: refused. */
	json[0] = '{';
	{
		char *a = strstr(json, "{\"node_id\":2"),
		     *b = strstr(json, "{\"node_id\":3");

		assert_non_null(a);
		assert_non_null(b);
		memcpy(b + strlen("{\"node_id\":"), "1", 1);
	}
	assert_int_equal(dir_cache_decode(json, strlen(json), &back, &saved,
					  why), -1);
	assert_string_equal(why, "node 1: not sorted or repeated");
	assert_int_equal(back.n, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(dir_cache_decode(bad[i].text,
						  strlen(bad[i].text), &back,
						  &saved, why), -1);
		assert_string_equal(why, bad[i].why);
	}
	free(json);
	free(again);
	dir_free(&dir);
	dir_free(&back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_endpoint_pick),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_relay_only),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_merge_clash),
		cmocka_unit_test(test_cache),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
