// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the allowed-IPs trie (../allowedips.c), built in userspace
 * through kshim.h.  The randomized tests run every operation against both
 * the trie and a brute-force model (a flat array of prefixes, longest
 * match by linear scan) and compare lookups, each peer's list of prefixes
 * and the trie's structural invariants.
 *
 * OVL_TEST_SEED=<n> in the environment replays a particular random run.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <inttypes.h>
#include <time.h>

#include "allowedips.h"

struct ovl_peer {
	int id;
	struct list_head nodes;
};

/* ---- random numbers (splitmix64), reproducible from the seed ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rnd_below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

/* ---- addresses as 16 network-order bytes ---- */

static unsigned int family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static void mask_addr(uint8_t *a, unsigned int cidr, unsigned int bits)
{
	unsigned int i;

	for (i = cidr; i < bits; i++)
		a[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	for (i = bits / 8; i < 16; i++)
		a[i] = 0;
}

static bool prefix_covers(const uint8_t *prefix, unsigned int cidr,
			  const uint8_t *addr)
{
	unsigned int i;

	for (i = 0; i < cidr; i++) {
		uint8_t m = 0x80u >> (i % 8);

		if ((prefix[i / 8] & m) != (addr[i / 8] & m))
			return false;
	}
	return true;
}

static void v4(uint8_t *a, uint32_t host)
{
	memset(a, 0, 16);
	a[0] = host >> 24;
	a[1] = host >> 16;
	a[2] = host >> 8;
	a[3] = host;
}

static void parse(int family, const char *s, uint8_t *a)
{
	memset(a, 0, 16);
	assert_int_equal(inet_pton(family, s, a), 1);
}

/* ---- the brute-force model ---- */

struct ref_entry {
	int family;
	uint8_t addr[16];		/* masked */
	uint8_t cidr;
	int peer;
};

struct model {
	struct ovl_aips t;
	struct ovl_peer *peers;
	int npeers;
	struct ref_entry *e;
	size_t n, cap;
};

static void model_init(struct model *m, int npeers)
{
	int i;

	memset(m, 0, sizeof(*m));
	ovl_aips_init(&m->t);
	m->npeers = npeers;
	m->peers = calloc(npeers, sizeof(*m->peers));
	assert_non_null(m->peers);
	for (i = 0; i < npeers; i++) {
		m->peers[i].id = i;
		INIT_LIST_HEAD(&m->peers[i].nodes);
	}
}

static void model_destroy(struct model *m)
{
	int i;

	ovl_aips_free(&m->t);
	assert_null(m->t.root4);
	assert_null(m->t.root6);
	for (i = 0; i < m->npeers; i++)
		assert_true(list_empty(&m->peers[i].nodes));
	free(m->peers);
	free(m->e);
}

static ssize_t ref_find(const struct model *m, int family, const uint8_t *a,
			unsigned int cidr)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->e[i].family == family && m->e[i].cidr == cidr &&
		    !memcmp(m->e[i].addr, a, 16))
			return (ssize_t)i;
	return -1;
}

static void ref_del(struct model *m, size_t i)
{
	m->e[i] = m->e[--m->n];
}

static int ref_lookup(const struct model *m, int family, const uint8_t *a)
{
	int best = -1, best_cidr = -1;
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct ref_entry *e = &m->e[i];

		if (e->family == family && e->cidr > best_cidr &&
		    prefix_covers(e->addr, e->cidr, a)) {
			best = e->peer;
			best_cidr = e->cidr;
		}
	}
	return best;
}

/* The model's side of an insert: @peer owns addr/cidr. */
static void ref_put(struct model *m, int family, const uint8_t *addr,
		    unsigned int cidr, int peer)
{
	uint8_t a[16];
	ssize_t i;

	memcpy(a, addr, 16);
	mask_addr(a, cidr, family_bits(family));
	i = ref_find(m, family, a, cidr);
	if (i >= 0) {
		m->e[i].peer = peer;
		return;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 256;
		m->e = realloc(m->e, m->cap * sizeof(*m->e));
		assert_non_null(m->e);
	}
	m->e[m->n].family = family;
	memcpy(m->e[m->n].addr, a, 16);
	m->e[m->n].cidr = cidr;
	m->e[m->n].peer = peer;
	m->n++;
}

