// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the beacon messages' address field (../wire.c): every
 * well-formed field round-trips, every malformed one (any truncation or
 * extension, a bad address length) is refused, and so is, by
 * ovl_wire_get_addr(), one that is well formed but names port 0 or an
 * address no datagram may go to.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "wire.h"

static struct ovl_wire_addr mk(int family, const char *ip, u16 port)
{
	struct ovl_wire_addr a;

	memset(&a, 0, sizeof(a));
	a.family = family;
	assert_int_equal(inet_pton(family, ip, a.ip), 1);
	a.port = htons(port);
	return a;
}

static void round_trip(void **state)
{
	struct ovl_wire_addr in[] = {
		mk(AF_INET, "192.0.2.7", 4500),
		mk(AF_INET6, "2001:db8::1", 1),
		mk(AF_INET6, "::ffff:198.51.100.1", 65535),
	};
	u8 msg[OVL_WIRE_ADDR_MAX];
	struct ovl_wire_addr out;
	unsigned int i, len;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(in); i++) {
		len = ovl_wire_put_field(msg, &in[i]);
		assert_int_equal(len, in[i].family == AF_INET ? 7 : 19);
		assert_int_equal(ovl_wire_get_addr(msg, len, &out), 0);
		assert_int_equal(out.family, in[i].family);
		assert_memory_equal(out.ip, in[i].ip, 16);
		assert_int_equal(out.port, in[i].port);
	}
}

static void every_wrong_length_refused(void **state)
{
	struct ovl_wire_addr a = mk(AF_INET6, "2001:db8::2", 9), out;
	u8 msg[64] = { 0 };
	unsigned int len, l;

	(void)state;
	len = ovl_wire_put_field(msg, &a);
	for (l = 0; l < sizeof(msg); l++) {
		assert_int_equal(ovl_wire_get_field(msg, l, &out) == 0, l == len);
		assert_int_equal(ovl_wire_get_addr(msg, l, &out) == 0, l == len);
	}
	for (l = 0; l < 256; l++) {
		msg[0] = l;
		if (l != 16)
			assert_int_equal(ovl_wire_get_field(msg, len, &out), -EINVAL);
	}
}

static void bad_addresses_refused(void **state)
{
	const struct ovl_wire_addr bad[] = {
		mk(AF_INET, "0.0.0.0", 1),
		mk(AF_INET, "224.0.0.1", 1),
		mk(AF_INET, "239.255.255.255", 1),
		mk(AF_INET, "255.255.255.255", 1),
		mk(AF_INET, "240.0.0.1", 1),
		mk(AF_INET6, "::", 1),
		mk(AF_INET6, "ff02::1", 1),
		mk(AF_INET, "192.0.2.1", 0),
	};
	u8 msg[OVL_WIRE_ADDR_MAX];
	struct ovl_wire_addr out;
	unsigned int i, len;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		len = ovl_wire_put_field(msg, &bad[i]);
		/* Well formed: the field parses; no datagram may go there. */
		assert_int_equal(ovl_wire_get_field(msg, len, &out), 0);
		assert_false(ovl_wire_addr_ok(&out));
		assert_int_equal(ovl_wire_get_addr(msg, len, &out), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(every_wrong_length_refused),
		cmocka_unit_test(bad_addresses_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
