// SPDX-License-Identifier: GPL-2.0
/*
 * Allowed-IPs: longest-prefix match over a path-compressed binary trie,
 * one trie per address family.
 *
 * Shape: every node holds a prefix (key, cidr).  A node's children hold
 * longer prefixes that extend it; which child is decided by the first bit
 * past the node's prefix.  Chains of one-child nodes are never stored: a
 * node is either owned by a peer or is a fork with exactly two children.
 * So n prefixes take at most 2n - 1 nodes, and every operation walks one
 * root-to-leaf path: O(prefix length), at most 33 (IPv4) or 129 (IPv6)
 * nodes, however many peers there are.
 *
 * Locking (see also allowedips.h):
 *  - Lookups run under RCU only.  They read child and peer pointers with
 *    rcu_dereference_check() and never write.  A node's key, cidr and bits
 *    are set before it is published and never change.
 *  - Writers are serialized by the caller's lock and read the tree with
 *    rcu_dereference_protected().  They keep the trie valid for readers at
 *    every store: a new node is fully built (children, owner) before
 *    rcu_assign_pointer() links it in; a removed node is unlinked by
 *    pointing its parent's slot past it, and its own child pointers are
 *    left intact so that a reader standing on it still finds its way.
 *  - Unlinked nodes are freed with kfree_rcu().  Their rcu_head shares
 *    storage with peer_list, which readers never touch.
 */

#ifdef __KERNEL__
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#else
#include "tests/kshim.h"
#endif

#include "allowedips.h"

/* Reader and writer views of an __rcu pointer. */
#define aips_deref(p)	rcu_dereference_check(p, rcu_read_lock_bh_held())

#define aips_deref_w(t, p)	rcu_dereference_protected(p, aips_writer(t))

/* Lockdep: is the writers' lock held?  Unchecked if never named. */
static bool aips_writer(const struct ovl_aips *t)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	return !t->lock_map || lock_is_held(t->lock_map);
#else
	(void)t;
	return true;
#endif
}

/* Where a node hangs in its trie, as found by a walk from the root. */
struct aips_path {
	struct ovl_aips_node __rcu **slot;	/* pointer to the node */
	struct ovl_aips_node __rcu **pslot;	/* pointer to its parent */
	struct ovl_aips_node *parent;		/* NULL at the root */
};

static int aips_bits(int family)
{
	if (family == AF_INET)
		return 32;
	if (family == AF_INET6)
		return 128;
	return 0;
}

static struct ovl_aips_node __rcu **aips_root(struct ovl_aips *t, int bits)
{
	return bits == 32 ? &t->root4 : &t->root6;
}

/* Network-order address to the two-word host-order key. */
static void aips_load(u64 key[2], int bits, const void *addr)
{
	if (bits == 32) {
		__be32 a;

		memcpy(&a, addr, sizeof(a));
		key[0] = (u64)be32_to_cpu(a) << 32;
		key[1] = 0;
	} else {
		__be64 a[2];

		memcpy(a, addr, sizeof(a));
		key[0] = be64_to_cpu(a[0]);
		key[1] = be64_to_cpu(a[1]);
	}
}

/* Clear every bit of key past the first cidr. */
static void aips_mask(u64 key[2], unsigned int cidr)
{
	if (cidr == 0) {
		key[0] = 0;
		key[1] = 0;
	} else if (cidr <= 64) {
		key[0] &= ~0ULL << (64 - cidr);
		key[1] = 0;
	} else {
		key[1] &= ~0ULL << (128 - cidr);
	}
}

/* Bit i of key, counting from the most significant, i < 128. */
static unsigned int aips_bit(const u64 key[2], unsigned int i)
{
	if (i < 64)
		return (key[0] >> (63 - i)) & 1;
	return (key[1] >> (127 - i)) & 1;
}

/* Number of leading bits a and b have in common, 0 to 128. */
static unsigned int aips_common(const u64 a[2], const u64 b[2])
{
	u64 x = a[0] ^ b[0];

	if (x)
		return 64 - fls64(x);
	x = a[1] ^ b[1];
	if (x)
		return 128 - fls64(x);
	return 128;
}

/* Does node's prefix cover key? */
static bool aips_covers(const struct ovl_aips_node *node, const u64 key[2])
{
	return aips_common(node->key, key) >= node->cidr;
}

/*
 * A node for key/cidr: from @r if given (a reservation has one for every
 * node an insert can need, so this never fails then), else allocated.
 */