static void m_insert(struct model *m, int family, const uint8_t *addr,
		     unsigned int cidr, int peer)
{
	assert_int_equal(ovl_aips_insert(&m->t, family, addr, cidr,
					 &m->peers[peer],
					 &m->peers[peer].nodes), 0);
	ref_put(m, family, addr, cidr, peer);
}

/* Remove addr/cidr as peer; the model decides what the result must be. */
static void m_remove(struct model *m, int family, const uint8_t *addr,
		     unsigned int cidr, int peer)
{
	uint8_t a[16];
	ssize_t i;
	int want;

	memcpy(a, addr, 16);
	mask_addr(a, cidr, family_bits(family));
	i = ref_find(m, family, a, cidr);
	want = (i >= 0 && m->e[i].peer == peer) ? 0 : -ENOENT;
	assert_int_equal(ovl_aips_remove(&m->t, family, addr, cidr,
					 &m->peers[peer]), want);
	if (want == 0)
		ref_del(m, (size_t)i);
}

static void m_remove_by_peer(struct model *m, int peer)
{
	size_t i;

	ovl_aips_remove_by_peer(&m->t, &m->peers[peer], &m->peers[peer].nodes);
	assert_true(list_empty(&m->peers[peer].nodes));
	for (i = 0; i < m->n;) {
		if (m->e[i].peer == peer)
			ref_del(m, i);
		else
			i++;
	}
}

static void check_lookup(struct model *m, int family, const uint8_t *a)
{
	struct ovl_peer *got = ovl_aips_lookup(&m->t, family, a);
	int want = ref_lookup(m, family, a);

	if (want < 0)
		assert_null(got);
	else
		assert_ptr_equal(got, &m->peers[want]);
}

/* Every peer's list holds exactly its prefixes in the model. */
static void check_peer_lists(struct model *m)
{
	struct ovl_aips_node *node;
	size_t total = 0, i;
	uint8_t a[16];
	int p, family;
	u8 cidr;

	for (p = 0; p < m->npeers; p++) {
		list_for_each_entry(node, &m->peers[p].nodes, peer_list) {
			memset(a, 0, sizeof(a));
			family = ovl_aips_node_read(node, a, &cidr);
			i = (size_t)ref_find(m, family, a, cidr);
			assert_true(i < m->n);
			assert_int_equal(m->e[i].peer, p);
			assert_ptr_equal(node->peer, &m->peers[p]);
			total++;
		}
	}
	assert_int_equal(total, m->n);
}

/*
 * Structural invariants below node: keys masked to their cidr, children
 * longer and extending their parent on the right side, and every unowned
 * node a fork with two children.  Counts nodes and owned nodes.
 */
static void check_subtree(const struct ovl_aips_node *node,
			  const struct ovl_aips_node *parent, unsigned int side,
			  unsigned int bits, size_t *nodes, size_t *owned)
{
	uint8_t a[16], pa[16], masked[16];
	u8 cidr, pcidr;
	int i;

	if (!node)
		return;
	(*nodes)++;
	assert_int_equal(node->bits, bits);
	assert_true(node->cidr <= bits);
	if (bits == 32)
		assert_true(node->key[1] == 0 && (uint32_t)node->key[0] == 0);
	memset(a, 0, sizeof(a));
	assert_int_equal(ovl_aips_node_read(node, a, &cidr),
			 bits == 32 ? AF_INET : AF_INET6);
	memcpy(masked, a, 16);
	mask_addr(masked, cidr, bits);
	assert_memory_equal(masked, a, 16);
	if (parent) {
		memset(pa, 0, sizeof(pa));
		ovl_aips_node_read(parent, pa, &pcidr);
		assert_true(cidr > pcidr);
		assert_true(prefix_covers(pa, pcidr, a));
		assert_int_equal((a[pcidr / 8] >> (7 - pcidr % 8)) & 1, side);
	}
	if (node->peer)
		(*owned)++;
	else
		assert_true(node->child[0] && node->child[1]);
	if (cidr == bits)
		assert_true(!node->child[0] && !node->child[1]);
	for (i = 0; i < 2; i++)
		check_subtree(node->child[i], node, i, bits, nodes, owned);
}

