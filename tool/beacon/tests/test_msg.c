// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the protocol logic: bcn_handle() on crafted datagrams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <linux/ovl.h>

#include "msg.h"

struct ctx {
	struct bcn_table	t;
	struct bcn_stats	st;
	struct bcn_out		out[BCN_MAX_OUT];
};

static int setup(void **state)
{
	static struct ctx c;

	memset(&c, 0, sizeof(c));
	if (bcn_table_init(&c.t, 4, 1000, 5))
		return -1;
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	bcn_table_free(&c->t);
	return 0;
}

static struct bcn_addr addr4(uint8_t last, uint16_t port)
{
	const uint8_t ip[4] = { 198, 51, 100, last };
	struct bcn_addr a;

	bcn_addr_set_v4(&a, ip, port);
	return a;
}

static struct bcn_addr addr6(uint8_t last, uint16_t port)
{
	struct bcn_addr a = { .ip = { 0x20, 0x01, 0x0d, 0xb8, [15] = last },
			      .port = port };

	return a;
}

static unsigned int send_id(struct ctx *c, const struct bcn_addr *src,
			    uint8_t type, uint32_t id, uint64_t now)
{
	uint8_t pkt[5] = { type, id >> 24, id >> 16, id >> 8, id };

	return bcn_handle(&c->t, &c->st, src, pkt, sizeof(pkt), now, c->out);
}

static void test_discover(void **state)
{
	struct ctx *c = *state;
	struct bcn_addr a = addr4(7, 0x1234), b = addr6(9, 0xabcd), got;
	const uint8_t want4[] = { OVL_MSG_DISCOVER_REPLY, 4, 198, 51, 100, 7,
				  0x12, 0x34 };
	uint8_t type;

	assert_int_equal(send_id(c, &a, OVL_MSG_DISCOVER, 1, 0), 1);
	assert_true(bcn_addr_equal(&c->out[0].dst, &a));
	assert_int_equal(c->out[0].len, sizeof(want4));
	assert_memory_equal(bcn_out_data(&c->out[0]), want4, sizeof(want4));

	assert_int_equal(send_id(c, &b, OVL_MSG_DISCOVER, 2, 0), 1);
	assert_int_equal(c->out[0].len, 20);
	assert_int_equal(bcn_out_data(&c->out[0])[1], 16);
	assert_int_equal(bcn_parse_addr_msg(bcn_out_data(&c->out[0]),
					    c->out[0].len, &type, &got), 0);
	assert_int_equal(type, OVL_MSG_DISCOVER_REPLY);
	assert_true(bcn_addr_equal(&got, &b));

	assert_int_equal(send_id(c, &a, OVL_MSG_DISCOVER, 1, 10), 1);
	assert_int_equal(c->st.registrations, 2);
	assert_int_equal(c->st.replies, 3);

	/* node id 0: a probe, answered, nothing registered */
	b = addr6(10, 40000);
	assert_int_equal(send_id(c, &b, OVL_MSG_DISCOVER, 0, 10), 1);
	assert_int_equal(c->out[0].len, 20);
	assert_int_equal(bcn_parse_addr_msg(bcn_out_data(&c->out[0]),
					    c->out[0].len, &type, &got), 0);
	assert_int_equal(type, OVL_MSG_DISCOVER_REPLY);
	assert_true(bcn_addr_equal(&got, &b));
	assert_true(bcn_addr_equal(&c->out[0].dst, &b));
	assert_int_equal(c->st.probes, 1);
	assert_int_equal(c->st.registrations, 2);
	assert_int_equal(c->st.replies, 4);
	assert_null(bcn_table_by_addr(&c->t, &b));
}