static struct ovl_aips_node *aips_node_new(struct ovl_aips_reserve *r,
					   const u64 key[2], u8 cidr, u8 bits)
{
	struct ovl_aips_node *node;

	if (r) {
		if (WARN_ON(list_empty(&r->nodes)))
			return NULL;
		node = list_first_entry(&r->nodes, struct ovl_aips_node,
					peer_list);
		list_del(&node->peer_list);
	} else {
		node = kzalloc(sizeof(*node), GFP_KERNEL);
		if (!node)
			return NULL;
	}
	node->key[0] = key[0];
	node->key[1] = key[1];
	aips_mask(node->key, cidr);
	node->cidr = cidr;
	node->bits = bits;
	INIT_LIST_HEAD(&node->peer_list);
	return node;
}

/* Give node to peer, taking it from its previous owner if any. */
static void aips_own(struct ovl_aips_node *node, struct ovl_peer *peer,
		     struct list_head *peer_nodes)
{
	list_move_tail(&node->peer_list, peer_nodes);
	rcu_assign_pointer(node->peer, peer);
}

/**
 * ovl_aips_init() - make @t an empty table
 * @t: the table
 */
void ovl_aips_init(struct ovl_aips *t)
{
	RCU_INIT_POINTER(t->root4, NULL);
	RCU_INIT_POINTER(t->root6, NULL);
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	t->lock_map = NULL;
#endif
}

/**
 * ovl_aips_reserve() - set aside the nodes that inserting prefixes needs
 * @r: the reservation, filled here
 * @n: how many prefixes will be inserted
 *
 * One insert adds at most two nodes (the prefix and a fork above it), so
 * 2 * @n nodes are allocated.  With them, ovl_aips_insert_reserved()
 * cannot fail for lack of memory: a caller that reserves first and only
 * then changes the table either fails before any change or makes them
 * all.  Release what is left with ovl_aips_release().  Touches no table.
 * Context: may sleep.
 *
 * Return: 0, or -ENOMEM with nothing reserved.
 */
int ovl_aips_reserve(struct ovl_aips_reserve *r, unsigned int n)
{
	struct ovl_aips_node *node;
	unsigned int i;

	INIT_LIST_HEAD(&r->nodes);
	for (i = 0; i < 2 * n; i++) {
		node = kzalloc(sizeof(*node), GFP_KERNEL);
		if (!node) {
			ovl_aips_release(r);
			return -ENOMEM;
		}
		list_add(&node->peer_list, &r->nodes);
	}
	return 0;
}

/**
 * ovl_aips_release() - free the nodes a reservation did not use
 * @r: the reservation, empty afterwards
 *
 * The nodes were never published, so they are freed at once.
 */
void ovl_aips_release(struct ovl_aips_reserve *r)
{
	struct ovl_aips_node *node, *tmp;

	list_for_each_entry_safe(node, tmp, &r->nodes, peer_list) {
		list_del(&node->peer_list);
		kfree(node);
	}
}

static int aips_insert(struct ovl_aips *t, struct ovl_aips_reserve *r,
		       int family, const void *addr, u8 cidr,
		       struct ovl_peer *peer, struct list_head *peer_nodes)
{
	struct ovl_aips_node __rcu **slot;
	struct ovl_aips_node *node, *leaf, *fork;
	unsigned int common = 0;
	int bits = aips_bits(family);
	u64 key[2];

	if (!bits || cidr > bits || !peer)
		return -EINVAL;
	aips_load(key, bits, addr);
	aips_mask(key, cidr);

	slot = aips_root(t, bits);
	for (;;) {
		node = aips_deref_w(t, *slot);
		if (!node)
			break;
		common = min_t(unsigned int, aips_common(key, node->key), cidr);
		if (common < node->cidr)
			break;
		if (node->cidr == cidr) {
			/* The prefix exists (owned or a fork): (re)own it. */
			aips_own(node, peer, peer_nodes);
			return 0;
		}
		slot = &node->child[aips_bit(key, node->cidr)];
	}

	leaf = aips_node_new(r, key, cidr, bits);
	if (!leaf)
		return -ENOMEM;

	if (!node) {
		/* An empty slot: the new prefix hangs there alone. */
	} else if (common == cidr) {
		/* The new prefix covers node: it goes in above it. */
		RCU_INIT_POINTER(leaf->child[aips_bit(node->key, cidr)], node);
	} else {
		/* They part at bit common: a fork there joins the two. */
		fork = aips_node_new(r, key, common, bits);
		if (!fork) {
			/* Only without a reservation: leaf came from kzalloc. */
			kfree(leaf);
			return -ENOMEM;
		}
		RCU_INIT_POINTER(fork->child[aips_bit(key, common)], leaf);
		RCU_INIT_POINTER(fork->child[aips_bit(node->key, common)], node);
		aips_own(leaf, peer, peer_nodes);
		rcu_assign_pointer(*slot, fork);
		return 0;
	}
	aips_own(leaf, peer, peer_nodes);
	rcu_assign_pointer(*slot, leaf);
	return 0;
}