static void check_trie(struct model *m)
{
	size_t nodes = 0, owned = 0;

	check_subtree(m->t.root4, NULL, 0, 32, &nodes, &owned);
	check_subtree(m->t.root6, NULL, 0, 128, &nodes, &owned);
	assert_int_equal(owned, m->n);
	/* No garbage: forks only where two subtrees meet. */
	assert_true(nodes <= (m->n ? 2 * m->n - 1 : 0));
}

static size_t count_nodes(const struct ovl_aips_node *node)
{
	if (!node)
		return 0;
	return 1 + count_nodes(node->child[0]) + count_nodes(node->child[1]);
}

/* ---- deterministic tests ---- */

static void test_invalid(void **state)
{
	struct model m;
	uint8_t a[16] = { 10 };

	(void)state;
	model_init(&m, 1);
	assert_int_equal(ovl_aips_insert(&m.t, AF_UNSPEC, a, 8, &m.peers[0],
					 &m.peers[0].nodes), -EINVAL);
	assert_int_equal(ovl_aips_insert(&m.t, AF_INET, a, 33, &m.peers[0],
					 &m.peers[0].nodes), -EINVAL);
	assert_int_equal(ovl_aips_insert(&m.t, AF_INET6, a, 129, &m.peers[0],
					 &m.peers[0].nodes), -EINVAL);
	assert_int_equal(ovl_aips_insert(&m.t, AF_INET, a, 8, NULL,
					 &m.peers[0].nodes), -EINVAL);
	assert_int_equal(ovl_aips_remove(&m.t, AF_UNIX, a, 8, &m.peers[0]),
			 -EINVAL);
	assert_int_equal(ovl_aips_remove(&m.t, AF_INET, a, 33, &m.peers[0]),
			 -EINVAL);
	assert_int_equal(ovl_aips_remove(&m.t, AF_INET, a, 8, &m.peers[0]),
			 -ENOENT);
	assert_null(ovl_aips_lookup(&m.t, AF_INET, a));
	assert_null(ovl_aips_lookup(&m.t, AF_UNSPEC, a));
	assert_null(m.t.root4);
	assert_true(list_empty(&m.peers[0].nodes));
	model_destroy(&m);
}

static void test_default_routes(void **state)
{
	struct model m;
	uint8_t a[16];

	(void)state;
	model_init(&m, 3);

	/* /0 covers everything of its family only. */
	parse(AF_INET, "203.0.113.9", a);
	m_insert(&m, AF_INET, a, 0, 0);		/* host bits all masked */
	parse(AF_INET6, "2001:db8::1", a);
	m_insert(&m, AF_INET6, a, 0, 1);
	parse(AF_INET, "0.0.0.0", a);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET, a), &m.peers[0]);
	parse(AF_INET, "255.255.255.255", a);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET, a), &m.peers[0]);
	parse(AF_INET6, "::", a);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET6, a), &m.peers[1]);
	parse(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", a);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET6, a), &m.peers[1]);

	/* Longer prefixes win over /0, down to /32 and /128. */
	parse(AF_INET, "10.0.0.0", a);
	m_insert(&m, AF_INET, a, 8, 2);
	parse(AF_INET, "10.1.2.3", a);
	m_insert(&m, AF_INET, a, 32, 1);
	parse(AF_INET, "10.1.2.3", a);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET, a), &m.peers[1]);
	parse(AF_INET, "10.1.2.2", a);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET, a), &m.peers[2]);
	parse(AF_INET, "11.1.2.3", a);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET, a), &m.peers[0]);

	parse(AF_INET6, "2001:db8::1", a);
	m_insert(&m, AF_INET6, a, 128, 0);
	parse(AF_INET6, "2001:db8::", a);
	m_insert(&m, AF_INET6, a, 64, 2);
	parse(AF_INET6, "2001:db8::8000:0:0:0", a);
	m_insert(&m, AF_INET6, a, 65, 0);
	parse(AF_INET6, "2001:db8::1", a);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET6, a), &m.peers[0]);
	parse(AF_INET6, "2001:db8::2", a);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET6, a), &m.peers[2]);
	parse(AF_INET6, "2001:db8::8000:0:0:1", a);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET6, a), &m.peers[0]);
	parse(AF_INET6, "2001:db9::1", a);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET6, a), &m.peers[1]);
	check_trie(&m);
	check_peer_lists(&m);

	/* Removing the /0s leaves the rest. */
	parse(AF_INET, "1.2.3.4", a);
	m_remove(&m, AF_INET, a, 0, 1);		/* wrong peer: -ENOENT */
	m_remove(&m, AF_INET, a, 0, 0);
	parse(AF_INET, "11.1.2.3", a);
	assert_null(ovl_aips_lookup(&m.t, AF_INET, a));
	parse(AF_INET6, "::", a);
	m_remove(&m, AF_INET6, a, 0, 1);
	parse(AF_INET6, "2001:db9::1", a);
	assert_null(ovl_aips_lookup(&m.t, AF_INET6, a));
	parse(AF_INET6, "2001:db8::1", a);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET6, a), &m.peers[0]);
	check_trie(&m);
	check_peer_lists(&m);
	model_destroy(&m);
}

