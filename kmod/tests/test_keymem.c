// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the key memory (../keymem.c), built in userspace through
 * kshim.h: bytes installed again resume their counters and their replay
 * state, live installs share one entry, released entries are bounded and
 * forgotten least recently released first, and the message limit counts
 * from where the bytes started.  AddressSanitizer checks that every entry
 * and window is freed exactly once.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "keymem.h"

#define NOLIMIT		UINT64_MAX
#define START		(1ULL << 56)	/* about where the wall clock puts it */

static struct ovl_kmem_table table;

static struct ovl_kmem *fresh(u64 id, u64 start)
{
	struct ovl_kmem *m = malloc(sizeof(*m));
	struct ovl_replay *rx = malloc(sizeof(*rx));

	assert_non_null(m);
	assert_non_null(rx);
	ovl_kmem_prepare(m, id, start, rx);
	return m;
}

static struct ovl_kmem *get(u64 id, u64 start)
{
	return ovl_kmem_acquire(&table, fresh(id, start));
}

static u64 tx_next(struct ovl_kmem *m)
{
	return (u64)atomic64_read(&m->tx_next);
}

/* What the sender does: claim @n counters. */
static void send_n(struct ovl_kmem *m, u64 n)
{
	atomic64_set(&m->tx_next, (s64)(tx_next(m) + n));
}

static int setup(void **state)
{
	(void)state;
	ovl_kmem_table_init(&table, 4);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(ovl_kmem_table_flush(&table), 0);
	return 0;
}

static void test_fresh(void **state)
{
	struct ovl_kmem *m = get(1, START);

	(void)state;
	assert_int_equal(m->users, 1);
	assert_int_equal(tx_next(m), START);
	assert_int_equal(m->tx_start, START);
	assert_false(m->rx_seen);
	assert_true(ovl_kmem_rx_check(m, 7, NOLIMIT));
	ovl_kmem_release(&table, m);
}

/* The same bytes in two live keys: one entry, one counter sequence. */
static void test_shared_while_live(void **state)
{
	struct ovl_kmem *a = get(1, START), *b;

	(void)state;
	send_n(a, 10);
	assert_true(ovl_kmem_rx_check(a, 500, NOLIMIT));
	b = get(1, START + 1000);
	assert_ptr_equal(a, b);
	assert_int_equal(a->users, 2);
	assert_int_equal(tx_next(b), START + 10);
	assert_false(ovl_kmem_rx_check(b, 500, NOLIMIT));
	ovl_kmem_release(&table, a);
	assert_int_equal(table.nr_released, 0);
	assert_non_null(b->rx);
	ovl_kmem_release(&table, b);
	assert_int_equal(table.nr_released, 1);
	assert_null(b->rx);
}

/* Released, then installed again: both directions resume. */
static void test_resume(void **state)
{
	struct ovl_kmem *m = get(9, START), *again;
	u64 c;

	(void)state;
	send_n(m, 100);
	for (c = START + 3; c < START + 60; c += 2)
		assert_true(ovl_kmem_rx_check(m, c, NOLIMIT));
	ovl_kmem_release(&table, m);
	assert_int_equal(table.nr_released, 1);

	/* A later install starts later: the memory wins, not the start. */
	again = get(9, START + 5000);
	assert_ptr_equal(again, m);
	assert_int_equal(table.nr_released, 0);
	assert_int_equal(again->users, 1);
	assert_int_equal(tx_next(again), START + 100);
	assert_int_equal(again->tx_start, START);
	/* Everything up to the highest counter accepted is refused now,
	 * even what the old window had not seen. */
	for (c = START; c <= START + 59; c++)
		assert_false(ovl_kmem_rx_check(again, c, NOLIMIT));
	assert_true(ovl_kmem_rx_check(again, START + 60, NOLIMIT));
	assert_false(ovl_kmem_rx_check(again, START + 60, NOLIMIT));
	assert_true(ovl_kmem_rx_check(again, START + 1000, NOLIMIT));
	ovl_kmem_release(&table, again);

	/* An earlier start (the clock stepped back) changes nothing. */
	again = get(9, 1);
	assert_int_equal(tx_next(again), START + 100);
	assert_false(ovl_kmem_rx_check(again, START + 1000, NOLIMIT));
	ovl_kmem_release(&table, again);
}