/**
 * ovl_aips_insert() - give a prefix to a peer
 * @t: the table
 * @family: AF_INET or AF_INET6
 * @addr: the prefix, network order, 4 or 16 bytes; bits past @cidr ignored
 * @cidr: prefix length, at most 32 or 128
 * @peer: the new owner
 * @peer_nodes: @peer's list of prefixes, which the node joins
 *
 * If another peer (or @peer) already owns the prefix, it moves to @peer.
 * Context: writer (see the top of the file); may sleep.
 *
 * Return: 0, -EINVAL for a bad @family or @cidr or a NULL @peer, or
 * -ENOMEM, in which case the table is unchanged.
 */
int ovl_aips_insert(struct ovl_aips *t, int family, const void *addr, u8 cidr,
		    struct ovl_peer *peer, struct list_head *peer_nodes)
{
	return aips_insert(t, NULL, family, addr, cidr, peer, peer_nodes);
}

/**
 * ovl_aips_insert_reserved() - ovl_aips_insert() from a reservation
 * @t: the table
 * @r: a reservation made for this insert among others
 * @family: AF_INET or AF_INET6
 * @addr: the prefix, network order; bits past @cidr ignored
 * @cidr: prefix length
 * @peer: the new owner
 * @peer_nodes: @peer's list of prefixes
 *
 * Allocates nothing: takes at most two nodes from @r.  Context: writer;
 * does not sleep.
 *
 * Return: 0, or -EINVAL as ovl_aips_insert(); never -ENOMEM while @r
 * holds the nodes reserved for this insert.
 */
int ovl_aips_insert_reserved(struct ovl_aips *t, struct ovl_aips_reserve *r,
			     int family, const void *addr, u8 cidr,
			     struct ovl_peer *peer,
			     struct list_head *peer_nodes)
{
	return aips_insert(t, r, family, addr, cidr, peer, peer_nodes);
}

/*
 * Find the node holding exactly key/cidr (key already masked) and where it
 * hangs.  Returns NULL if there is no such node.
 */
static struct ovl_aips_node *aips_find(struct ovl_aips *t, int bits,
				       const u64 key[2], u8 cidr,
				       struct aips_path *path)
{
	struct ovl_aips_node *node;

	path->slot = aips_root(t, bits);
	path->pslot = NULL;
	path->parent = NULL;
	for (;;) {
		node = aips_deref_w(t, *path->slot);
		if (!node || node->cidr > cidr || !aips_covers(node, key))
			return NULL;
		if (node->cidr == cidr)
			return node;
		path->pslot = path->slot;
		path->parent = node;
		path->slot = &node->child[aips_bit(key, node->cidr)];
	}
}

/*
 * Take node away from its owner, then drop whatever no longer earns its
 * place: node itself unless it still forks two subtrees, and its parent
 * if that was an unowned fork left with a single child.
 */
static void aips_disown(struct ovl_aips *t, struct ovl_aips_node *node,
			const struct aips_path *path)
{
	struct ovl_aips_node *child0, *child1, *parent = path->parent;

	list_del_init(&node->peer_list);
	RCU_INIT_POINTER(node->peer, NULL);

	child0 = aips_deref_w(t, node->child[0]);
	child1 = aips_deref_w(t, node->child[1]);
	if (child0 && child1)
		return;			/* stays, as a fork */
	if (child0 || child1) {
		/* Splice node out; its child is already visible to readers. */
		RCU_INIT_POINTER(*path->slot, child0 ? child0 : child1);
		kfree_rcu(node, rcu);
		return;
	}

	RCU_INIT_POINTER(*path->slot, NULL);
	kfree_rcu(node, rcu);
	if (!parent || rcu_access_pointer(parent->peer))
		return;
	/* parent was a fork: it had two children and now has one. */
	child0 = aips_deref_w(t, parent->child[0]);
	child1 = aips_deref_w(t, parent->child[1]);
	RCU_INIT_POINTER(*path->pslot, child0 ? child0 : child1);
	kfree_rcu(parent, rcu);
}

/**
 * ovl_aips_remove() - take one prefix away from its owner
 * @t: the table
 * @family: AF_INET or AF_INET6
 * @addr: the prefix, network order; bits past @cidr ignored
 * @cidr: prefix length
 * @peer: the owner the prefix must have
 *
 * Context: writer.
 *
 * Return: 0, -ENOENT if @peer does not own exactly that prefix, -EINVAL
 * for a bad @family or @cidr or a NULL @peer.
 */
int ovl_aips_remove(struct ovl_aips *t, int family, const void *addr, u8 cidr,
		    struct ovl_peer *peer)
{
	struct ovl_aips_node *node;
	struct aips_path path;
	int bits = aips_bits(family);
	u64 key[2];

