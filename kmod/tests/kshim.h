/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The little kernel API that kmod's pure-logic files (allowedips.c,
 * replay.c, keymem.c, ...) use, for building them into userspace unit tests.
 *
 * Single-threaded model: RCU accessors are plain loads and stores, the
 * RCU read-side and lockdep conditions are always true, and kfree_rcu()
 * frees at once, so AddressSanitizer reports any use of a node after it
 * was unlinked and freed.
 */
#ifndef _OVL_TESTS_KSHIM_H
#define _OVL_TESTS_KSHIM_H

#ifdef __KERNEL__
#error "kshim.h is for userspace builds only"
#endif

#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Types */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
#include <linux/types.h>	/* __be16, __be32, __be64 */

#define __rcu
#define __force
#define __must_check	__attribute__((warn_unused_result))

#define U8_MAX		((u8)~0U)
#define U64_MAX		((u64)~0ULL)

#define BITS_PER_LONG	((int)(sizeof(long) * CHAR_BIT))

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#define min(a, b)	((a) < (b) ? (a) : (b))
#define max(a, b)	((a) > (b) ? (a) : (b))
#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)	((t)(a) > (t)(b) ? (t)(a) : (t)(b))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define BUILD_BUG_ON(c)	static_assert(!(c), #c)

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* A kernel WARN is a test failure. */
#define WARN_ON(c) ({							\
	bool __c = !!(c);						\
	if (__c) {							\
		fprintf(stderr, "WARN_ON(%s) at %s:%d\n", #c,		\
			__FILE__, __LINE__);				\
		abort();						\
	}								\
	__c;								\
})
#define WARN_ON_ONCE(c)	WARN_ON(c)

/* Byte order */
#define cpu_to_be16(x)	((__be16)htobe16(x))
#define cpu_to_be32(x)	((__be32)htobe32(x))
#define cpu_to_be64(x)	((__be64)htobe64(x))
#define be16_to_cpu(x)	((u16)be16toh(x))
#define be32_to_cpu(x)	((u32)be32toh(x))
#define be64_to_cpu(x)	((u64)be64toh(x))

/*
 * Bits.  fls()/fls64(): 1-based index of the last set bit, 0 if none;
 * ffs() comes from libc (<strings.h>) with the kernel's meaning.
 * __ffs()/__fls(): 0-based index of the first/last set bit, x != 0.
 */
static inline int fls(unsigned int x)
{
	return x ? (int)(sizeof(x) * CHAR_BIT) - __builtin_clz(x) : 0;
}

static inline int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

static inline unsigned long __ffs(unsigned long x)
{
	return (unsigned long)__builtin_ctzl(x);
}

static inline unsigned long __fls(unsigned long x)
{
	return (unsigned long)(BITS_PER_LONG - 1 - __builtin_clzl(x));
}

/*
 * SipHash-2-4 of two u64s, as the kernel's siphash_2u64() (the input is
 * the two words in little-endian order).
 */
typedef struct {
	u64 key[2];
} siphash_key_t;

#define KSHIM_SIPROUND(v0, v1, v2, v3) do {				\
	v0 += v1; v1 = (v1 << 13) | (v1 >> 51); v1 ^= v0;		\
	v0 = (v0 << 32) | (v0 >> 32);					\
	v2 += v3; v3 = (v3 << 16) | (v3 >> 48); v3 ^= v2;		\
	v0 += v3; v3 = (v3 << 21) | (v3 >> 43); v3 ^= v0;		\
	v2 += v1; v1 = (v1 << 17) | (v1 >> 47); v1 ^= v2;		\
	v2 = (v2 << 32) | (v2 >> 32);					\
} while (0)