static void test_host_bits_masked(void **state)
{
	struct ovl_aips_node *node;
	struct model m;
	uint8_t a[16], got[16];
	u8 cidr;

	(void)state;
	model_init(&m, 2);
	parse(AF_INET, "10.1.2.3", a);
	m_insert(&m, AF_INET, a, 8, 0);
	node = list_first_entry(&m.peers[0].nodes, struct ovl_aips_node,
				peer_list);
	memset(got, 0xaa, sizeof(got));
	assert_int_equal(ovl_aips_node_read(node, got, &cidr), AF_INET);
	assert_int_equal(cidr, 8);
	parse(AF_INET, "10.0.0.0", a);
	assert_memory_equal(got, a, 4);

	/* Same prefix, other host bits: re-owns, does not add. */
	parse(AF_INET, "10.255.255.255", a);
	m_insert(&m, AF_INET, a, 8, 1);
	assert_true(list_empty(&m.peers[0].nodes));
	assert_int_equal(count_nodes(m.t.root4), 1);

	parse(AF_INET6, "2001:db8:1234:5678:9abc:def0:1234:5678", a);
	m_insert(&m, AF_INET6, a, 47, 0);
	node = list_first_entry(&m.peers[0].nodes, struct ovl_aips_node,
				peer_list);
	assert_int_equal(ovl_aips_node_read(node, got, &cidr), AF_INET6);
	assert_int_equal(cidr, 47);
	parse(AF_INET6, "2001:db8:1234::", a);
	assert_memory_equal(got, a, 16);

	/* Removal masks too. */
	parse(AF_INET6, "2001:db8:1235:ffff::", a);
	m_remove(&m, AF_INET6, a, 47, 0);
	assert_null(m.t.root6);
	parse(AF_INET, "10.9.9.9", a);
	m_remove(&m, AF_INET, a, 8, 1);
	assert_null(m.t.root4);
	model_destroy(&m);
}

static void test_reown_and_forks(void **state)
{
	struct model m;
	uint8_t a[16];

	(void)state;
	model_init(&m, 2);

	/* Two /24s meet at a fork 10.0.0.0/23. */
	parse(AF_INET, "10.0.0.0", a);
	m_insert(&m, AF_INET, a, 24, 0);
	parse(AF_INET, "10.0.1.0", a);
	m_insert(&m, AF_INET, a, 24, 0);
	assert_int_equal(count_nodes(m.t.root4), 3);
	parse(AF_INET, "10.0.1.7", a);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET, a), &m.peers[0]);
	parse(AF_INET, "10.0.2.7", a);
	assert_null(ovl_aips_lookup(&m.t, AF_INET, a));

	/* Owning the fork's prefix reuses the fork. */
	parse(AF_INET, "10.0.0.0", a);
	m_insert(&m, AF_INET, a, 23, 1);
	assert_int_equal(count_nodes(m.t.root4), 3);
	check_trie(&m);

	/* Re-own a /24: it moves between the peers' lists. */
	parse(AF_INET, "10.0.1.0", a);
	m_insert(&m, AF_INET, a, 24, 1);
	parse(AF_INET, "10.0.1.7", a);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET, a), &m.peers[1]);
	check_peer_lists(&m);
	parse(AF_INET, "10.0.1.0", a);
	m_remove(&m, AF_INET, a, 24, 0);	/* no longer peer 0's */

	/* Disowning the /23 turns it back into a plain fork... */
	parse(AF_INET, "10.0.0.0", a);
	m_remove(&m, AF_INET, a, 23, 1);
	assert_int_equal(count_nodes(m.t.root4), 3);
	check_trie(&m);
	/* ...and removing one side drops the fork too. */
	parse(AF_INET, "10.0.1.0", a);
	m_remove(&m, AF_INET, a, 24, 1);
	assert_int_equal(count_nodes(m.t.root4), 1);
	check_trie(&m);

	/* A covering prefix inserted above, then removed: spliced out. */
	parse(AF_INET, "10.0.0.0", a);
	m_insert(&m, AF_INET, a, 16, 1);
	assert_int_equal(count_nodes(m.t.root4), 2);
	m_remove(&m, AF_INET, a, 16, 1);
	assert_int_equal(count_nodes(m.t.root4), 1);
	check_trie(&m);
	check_peer_lists(&m);
	model_destroy(&m);
}

