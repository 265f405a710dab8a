// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the pure tunnel code (tunnel/conf.c): the [tunnel NAME]
 * key/value parser and its defaults, backends and weights, and smooth
 * weighted round-robin against an independent model of the rule, with
 * reload keeping the current weights of the backends that remain.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "../tunnel/conf.h"

static struct tunnel_conf c;
static char err[TUNNEL_ERR_LEN];

static int set(const char *k, const char *v)
{
	err[0] = '\0';
	return tunnel_conf_set(&c, k, v, err, sizeof(err));
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(tunnel_conf_init(&c, "db"), 0);
	assert_int_equal(c.idle_timeout, 90);
	assert_int_equal(c.max_conns, 1000);
	assert_int_equal(c.dial_timeout, 10);
	assert_int_equal(c.pool, 8);
	assert_true(c.drain_timeout > 0);
	assert_int_equal(c.n_backends, 0);
	assert_int_equal(tunnel_conf_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "listen"));
	assert_int_equal(tunnel_conf_init(&c, ""), -1);
	assert_int_equal(tunnel_conf_init(&c, "a b"), -1);
	assert_int_equal(tunnel_conf_init(&c, "a]"), -1);
	assert_int_equal(tunnel_conf_init(&c, "web-1.a_b"), 0);
}

static void test_section(void **state)
{
	const struct sockaddr_in *sin;

	(void)state;
	tunnel_conf_init(&c, "db");
	assert_int_equal(set("listen", "127.0.0.1:5432"), 0);
	assert_int_equal(set("backend", "10.77.0.2:5432@5, 10.77.0.3:5432@1"),
			 0);
	assert_int_equal(set("idle-timeout", "90"), 0);
	assert_int_equal(tunnel_conf_check(&c, err, sizeof(err)), 0);
	assert_int_equal(c.n_backends, 2);
	assert_int_equal(c.backends[0].weight, 5);
	assert_int_equal(c.backends[1].weight, 1);
	sin = (const void *)&c.backends[1].addr;
	assert_int_equal(ntohs(sin->sin_port), 5432);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0x0a4d0003);
	/* backend lines add up */
	assert_int_equal(set("backend", "[fd00::1]:80"), 0);
	assert_int_equal(c.n_backends, 3);
	assert_int_equal(c.backends[2].weight, 1);
	assert_int_equal(c.backends[2].addr.ss_family, AF_INET6);
	/* a repeat is refused, the list unchanged */
	assert_int_equal(set("backend", "10.0.0.9:1, 10.77.0.2:5432"), -1);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(c.n_backends, 3);
	assert_int_equal(set("max-conns", "5"), 0);
	assert_int_equal(c.max_conns, 5);
	assert_int_equal(set("dial-timeout", "3"), 0);
	assert_int_equal(set("pool", "0"), 0);
	assert_int_equal(c.pool, 0);
	assert_int_equal(set("idle-timeout", "0"), 0);
	assert_int_equal(set("drain-timeout", "7"), 0);
	assert_int_equal(c.drain_timeout, 7);
}