static inline u64 siphash_2u64(u64 first, u64 second,
			       const siphash_key_t *key)
{
	u64 v0 = 0x736f6d6570736575ULL ^ key->key[0];
	u64 v1 = 0x646f72616e646f6dULL ^ key->key[1];
	u64 v2 = 0x6c7967656e657261ULL ^ key->key[0];
	u64 v3 = 0x7465646279746573ULL ^ key->key[1];
	u64 m[3] = { first, second, (u64)16 << 56 };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		v3 ^= m[i];
		KSHIM_SIPROUND(v0, v1, v2, v3);
		KSHIM_SIPROUND(v0, v1, v2, v3);
		v0 ^= m[i];
	}
	v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		KSHIM_SIPROUND(v0, v1, v2, v3);
	return (v0 ^ v1) ^ (v2 ^ v3);
}

/*
 * SipHash-2-4 of @len bytes, as the kernel's siphash(): the key words are
 * the little-endian halves of the 16-byte key (docs/beacon-auth.md).
 */
static inline u64 siphash(const void *data, size_t len,
			  const siphash_key_t *key)
{
	u64 v0 = 0x736f6d6570736575ULL ^ key->key[0];
	u64 v1 = 0x646f72616e646f6dULL ^ key->key[1];
	u64 v2 = 0x6c7967656e657261ULL ^ key->key[0];
	u64 v3 = 0x7465646279746573ULL ^ key->key[1];
	const u8 *p = data;
	u64 m, b = (u64)len << 56;
	size_t i, left = len & 7;
	unsigned int r;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, p + i, 8);
		m = le64toh(m);
		v3 ^= m;
		KSHIM_SIPROUND(v0, v1, v2, v3);
		KSHIM_SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (r = 0; r < left; r++)
		b |= (u64)p[i + r] << (8 * r);
	v3 ^= b;
	KSHIM_SIPROUND(v0, v1, v2, v3);
	KSHIM_SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (r = 0; r < 4; r++)
		KSHIM_SIPROUND(v0, v1, v2, v3);
	return (v0 ^ v1) ^ (v2 ^ v3);
}

/* Unaligned little-endian access */
static inline u64 get_unaligned_le64(const void *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline void put_unaligned_le64(u64 v, void *p)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

#define NSEC_PER_SEC	1000000000ULL

/* Memory */
typedef unsigned int gfp_t;
#define GFP_KERNEL	0u
#define GFP_ATOMIC	1u

/*
 * Allocation failure injection, for tests of what a function does when
 * memory runs out (the kernel's fail-nth, which Debian's kernels lack):
 * kshim_allocs counts kmalloc() and kzalloc() calls; set kshim_fail_nth
 * to N > 0 and the Nth allocation from then on fails (returns NULL), once.
 * Weak, so that every file of a test shares one of each.
 */
__attribute__((weak)) unsigned long kshim_allocs;
__attribute__((weak)) unsigned long kshim_fail_nth;

static inline bool kshim_alloc_fails(void)
{
	kshim_allocs++;
	return kshim_fail_nth && !--kshim_fail_nth;
}

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return kshim_alloc_fails() ? NULL : malloc(size);
}

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return kshim_alloc_fails() ? NULL : calloc(1, size);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

/* Lists */
struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name)	{ &(name), &(name) }
#define LIST_HEAD(name)		struct list_head name = LIST_HEAD_INIT(name)

static inline void INIT_LIST_HEAD(struct list_head *list)
{
	list->next = list;
	list->prev = list;
}

static inline void __list_add(struct list_head *new, struct list_head *prev,
			      struct list_head *next)
{
	next->prev = new;
	new->next = next;
	new->prev = prev;
	prev->next = new;
}

static inline void list_add(struct list_head *new, struct list_head *head)
{
	__list_add(new, head, head->next);
}

static inline void list_add_tail(struct list_head *new, struct list_head *head)
{
	__list_add(new, head->prev, head);
}

static inline void __list_del_entry(struct list_head *entry)
{
	entry->next->prev = entry->prev;
	entry->prev->next = entry->next;
}

/* Like the kernel's poisoning: a stale entry crashes when followed. */
static inline void list_del(struct list_head *entry)
{
	__list_del_entry(entry);
	entry->next = NULL;
	entry->prev = NULL;
}