static void test_families_apart(void **state)
{
	struct model m;
	uint8_t a[16];

	(void)state;
	model_init(&m, 2);
	memset(a, 0, sizeof(a));
	a[0] = 10;
	m_insert(&m, AF_INET, a, 8, 0);
	m_insert(&m, AF_INET6, a, 8, 1);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET, a), &m.peers[0]);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET6, a), &m.peers[1]);
	m_remove(&m, AF_INET6, a, 8, 0);	/* -ENOENT */
	m_remove_by_peer(&m, 1);
	assert_ptr_equal(ovl_aips_lookup(&m.t, AF_INET, a), &m.peers[0]);
	assert_null(ovl_aips_lookup(&m.t, AF_INET6, a));
	model_destroy(&m);
}

/* ovl_aips_free() with prefixes still in: every node goes, lists empty. */
static void test_free_populated(void **state)
{
	struct model m;
	uint8_t a[16];
	int i;

	(void)state;
	model_init(&m, 8);
	for (i = 0; i < 500; i++) {
		v4(a, (uint32_t)rnd());
		m_insert(&m, AF_INET, a, 1 + rnd_below(32), rnd_below(8));
		a[4] = (uint8_t)i;
		m_insert(&m, AF_INET6, a, rnd_below(129), rnd_below(8));
	}
	check_trie(&m);
	check_peer_lists(&m);
	model_destroy(&m);	/* asserts empty; ASan reports any leak */
}

/* ---- randomized comparison with the model ---- */

static uint8_t clusters[2][8][16];

static void random_addr(int family, uint8_t *a)
{
	unsigned int bits = family_bits(family);
	unsigned int from = rnd_below(bits + 1), i;

	/* A cluster base with random bits from some point on. */
	memcpy(a, clusters[family == AF_INET6][rnd_below(8)], 16);
	for (i = from; i < bits; i++)
		if (rnd() & 1)
			a[i / 8] ^= 0x80u >> (i % 8);
	mask_addr(a, bits, bits);
}

/* An address likely to hit: inside a live prefix, else random. */
static void probe_addr(const struct model *m, int family, uint8_t *a)
{
	const struct ref_entry *e;
	unsigned int i;

	random_addr(family, a);
	if (!m->n || rnd_below(4) == 0)
		return;
	e = &m->e[rnd_below(m->n)];
	if (e->family != family)
		return;
	for (i = 0; i < e->cidr; i++) {
		uint8_t b = 0x80u >> (i % 8);

		a[i / 8] = (a[i / 8] & ~b) | (e->addr[i / 8] & b);
	}
}

static unsigned int random_cidr(int family)
{
	unsigned int bits = family_bits(family);

	switch (rnd_below(4)) {
	case 0:
		return bits;
	case 1:
		return bits - rnd_below(bits / 4 + 1);
	default:
		return rnd_below(bits + 1);
	}
}

static void verify(struct model *m, unsigned int lookups)
{
	uint8_t a[16];
	unsigned int i;

	check_trie(m);
	check_peer_lists(m);
	for (i = 0; i < lookups; i++) {
		int family = (i & 1) ? AF_INET6 : AF_INET;

		probe_addr(m, family, a);
		check_lookup(m, family, a);
	}
}