	if (!bits || cidr > bits || !peer)
		return -EINVAL;
	aips_load(key, bits, addr);
	aips_mask(key, cidr);

	node = aips_find(t, bits, key, cidr, &path);
	if (!node || rcu_access_pointer(node->peer) != peer)
		return -ENOENT;
	aips_disown(t, node, &path);
	return 0;
}

/**
 * ovl_aips_remove_by_peer() - take all its prefixes away from a peer
 * @t: the table
 * @peer: the peer
 * @peer_nodes: @peer's list of prefixes; empty afterwards
 *
 * Costs O(prefix length) per prefix of @peer.  Context: writer.
 */
void ovl_aips_remove_by_peer(struct ovl_aips *t, struct ovl_peer *peer,
			     struct list_head *peer_nodes)
{
	struct ovl_aips_node *node, *tmp, *found;
	struct aips_path path;

	list_for_each_entry_safe(node, tmp, peer_nodes, peer_list) {
		found = aips_find(t, node->bits, node->key, node->cidr, &path);
		if (WARN_ON(found != node ||
			    rcu_access_pointer(node->peer) != peer)) {
			/* Not in this table: just forget it. */
			list_del_init(&node->peer_list);
			continue;
		}
		aips_disown(t, node, &path);
	}
}

/*
 * Empty one trie, one leaf at a time.  A leaf is always owned (forks have
 * two children), so each step is an ordinary removal and readers see a
 * valid trie throughout.  Costs O(nodes * depth) but runs only at teardown.
 */
static void aips_free_trie(struct ovl_aips *t, int bits)
{
	struct ovl_aips_node *node, *child;
	struct aips_path path;
	unsigned int i;

	for (;;) {
		path.slot = aips_root(t, bits);
		path.pslot = NULL;
		path.parent = NULL;
		node = aips_deref_w(t, *path.slot);
		if (!node)
			return;
		for (;;) {
			i = aips_deref_w(t, node->child[0]) ? 0 : 1;
			child = aips_deref_w(t, node->child[i]);
			if (!child)
				break;
			path.pslot = path.slot;
			path.parent = node;
			path.slot = &node->child[i];
			node = child;
		}
		aips_disown(t, node, &path);
	}
}

/**
 * ovl_aips_free() - remove every prefix of every peer
 * @t: the table, empty afterwards
 *
 * Every node leaves its peer's list and is freed after a grace period.
 * Context: writer.
 */
void ovl_aips_free(struct ovl_aips *t)
{
	aips_free_trie(t, 32);
	aips_free_trie(t, 128);
}

/**
 * ovl_aips_lookup() - longest-prefix match
 * @t: the table
 * @family: AF_INET or AF_INET6
 * @addr: the address, network order, 4 or 16 bytes (need not be aligned)
 *
 * Context: RCU reader (rcu_read_lock(), rcu_read_lock_bh() or softirq).
 *
 * Return: the owner of the longest prefix covering @addr, or NULL.  It is
 * only guaranteed to exist until the RCU read-side section ends.
 */
struct ovl_peer *ovl_aips_lookup(struct ovl_aips *t, int family,
				 const void *addr)
{
	struct ovl_aips_node *node;
	struct ovl_peer *best = NULL, *peer;
	int bits = aips_bits(family);
	u64 key[2];

	if (unlikely(!bits))
		return NULL;
	aips_load(key, bits, addr);

	node = aips_deref(*aips_root(t, bits));
	while (node && aips_covers(node, key)) {
		peer = aips_deref(node->peer);
		if (peer)
			best = peer;
		if (node->cidr == bits)
			break;
		node = aips_deref(node->child[aips_bit(key, node->cidr)]);
	}
	return best;
}

/**
 * ovl_aips_node_read() - the prefix a node holds, for dumps
 * @node: an entry of a peer's list of prefixes
 * @addr: gets the prefix, network order: 4 bytes for AF_INET, 16 for
 *	AF_INET6 (room for 16 needed)
 * @cidr: gets the prefix length
 *
 * Context: writer, or anything that keeps @node on its list.
 *
 * Return: the family, AF_INET or AF_INET6.
 */
int ovl_aips_node_read(const struct ovl_aips_node *node, void *addr, u8 *cidr)
{
	__be32 a4;
	__be64 a6[2];

	*cidr = node->cidr;
	if (node->bits == 32) {
		a4 = cpu_to_be32(node->key[0] >> 32);
		memcpy(addr, &a4, sizeof(a4));
		return AF_INET;
	}
	a6[0] = cpu_to_be64(node->key[0]);
	a6[1] = cpu_to_be64(node->key[1]);
	memcpy(addr, a6, sizeof(a6));
	return AF_INET6;
}