static void test_discover_cap(void **state)
{
	struct ctx *c = *state;
	struct bcn_addr a;
	uint8_t i;

	for (i = 1; i <= 4; i++) {
		a = addr4(i, i);
		assert_int_equal(send_id(c, &a, OVL_MSG_DISCOVER, i, 0), 1);
	}
	a = addr4(5, 5);
	assert_int_equal(send_id(c, &a, OVL_MSG_DISCOVER, 5, 0), 0);
	assert_int_equal(c->st.drop_table_full, 1);
	assert_int_equal(c->st.registrations, 4);
	/* rebinding still works at the cap */
	assert_int_equal(send_id(c, &a, OVL_MSG_DISCOVER, 4, 0), 1);
	assert_int_equal(c->st.rebinds, 1);
	a = addr4(5, 5);
	assert_int_equal(send_id(c, &a, OVL_MSG_DISCOVER, 6, 0), 1);
	assert_int_equal(c->st.moves, 1);
}

static void test_punch(void **state)
{
	struct ctx *c = *state;
	struct bcn_addr a = addr4(1, 100), b = addr6(2, 200), x = addr4(3, 3);
	struct bcn_addr got;
	uint8_t type;

	send_id(c, &a, OVL_MSG_DISCOVER, 10, 0);
	send_id(c, &b, OVL_MSG_DISCOVER, 20, 0);
	assert_int_equal(send_id(c, &a, OVL_MSG_PUNCH_REQUEST, 20, 0), 2);
	assert_true(bcn_addr_equal(&c->out[0].dst, &a));
	assert_int_equal(bcn_parse_addr_msg(bcn_out_data(&c->out[0]),
					    c->out[0].len, &type, &got), 0);
	assert_int_equal(type, OVL_MSG_PUNCH_COMMAND);
	assert_true(bcn_addr_equal(&got, &b));
	assert_true(bcn_addr_equal(&c->out[1].dst, &b));
	assert_int_equal(bcn_parse_addr_msg(bcn_out_data(&c->out[1]),
					    c->out[1].len, &type, &got), 0);
	assert_int_equal(type, OVL_MSG_PUNCH_COMMAND);
	assert_true(bcn_addr_equal(&got, &a));
	assert_int_equal(c->st.punches, 1);

	assert_int_equal(send_id(c, &x, OVL_MSG_PUNCH_REQUEST, 20, 0), 0);
	assert_int_equal(c->st.drop_unknown_src, 1);
	assert_int_equal(send_id(c, &a, OVL_MSG_PUNCH_REQUEST, 30, 0), 0);
	assert_int_equal(send_id(c, &a, OVL_MSG_PUNCH_REQUEST, 0, 0), 0);
	assert_int_equal(c->st.drop_unknown_dst, 2);
}

static void test_relay(void **state)
{
	struct ctx *c = *state;
	struct bcn_addr a = addr4(1, 100), b = addr4(2, 200), x = addr4(3, 3);
	uint8_t pkt[] = { OVL_MSG_RELAY, 0, 0, 0, 20, 0xde, 0xad, 0xbe };
	/* sender claims to be node 20 nowhere: src comes from the table */
	const uint8_t want[] = { OVL_MSG_RELAY_DELIVER, 0, 0, 0, 10, 0xde,
				 0xad, 0xbe };
	uint8_t forged[] = { OVL_MSG_RELAY, 0, 0, 0, 20, 1 };
	uint8_t empty[] = { OVL_MSG_RELAY, 0, 0, 0, 20 };
	uint8_t unknown[] = { OVL_MSG_RELAY, 0, 0, 0, 99, 1 };

	send_id(c, &a, OVL_MSG_DISCOVER, 10, 0);
	send_id(c, &b, OVL_MSG_DISCOVER, 20, 0);
	assert_int_equal(bcn_handle(&c->t, &c->st, &a, pkt, sizeof(pkt), 0,
				    c->out), 1);
	assert_true(bcn_addr_equal(&c->out[0].dst, &b));
	assert_ptr_equal(c->out[0].data, pkt);
	assert_int_equal(c->out[0].len, sizeof(want));
	assert_memory_equal(pkt, want, sizeof(want));
	assert_int_equal(c->st.relayed, 1);

	assert_int_equal(bcn_handle(&c->t, &c->st, &x, forged, sizeof(forged),
				    0, c->out), 0);
	assert_int_equal(c->st.drop_unknown_src, 1);
	assert_int_equal(forged[0], OVL_MSG_RELAY);	/* untouched */
	assert_int_equal(bcn_handle(&c->t, &c->st, &a, empty, sizeof(empty),
				    0, c->out), 0);
	assert_int_equal(c->st.drop_empty_relay, 1);
	assert_int_equal(bcn_handle(&c->t, &c->st, &a, unknown,
				    sizeof(unknown), 0, c->out), 0);
	assert_int_equal(c->st.drop_unknown_dst, 1);
	assert_int_equal(c->st.relayed, 1);
}