static void random_run(unsigned int ops, unsigned int npeers,
		       unsigned int verify_every)
{
	struct model m;
	uint8_t a[16];
	unsigned int i, f, c;
	size_t k;

	for (f = 0; f < 2; f++)
		for (c = 0; c < 8; c++)
			for (k = 0; k < 16; k++)
				clusters[f][c][k] = (uint8_t)rnd();

	model_init(&m, (int)npeers);
	for (i = 1; i <= ops; i++) {
		int family = rnd_below(2) ? AF_INET6 : AF_INET;
		unsigned int op = rnd_below(100);
		int peer = (int)rnd_below(npeers);

		if (op < 60) {
			random_addr(family, a);
			m_insert(&m, family, a, random_cidr(family), peer);
		} else if (op < 70 && m.n) {
			/* Re-own a live prefix, host bits scrambled. */
			const struct ref_entry *e = &m.e[rnd_below(m.n)];

			memcpy(a, e->addr, 16);
			for (c = e->cidr; c < family_bits(e->family); c++)
				if (rnd() & 1)
					a[c / 8] ^= 0x80u >> (c % 8);
			m_insert(&m, e->family, a, e->cidr, peer);
		} else if (op < 90 && m.n) {
			/* Remove a live prefix, as its owner or another. */
			k = rnd_below(m.n);
			memcpy(a, m.e[k].addr, 16);
			if (rnd_below(4))
				peer = m.e[k].peer;
			m_remove(&m, m.e[k].family, a, m.e[k].cidr, peer);
		} else if (op < 98) {
			/* Remove something that is most likely absent. */
			random_addr(family, a);
			m_remove(&m, family, a, random_cidr(family), peer);
		} else {
			m_remove_by_peer(&m, peer);
		}
		if (i % verify_every == 0)
			verify(&m, 2000);
	}
	verify(&m, 20000);

	/* Remove every peer in turn; the others must stay intact. */
	for (i = 0; i < npeers; i++) {
		m_remove_by_peer(&m, (int)i);
		if (i % 4 == 0)
			verify(&m, 500);
	}
	assert_int_equal(m.n, 0);
	assert_null(m.t.root4);
	assert_null(m.t.root6);
	model_destroy(&m);
}

/* ---- running out of memory ---- */

struct prefix {
	int family;
	uint8_t addr[16];
	unsigned int cidr;
};

/*
 * Replace @peer's prefixes with @n of @p the way PEER_SET does: reserve
 * the nodes, and only then remove the old prefixes and insert the new
 * ones, which must allocate nothing.  Returns 0 or the reservation's
 * error, the trie untouched.
 */
static int replace(struct model *m, int peer, const struct prefix *p,
		   unsigned int n)
{
	struct ovl_peer *owner = &m->peers[peer];
	struct ovl_aips_reserve r;
	unsigned long allocs;
	unsigned int i;
	size_t k;

	if (ovl_aips_reserve(&r, n))
		return -ENOMEM;
	allocs = kshim_allocs;
	ovl_aips_remove_by_peer(&m->t, owner, &owner->nodes);
	for (i = 0; i < n; i++)
		assert_int_equal(ovl_aips_insert_reserved(&m->t, &r, p[i].family,
							  p[i].addr, p[i].cidr,
							  owner, &owner->nodes),
				 0);
	assert_int_equal(kshim_allocs, allocs);
	ovl_aips_release(&r);

	for (k = 0; k < m->n;) {
		if (m->e[k].peer == peer)
			ref_del(m, k);
		else
			k++;
	}
	for (i = 0; i < n; i++)
		ref_put(m, p[i].family, p[i].addr, p[i].cidr, peer);
	return 0;
}

/*
 * A replace that runs out of memory changes nothing, whichever allocation
 * fails: fail the 1st, the 2nd, ... until one replace needs no more; each
 * failed one leaves every lookup, list and node as it was.  The new set
 * takes prefixes from another peer, repeats one and shares forks.
 */
