/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allowed-IPs table: longest-prefix match from an inner IPv4/IPv6 address
 * to the peer that owns the longest covering prefix.
 *
 * Locking:
 *  - ovl_aips_lookup() is lockless.  Call it inside an RCU read-side
 *    critical section: rcu_read_lock(), rcu_read_lock_bh(), or softirq
 *    context with bottom halves disabled.  The peer it returns is only
 *    guaranteed to live until that section ends; take a reference on it
 *    before leaving the section if it is needed longer.
 *  - ovl_aips_reserve() and ovl_aips_release() touch no table and need
 *    no lock.
 *  - Every other function is a writer.  Writers must be serialized by one
 *    lock owned by the caller (this file never takes a lock), and that
 *    lock must allow sleeping: ovl_aips_insert() allocates with
 *    GFP_KERNEL (ovl_aips_insert_reserved() allocates nothing).  The
 *    same lock protects every peer's peer_nodes list as far as this file
 *    is concerned.  With lockdep, tell the table which lock that is with
 *    ovl_aips_set_lock() so the writers' rcu_dereference_protected() calls
 *    are checked.
 *
 * Lifetime:
 *  - Nodes are freed with kfree_rcu(), so a lookup that raced with a
 *    removal still walks valid memory.  Peers are opaque here: a peer must
 *    outlive every node that points at it, i.e. call
 *    ovl_aips_remove_by_peer() and then wait for a grace period before
 *    freeing the peer.
 *  - ovl_aips_free() removes every prefix (and unlinks each node from its
 *    peer's list) so the peers' lists are empty afterwards.
 */
#ifndef _OVL_ALLOWEDIPS_H
#define _OVL_ALLOWEDIPS_H

#ifdef __KERNEL__
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#else
#include "tests/kshim.h"
#endif

struct ovl_peer;

/**
 * struct ovl_aips_node - one prefix of a path-compressed binary trie
 * @child: subtrees whose prefixes extend this one by a 0 or a 1 bit at
 *	bit @cidr; each child's cidr is larger than this node's cidr
 * @peer: owner of this prefix, or NULL for a fork node that only joins two
 *	subtrees (such a node always has both children)
 * @key: the prefix, host order, most significant bit first: an IPv4
 *	address sits in the top 32 bits of key[0]; bits past @cidr are zero
 * @peer_list: entry in the owner's list of prefixes (writers only)
 * @rcu: for kfree_rcu(); shares storage with @peer_list, which is unused
 *	once the node is unlinked
 * @cidr: prefix length
 * @bits: address length of the family: 32 or 128
 *
 * Readers use @child, @peer, @key, @cidr and @bits; all but @child and
 * @peer are written once before the node is published.
 */
struct ovl_aips_node {
	struct ovl_aips_node __rcu *child[2];
	struct ovl_peer __rcu *peer;
	u64 key[2];
	union {
		struct list_head peer_list;
		struct rcu_head rcu;
	};
	u8 cidr;
	u8 bits;
};

/**
 * struct ovl_aips - the allowed-IPs table of one device
 * @root4: trie of IPv4 prefixes
 * @root6: trie of IPv6 prefixes
 * @lock_map: lockdep map of the writers' lock, see ovl_aips_set_lock()
 */
struct ovl_aips {
	struct ovl_aips_node __rcu *root4;
	struct ovl_aips_node __rcu *root6;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map *lock_map;
#endif
};

/*
 * ovl_aips_set_lock() - name the lock (mutex) that serializes the writers,
 * for lockdep.  Optional; without it writers are not checked by lockdep.
 */
#ifdef CONFIG_DEBUG_LOCK_ALLOC
#define ovl_aips_set_lock(t, lock)	((t)->lock_map = &(lock)->dep_map)
#else
#define ovl_aips_set_lock(t, lock)	((void)(t), (void)(lock))
#endif

/**
 * struct ovl_aips_reserve - nodes set aside for inserts that must not fail
 * @nodes: unused nodes, linked through their peer_list
 */
struct ovl_aips_reserve {
	struct list_head nodes;
};

void ovl_aips_init(struct ovl_aips *t);
void ovl_aips_free(struct ovl_aips *t);
int ovl_aips_insert(struct ovl_aips *t, int family, const void *addr, u8 cidr,
		    struct ovl_peer *peer, struct list_head *peer_nodes);
int ovl_aips_reserve(struct ovl_aips_reserve *r, unsigned int n);
void ovl_aips_release(struct ovl_aips_reserve *r);
int ovl_aips_insert_reserved(struct ovl_aips *t, struct ovl_aips_reserve *r,
			     int family, const void *addr, u8 cidr,
			     struct ovl_peer *peer,
			     struct list_head *peer_nodes);
int ovl_aips_remove(struct ovl_aips *t, int family, const void *addr, u8 cidr,
		    struct ovl_peer *peer);
void ovl_aips_remove_by_peer(struct ovl_aips *t, struct ovl_peer *peer,
			     struct list_head *peer_nodes);
struct ovl_peer *ovl_aips_lookup(struct ovl_aips *t, int family,
				 const void *addr);
int ovl_aips_node_read(const struct ovl_aips_node *node, void *addr, u8 *cidr);

#endif /* _OVL_ALLOWEDIPS_H */