static inline void list_del_init(struct list_head *entry)
{
	__list_del_entry(entry);
	INIT_LIST_HEAD(entry);
}

static inline void list_move(struct list_head *entry, struct list_head *head)
{
	__list_del_entry(entry);
	list_add(entry, head);
}

static inline void list_move_tail(struct list_head *entry,
				  struct list_head *head)
{
	__list_del_entry(entry);
	list_add_tail(entry, head);
}

static inline bool list_empty(const struct list_head *head)
{
	return head->next == head;
}

#define list_entry(ptr, type, member)	container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) \
	list_entry((ptr)->next, type, member)
#define list_next_entry(pos, member) \
	list_entry((pos)->member.next, __typeof__(*(pos)), member)

#define list_for_each(pos, head) \
	for (pos = (head)->next; pos != (head); pos = pos->next)

#define list_for_each_entry(pos, head, member)				\
	for (pos = list_first_entry(head, __typeof__(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_next_entry(pos, member))

#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_first_entry(head, __typeof__(*pos), member),	\
	     n = list_next_entry(pos, member);				\
	     &pos->member != (head);					\
	     pos = n, n = list_next_entry(n, member))

/* Hash lists */
struct hlist_node {
	struct hlist_node *next, **pprev;
};

struct hlist_head {
	struct hlist_node *first;
};

static inline void INIT_HLIST_HEAD(struct hlist_head *h)
{
	h->first = NULL;
}

static inline void hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	n->next = h->first;
	if (h->first)
		h->first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}

static inline void hlist_del(struct hlist_node *n)
{
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
}

#define hlist_entry_safe(ptr, type, member) \
	({ __typeof__(ptr) ____ptr = (ptr); \
	   ____ptr ? container_of(____ptr, type, member) : NULL; })

#define hlist_for_each_entry(pos, head, member)				\
	for (pos = hlist_entry_safe((head)->first, __typeof__(*(pos)), member); \
	     pos;							\
	     pos = hlist_entry_safe((pos)->member.next, __typeof__(*(pos)), member))

/* Atomics and locks, single-threaded */
typedef struct {
	s64 counter;
} atomic64_t;

static inline s64 atomic64_read(const atomic64_t *v)
{
	return v->counter;
}

static inline void atomic64_set(atomic64_t *v, s64 i)
{
	v->counter = i;
}

typedef struct {
	int unused;
} spinlock_t;

#define spin_lock_init(l)	((void)(l))
#define spin_lock(l)		((void)(l))
#define spin_unlock(l)		((void)(l))
#define spin_lock_bh(l)		((void)(l))
#define spin_unlock_bh(l)	((void)(l))

/* RCU, single-threaded */
struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};

#define rcu_read_lock()			do { } while (0)
#define rcu_read_unlock()		do { } while (0)
#define rcu_read_lock_bh()		do { } while (0)
#define rcu_read_unlock_bh()		do { } while (0)
#define rcu_read_lock_held()		1
#define rcu_read_lock_bh_held()		1
#define lockdep_is_held(l)		((void)(l), 1)

#define rcu_dereference(p)			(p)
#define rcu_dereference_bh(p)			(p)
#define rcu_dereference_raw(p)			(p)
#define rcu_dereference_check(p, c)		((void)(c), (p))
#define rcu_dereference_protected(p, c)		((void)(c), (p))
#define rcu_access_pointer(p)			(p)
#define rcu_assign_pointer(p, v)		((p) = (v))
#define RCU_INIT_POINTER(p, v)			((p) = (v))

/* No reader can be inside the structure any more: free now. */
#define kfree_rcu(ptr, field)	kfree(ptr)

static inline void call_rcu(struct rcu_head *head,
			    void (*func)(struct rcu_head *head))
{
	func(head);
}

static inline void synchronize_rcu(void)
{
}

#endif /* _OVL_TESTS_KSHIM_H */