/* Bytes that never received keep an empty window across a release. */
static void test_resume_unseen(void **state)
{
	struct ovl_kmem *m = get(3, START);

	(void)state;
	ovl_kmem_release(&table, m);
	m = get(3, START);
	assert_false(m->rx_seen);
	assert_true(ovl_kmem_rx_check(m, 0, NOLIMIT));
	ovl_kmem_release(&table, m);
}

/* At most max_released entries are kept; the least recently released goes. */
static void test_lru_bound(void **state)
{
	struct ovl_kmem *m[6];
	u64 id;

	(void)state;
	for (id = 1; id <= 4; id++) {
		m[id] = get(id, START);
		send_n(m[id], id);
		ovl_kmem_release(&table, m[id]);
	}
	assert_int_equal(table.nr_released, 4);
	/* Using 1 again makes it the most recently released. */
	ovl_kmem_release(&table, get(1, START));
	m[5] = get(5, START);
	ovl_kmem_release(&table, m[5]);
	assert_int_equal(table.nr_released, 4);
	/* 2 was the least recently released: forgotten, starts afresh. */
	m[2] = get(2, START + 77);
	assert_int_equal(tx_next(m[2]), START + 77);
	assert_int_equal(table.nr_released, 4);
	ovl_kmem_release(&table, m[2]);	/* pushes out 3 */
	m[1] = get(1, START + 77);
	assert_int_equal(tx_next(m[1]), START + 1);
	m[4] = get(4, START + 77);
	assert_int_equal(tx_next(m[4]), START + 4);
	m[3] = get(3, START + 77);
	assert_int_equal(tx_next(m[3]), START + 77);
	ovl_kmem_release(&table, m[1]);
	ovl_kmem_release(&table, m[3]);
	ovl_kmem_release(&table, m[4]);
}

/* Live entries are never pushed out, however many are released. */
static void test_live_kept(void **state)
{
	struct ovl_kmem *live = get(1000, START), *m;
	u64 id;

	(void)state;
	send_n(live, 42);
	for (id = 1; id <= 50; id++)
		ovl_kmem_release(&table, get(id, START));
	assert_int_equal(table.nr_released, 4);
	m = get(1000, START + 9);
	assert_ptr_equal(m, live);
	assert_int_equal(tx_next(m), START + 42);
	ovl_kmem_release(&table, m);
	assert_int_equal(ovl_kmem_table_flush(&table), 1);
	ovl_kmem_release(&table, live);
}

/* The receiving limit counts from the first counter accepted. */
static void test_rx_limit(void **state)
{
	struct ovl_kmem *m = get(1, START);

	(void)state;
	assert_true(ovl_kmem_rx_check(m, START + 1000, 10));
	assert_true(ovl_kmem_rx_check(m, START + 1009, 10));
	assert_false(ovl_kmem_rx_check(m, START + 1010, 10));
	/* Older than the first, still within the window: accepted once. */
	assert_true(ovl_kmem_rx_check(m, START + 995, 10));
	assert_false(ovl_kmem_rx_check(m, START + 995, 10));
	ovl_kmem_release(&table, m);
	/* The start survives a release. */
	m = get(1, START);
	assert_false(ovl_kmem_rx_check(m, START + 1010, 10));
	ovl_kmem_release(&table, m);

	/* A limit of 0 accepts nothing; the last counter never. */
	m = get(2, START);
	assert_false(ovl_kmem_rx_check(m, START, 0));
	assert_false(m->rx_seen);
	assert_false(ovl_kmem_rx_check(m, UINT64_MAX, NOLIMIT));
	assert_true(ovl_kmem_rx_check(m, UINT64_MAX - 1, NOLIMIT));
	ovl_kmem_release(&table, m);
}

static void test_end(void **state)
{
	(void)state;
	assert_int_equal(ovl_kmem_end(START, 50), START + 50);
	assert_int_equal(ovl_kmem_end(0, 50), 50);
	assert_int_equal(ovl_kmem_end(START, UINT64_MAX - 8192), UINT64_MAX);
	assert_int_equal(ovl_kmem_end(UINT64_MAX, 1), UINT64_MAX);
	assert_int_equal(ovl_kmem_end(UINT64_MAX - 10, 10), UINT64_MAX);
	assert_int_equal(ovl_kmem_end(UINT64_MAX - 10, 9), UINT64_MAX - 1);
}

static void test_discard(void **state)
{
	(void)state;
	ovl_kmem_discard(fresh(1, START));
	ovl_kmem_discard(NULL);
	assert_int_equal(table.nr_released, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_while_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_unseen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lru_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discard, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
