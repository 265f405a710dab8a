// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the [tunnel NAME] section parser (tunnel/conf.c):
 * the daemon's config file is written by people and forwarded here key by
 * key, so a reload must never crash the daemon.  The input is lines of
 * "KEY=VALUE"; beyond memory safety (ASan, UBSan) it checks that a refusal
 * always says why, that every accepted backend has a weight >= 1 and
 * appears once, and that WRR over what was accepted always picks a valid
 * backend, each in proportion to its weight over one full cycle.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../parse.h"
#include "../tunnel/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tunnel_conf c;
	char *buf, *line, *save = NULL;
	char err[TUNNEL_ERR_LEN];
	unsigned int i, j;
	long long total = 0;
	int weights[TUNNEL_MAX_BACKENDS];
	long long count[TUNNEL_MAX_BACKENDS] = {};
	struct wrr w;

	if (size > 65536)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (tunnel_conf_init(&c, "fuzz"))
		abort();
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = '\0';
		err[0] = '\0';
		if (tunnel_conf_set(&c, line, eq + 1, err, sizeof(err)) &&
		    !err[0])
			abort();
	}
	free(buf);
	err[0] = '\0';
	if (tunnel_conf_check(&c, err, sizeof(err)) && !err[0])
		abort();
	if (c.n_backends > TUNNEL_MAX_BACKENDS)
		abort();
	for (i = 0; i < c.n_backends; i++) {
		if (c.backends[i].weight < 1)
			abort();
		for (j = 0; j < i; j++)
			if (endpoint_equal(&c.backends[i].addr,
					      &c.backends[j].addr))
				abort();
		weights[i] = c.backends[i].weight;
		total += weights[i];
	}
	if (!c.n_backends || total > 100000)
		return 0;
	wrr_init(&w, weights, c.n_backends);
	for (i = 0; i < total; i++) {
		int k = wrr_next(&w, NULL);

		if (k < 0 || (unsigned int)k >= c.n_backends)
			abort();
		count[k]++;
	}
	for (i = 0; i < c.n_backends; i++)
		if (count[i] != weights[i])
			abort();
	return 0;
}