static void test_malformed(void **state)
{
	struct ctx *c = *state;
	struct bcn_addr a = addr4(1, 1);
	uint8_t buf[8] = { OVL_MSG_DISCOVER, 0, 0, 0, 1, 0 };
	uint8_t types[] = { 0, OVL_MSG_DISCOVER_REPLY, OVL_MSG_PUNCH_COMMAND,
			    OVL_MSG_RELAY_DELIVER, OVL_MSG_DATA, 0xff };
	size_t i;

	assert_int_equal(bcn_handle(&c->t, &c->st, &a, buf, 0, 0, c->out), 0);
	assert_int_equal(bcn_handle(&c->t, &c->st, &a, buf, 4, 0, c->out), 0);
	buf[0] = OVL_MSG_RELAY;
	assert_int_equal(bcn_handle(&c->t, &c->st, &a, buf, 1, 0, c->out), 0);
	assert_int_equal(c->st.drop_short, 3);
	buf[0] = OVL_MSG_DISCOVER;
	assert_int_equal(bcn_handle(&c->t, &c->st, &a, buf, 6, 0, c->out), 0);
	buf[0] = OVL_MSG_PUNCH_REQUEST;
	assert_int_equal(bcn_handle(&c->t, &c->st, &a, buf, 6, 0, c->out), 0);
	assert_int_equal(c->st.drop_bad_length, 2);
	for (i = 0; i < sizeof(types); i++) {
		buf[0] = types[i];
		assert_int_equal(bcn_handle(&c->t, &c->st, &a, buf, 8, 0,
					    c->out), 0);
	}
	assert_int_equal(c->st.drop_unknown_type, sizeof(types));
	assert_int_equal(c->t.count, 0);
}

static void test_parse_addr_msg(void **state)
{
	const uint8_t bad_len[] = { 2, 5, 1, 2, 3, 4, 5, 0, 0 };
	const uint8_t short4[] = { 2, 4, 1, 2, 3, 4, 5 };
	struct bcn_addr a;
	uint8_t type;

	(void)state;
	assert_int_equal(bcn_parse_addr_msg(bad_len, sizeof(bad_len), &type,
					    &a), -1);
	assert_int_equal(bcn_parse_addr_msg(short4, sizeof(short4), &type,
					    &a), -1);
	assert_int_equal(bcn_parse_addr_msg(short4, 1, &type, &a), -1);
}

static unsigned int send_at(struct ctx *c, const struct bcn_addr *src,
			    const struct bcn_addr *local, uint8_t *pkt,
			    size_t len)
{
	return bcn_handle_at(&c->t, &c->st, src, local, pkt, len, 0, c->out);
}

/*
 * Each output leaves from the beacon address its destination node talks
 * to: A asked on l1, B on l2, so whatever goes to B leaves from l2.
 */