static void test_bad_values(void **state)
{
	static const char *const bad[][2] = {
		{ "listen", "127.0.0.1" }, { "listen", "localhost:80" },
		{ "listen", "1.2.3.4:0" }, { "listen", "1.2.3.4:65536" },
		{ "backend", "" }, { "backend", "1.2.3.4:80@" },
		{ "backend", "1.2.3.4:80@x" }, { "backend", "1.2.3.4:80@1x" },
		{ "backend", "1.2.3.4:80@ 1" }, { "backend", "1.2.3.4:80,," },
		{ "backend", "1.2.3.4:80@99999999999" },
		{ "backend", "host:80" }, { "idle-timeout", "-1" },
		{ "idle-timeout", "1s" }, { "max-conns", "0" },
		{ "dial-timeout", "0" }, { "pool", "65" }, { "pool", "" },
		{ "tls-cert", "" }, { "frobnicate", "1" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tunnel_conf_init(&c, "t");
		if (set(bad[i][0], bad[i][1]) != -1)
			fail_msg("%s = '%s' accepted", bad[i][0], bad[i][1]);
		assert_true(err[0]);
	}
}

static void test_weights(void **state)
{
	struct tunnel_backend_conf b;

	(void)state;
	assert_int_equal(tunnel_backend_parse("1.2.3.4:80", &b), 0);
	assert_int_equal(b.weight, 1);
	assert_int_equal(tunnel_backend_parse("1.2.3.4:80@0", &b), 0);
	assert_int_equal(b.weight, 1);
	assert_int_equal(tunnel_backend_parse("1.2.3.4:80@-4", &b), 0);
	assert_int_equal(b.weight, 1);
	assert_int_equal(tunnel_backend_parse("1.2.3.4:80@+7", &b), 0);
	assert_int_equal(b.weight, 7);
	assert_int_equal(tunnel_backend_parse("[::1]:80@12", &b), 0);
	assert_int_equal(b.weight, 12);
}

static void test_tls_pairs(void **state)
{
	(void)state;
	tunnel_conf_init(&c, "t");
	set("listen", "127.0.0.1:1");
	set("backend", "127.0.0.1:2");
	assert_int_equal(set("tls-cert", "/c.pem"), 0);
	assert_int_equal(tunnel_conf_check(&c, err, sizeof(err)), -1);
	assert_int_equal(set("tls-key", "/k.pem"), 0);
	assert_int_equal(tunnel_conf_check(&c, err, sizeof(err)), 0);
	tunnel_conf_init(&c, "t");
	set("listen", "127.0.0.1:1");
	set("backend", "127.0.0.1:2");
	assert_int_equal(set("tls-client-ca", "/ca.pem"), 0);
	assert_int_equal(tunnel_conf_check(&c, err, sizeof(err)), -1);
}

/*
 * The model: the rule as issue 12 states it, kept apart from conf.c's
 * code: add weights, take the largest current (first on a tie), subtract
 * the total.
 */
static void model(const int *w, int n, long long *cur, int picks, int *out)
{
	int i, k, best;

	for (k = 0; k < picks; k++) {
		long long total = 0;

		best = 0;
		for (i = 0; i < n; i++) {
			cur[i] += w[i] > 0 ? w[i] : 1;
			total += w[i] > 0 ? w[i] : 1;
		}
		for (i = 1; i < n; i++)
			if (cur[i] > cur[best])
				best = i;
		cur[best] -= total;
		out[k] = best;
	}
}

static void test_wrr_issue_example(void **state)
{
	const int w[] = { 5, 1, 1 };
	const char *want = "AABACAAAABACAA";
	struct wrr r;
	int i;

	(void)state;
	wrr_init(&r, w, 3);
	for (i = 0; want[i]; i++)
		assert_int_equal(wrr_next(&r, NULL), want[i] - 'A');
}

static void test_wrr_model(void **state)
{
	static const int sets[][6] = {
		{ 5, 1, 1 }, { 1, 1, 1 }, { 3, 2 }, { 0, -1, 2 }, { 1 },
		{ 2, 5, 3, 1 }, { 10, 1, 1, 1, 1, 7 }, { 4, 4 },
	};
	static const int lens[] = { 3, 3, 2, 3, 1, 4, 6, 2 };
	size_t s;

	(void)state;
	for (s = 0; s < sizeof(lens) / sizeof(lens[0]); s++) {
		long long cur[6] = {};
		int out[200], k;
		struct wrr r;

		wrr_init(&r, sets[s], lens[s]);
		model(sets[s], lens[s], cur, 200, out);
		for (k = 0; k < 200; k++)
			assert_int_equal(wrr_next(&r, NULL), out[k]);
	}
}

static void test_wrr_usable(void **state)
{
	const int w[] = { 5, 1, 1 };
	uint64_t usable = 0x6;	/* A down */
	struct wrr r;
	int k;

	(void)state;
	wrr_init(&r, w, 3);
	for (k = 0; k < 10; k++)
		assert_int_not_equal(wrr_next(&r, &usable), 0);
	usable = 0;
	assert_int_equal(wrr_next(&r, &usable), -1);
}

static void test_wrr_update(void **state)
{
	const int w[] = { 5, 1, 1 }, w2[] = { 1, 5, 2 };
	const int old[] = { 2, 0, -1 };	/* C stays, A stays, D is new */
	long long cur[3];
	int out[50], k;
	struct wrr r;

	(void)state;
	wrr_init(&r, w, 3);
	for (k = 0; k < 3; k++)
		wrr_next(&r, NULL);
	cur[0] = r.current[2];
	cur[1] = r.current[0];
	cur[2] = 0;
	wrr_update(&r, w2, old, 3);
	assert_int_equal(r.current[0], cur[0]);
	assert_int_equal(r.current[1], cur[1]);
	assert_int_equal(r.current[2], 0);
	assert_int_equal(r.weight[1], 5);
	model(w2, 3, cur, 50, out);
	for (k = 0; k < 50; k++)
		assert_int_equal(wrr_next(&r, NULL), out[k]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_section),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_tls_pairs),
		cmocka_unit_test(test_wrr_issue_example),
		cmocka_unit_test(test_wrr_model),
		cmocka_unit_test(test_wrr_usable),
		cmocka_unit_test(test_wrr_update),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