static void test_replace_out_of_memory(void **state)
{
	enum { OLD = 40, NEW = 60 };
	struct prefix p[NEW];
	unsigned int i, f, c, nth;
	size_t nodes, k;
	struct model m;
	int ret;

	(void)state;
	for (f = 0; f < 2; f++)
		for (c = 0; c < 8; c++)
			for (k = 0; k < 16; k++)
				clusters[f][c][k] = (uint8_t)rnd();
	model_init(&m, 3);
	for (i = 0; i < 3 * OLD; i++) {
		int family = (i & 1) ? AF_INET6 : AF_INET;
		uint8_t a[16];

		random_addr(family, a);
		m_insert(&m, family, a, random_cidr(family), (int)(i % 3));
	}
	for (i = 0; i < NEW; i++) {
		p[i].family = (i & 1) ? AF_INET6 : AF_INET;
		if (i % 4 == 0 && m.n) {
			/* Somebody's prefix: peer 1 or 2 loses it. */
			k = rnd_below(m.n);
			p[i].family = m.e[k].family;
			memcpy(p[i].addr, m.e[k].addr, 16);
			p[i].cidr = m.e[k].cidr;
		} else if (i == NEW - 1) {
			p[i] = p[i - 2];	/* twice in one request */
		} else {
			random_addr(p[i].family, p[i].addr);
			p[i].cidr = random_cidr(p[i].family);
		}
	}
	verify(&m, 2000);

	/* The injection works: an insert on its own does fail. */
	kshim_fail_nth = 1;
	assert_int_equal(ovl_aips_insert(&m.t, p[1].family, p[1].addr, 128,
					 &m.peers[0], &m.peers[0].nodes),
			 -ENOMEM);
	assert_int_equal(kshim_fail_nth, 0);

	for (nth = 1;; nth++) {
		nodes = count_nodes(m.t.root4) + count_nodes(m.t.root6);
		kshim_fail_nth = nth;
		ret = replace(&m, 0, p, NEW);
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_int_equal(kshim_fail_nth, 0);
		assert_int_equal(count_nodes(m.t.root4) +
				 count_nodes(m.t.root6), nodes);
		verify(&m, 500);
	}
	/* Success came once the failure was past every allocation. */
	assert_int_not_equal(kshim_fail_nth, 0);
	kshim_fail_nth = 0;
	assert_int_equal(nth, 2 * NEW + 1);
	verify(&m, 5000);
	model_destroy(&m);
}

static void test_random_few_peers(void **state)
{
	(void)state;
	random_run(12000, 6, 1500);
}

static void test_random_many_peers(void **state)
{
	(void)state;
	random_run(20000, 64, 4000);
}

/* ---- scale: 100,000 peers, timing printed, not asserted ---- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define SCALE_PEERS	100000
#define SCALE_LOOKUPS	2000000

static uint32_t scale_addr(unsigned int i)
{
	/* Peer i's /32: distinct, spread over 10.0.0.0/8. */
	return 0x0a000000u | ((i * 2654435761u) & 0x00ffffffu);
}