static void test_local_address(void **state)
{
	struct bcn_addr a = addr4(1, 100), b = addr6(2, 200);
	struct bcn_addr l1 = addr4(201, 0), l2 = addr6(202, 0);
	uint8_t da[5] = { OVL_MSG_DISCOVER, 0, 0, 0, 1 };
	uint8_t db[5] = { OVL_MSG_DISCOVER, 0, 0, 0, 2 };
	uint8_t pr[5] = { OVL_MSG_PUNCH_REQUEST, 0, 0, 0, 2 };
	const uint8_t relay[7] = { OVL_MSG_RELAY, 0, 0, 0, 2, 'h', 'i' };
	uint8_t rl[7];
	struct ctx *c = *state;

	memcpy(rl, relay, sizeof(rl));
	assert_int_equal(send_at(c, &a, &l1, da, sizeof(da)), 1);
	assert_true(bcn_addr_equal(&c->out[0].src, &l1));
	assert_int_equal(send_at(c, &b, &l2, db, sizeof(db)), 1);
	assert_true(bcn_addr_equal(&c->out[0].src, &l2));
	assert_int_equal(send_at(c, &a, &l1, rl, sizeof(rl)), 1);
	assert_true(bcn_addr_equal(&c->out[0].dst, &b));
	assert_true(bcn_addr_equal(&c->out[0].src, &l2));
	assert_int_equal(send_at(c, &a, &l1, pr, sizeof(pr)), 2);
	assert_true(bcn_addr_equal(&c->out[0].src, &l1));
	assert_true(bcn_addr_equal(&c->out[1].src, &l2));
	/* B asks again on l1: from now on it is sent from l1 */
	assert_int_equal(send_at(c, &b, &l1, db, sizeof(db)), 1);
	memcpy(rl, relay, sizeof(rl));
	assert_int_equal(send_at(c, &a, &l1, rl, sizeof(rl)), 1);
	assert_true(bcn_addr_equal(&c->out[0].src, &l1));
}

/*
 * fe80::1 on link 2 and fe80::1 on link 3 are two nodes; replies carry
 * the scope id back (without it a link-local reply cannot be sent).
 */
static void test_scope_id(void **state)
{
	struct bcn_addr a = { .ip = { 0xfe, 0x80, [15] = 1 }, .port = 7,
			      .scope_id = 2 };
	struct bcn_addr b = a, got;
	uint8_t da[5] = { OVL_MSG_DISCOVER, 0, 0, 0, 1 };
	uint8_t db[5] = { OVL_MSG_DISCOVER, 0, 0, 0, 2 };
	uint8_t rl[7] = { OVL_MSG_RELAY, 0, 0, 0, 1, 'h', 'i' };
	struct ctx *c = *state;
	uint8_t type;

	b.scope_id = 3;
	assert_false(bcn_addr_equal(&a, &b));
	assert_int_equal(send_at(c, &a, NULL, da, sizeof(da)), 1);
	assert_int_equal(c->out[0].dst.scope_id, 2);
	assert_int_equal(send_at(c, &b, NULL, db, sizeof(db)), 1);
	assert_int_equal(c->out[0].dst.scope_id, 3);
	assert_int_equal(c->st.registrations, 2);
	assert_int_equal(c->t.count, 2);
	/* the wire format has no scope: the reflected address is plain */
	assert_int_equal(bcn_parse_addr_msg(bcn_out_data(&c->out[0]),
					    c->out[0].len, &type, &got), 0);
	assert_int_equal(got.scope_id, 0);
	assert_memory_equal(got.ip, b.ip, 16);
	/* B relays to A: delivered on A's link */
	assert_int_equal(send_at(c, &b, NULL, rl, sizeof(rl)), 1);
	assert_true(bcn_addr_equal(&c->out[0].dst, &a));
	assert_non_null(bcn_table_by_addr(&c->t, &a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_discover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discover_cap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_punch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup,
						teardown),
		cmocka_unit_test(test_parse_addr_msg),
		cmocka_unit_test_setup_teardown(test_local_address, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scope_id, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("beacon messages", tests, NULL,
					   NULL);
}