static void test_scale(void **state)
{
	struct ovl_aips t;
	struct ovl_peer *peers;
	size_t prefixes = 0, nodes4, nodes6;
	double t0, t1, t2, t3, t4, t5;
	uint8_t a[16], ula[16];
	unsigned int i, hits = 0;
	uint64_t sink = 0;

	(void)state;
	parse(AF_INET6, "fd00::", ula);
	peers = calloc(SCALE_PEERS, sizeof(*peers));
	assert_non_null(peers);
	ovl_aips_init(&t);
	for (i = 0; i < SCALE_PEERS; i++) {
		peers[i].id = (int)i;
		INIT_LIST_HEAD(&peers[i].nodes);
	}

	t0 = now();
	for (i = 0; i < SCALE_PEERS; i++) {
		struct ovl_peer *p = &peers[i];

		v4(a, scale_addr(i));
		assert_int_equal(ovl_aips_insert(&t, AF_INET, a, 32, p,
						 &p->nodes), 0);
		prefixes++;
		/* Some shorter prefixes: a /24 for every 10th, ... */
		if (i % 10 == 0) {
			v4(a, 0xac100000u | (i / 10) << 8);	/* 172.16/12 */
			assert_int_equal(ovl_aips_insert(&t, AF_INET, a, 24, p,
							 &p->nodes), 0);
			prefixes++;
		}
		/* ... and a /16 for every 1000th. */
		if (i % 1000 == 0) {
			v4(a, 0xc0000000u | (i / 1000) << 16);
			assert_int_equal(ovl_aips_insert(&t, AF_INET, a, 16, p,
							 &p->nodes), 0);
			prefixes++;
		}
		/* And a /128 in fd00::/64 each, for IPv6. */
		memcpy(a, ula, sizeof(ula));
		a[12] = i >> 24;
		a[13] = i >> 16;
		a[14] = i >> 8;
		a[15] = i;
		assert_int_equal(ovl_aips_insert(&t, AF_INET6, a, 128, p,
						 &p->nodes), 0);
		prefixes++;
	}
	t1 = now();

	for (i = 0; i < SCALE_LOOKUPS; i++) {
		unsigned int n = (unsigned int)(rnd() % SCALE_PEERS);
		struct ovl_peer *p;

		v4(a, scale_addr(n));
		p = ovl_aips_lookup(&t, AF_INET, a);
		hits += p == &peers[n];
		sink += (uintptr_t)p;
	}
	t2 = now();
	assert_int_equal(hits, SCALE_LOOKUPS);

	for (i = 0; i < SCALE_LOOKUPS; i++) {
		unsigned int n = (unsigned int)(rnd() % SCALE_PEERS);

		memcpy(a, ula, sizeof(ula));
		a[12] = n >> 24;
		a[13] = n >> 16;
		a[14] = n >> 8;
		a[15] = n;
		sink += (uintptr_t)ovl_aips_lookup(&t, AF_INET6, a);
	}
	t3 = now();

	/* Flows concentrated on 1024 peers: the hot paths stay cached. */
	for (i = 0; i < SCALE_LOOKUPS; i++) {
		v4(a, scale_addr((i * 97) % 1024));
		sink += (uintptr_t)ovl_aips_lookup(&t, AF_INET, a);
	}
	t4 = now();

	nodes4 = count_nodes(t.root4);
	nodes6 = count_nodes(t.root6);
	assert_true(nodes4 + nodes6 <= 2 * prefixes);

	for (i = 0; i < SCALE_PEERS; i++) {
		ovl_aips_remove_by_peer(&t, &peers[i], &peers[i].nodes);
		assert_true(list_empty(&peers[i].nodes));
	}
	t5 = now();
	assert_null(t.root4);
	assert_null(t.root6);

	printf("[ INFO     ] %d peers, %zu prefixes: %zu + %zu nodes of %zu bytes (%.1f MiB)\n",
	       SCALE_PEERS, prefixes, nodes4, nodes6,
	       sizeof(struct ovl_aips_node),
	       (double)(nodes4 + nodes6) * sizeof(struct ovl_aips_node) /
	       (1 << 20));
	printf("[ INFO     ] insert %.0f ns/prefix; lookup of a random peer: v4 %.0f ns, v6 %.0f ns; of 1024 hot peers: v4 %.0f ns; remove_by_peer %.0f ns/peer%s\n",
	       (t1 - t0) * 1e9 / (double)prefixes,
	       (t2 - t1) * 1e9 / SCALE_LOOKUPS,
	       (t3 - t2) * 1e9 / SCALE_LOOKUPS,
	       (t4 - t3) * 1e9 / SCALE_LOOKUPS,
	       (t5 - t4) * 1e9 / SCALE_PEERS,
#if defined(__SANITIZE_ADDRESS__)
	       " (with ASan/UBSan)"
#else
	       ""
#endif
	       );
	(void)sink;
	ovl_aips_free(&t);
	free(peers);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_default_routes),
		cmocka_unit_test(test_host_bits_masked),
		cmocka_unit_test(test_reown_and_forks),
		cmocka_unit_test(test_families_apart),
		cmocka_unit_test(test_free_populated),
		cmocka_unit_test(test_replace_out_of_memory),
		cmocka_unit_test(test_random_few_peers),
		cmocka_unit_test(test_random_many_peers),
		cmocka_unit_test(test_scale),
	};
	const char *s = getenv("OVL_TEST_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) : 0x6f766c2d61697073ULL;

	printf("[ INFO     ] OVL_TEST_SEED=%" PRIu64 "\n", seed);
	rng_state = seed;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
