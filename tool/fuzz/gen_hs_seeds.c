// SPDX-License-Identifier: GPL-2.0
/*
 * gen_hs_seeds DIR: write fuzz_handshake's seed corpus, the genuine INIT,
 * RESP and COOKIE of its fixed nodes in each mode, one file each.  It
 * #includes the harness to share its fixture.
 */

#include <stdio.h>

#include "fuzz_handshake.c"

static int put(const char *dir, const char *name, uint8_t mode,
	       const uint8_t *d, size_t n)
{
	char path[4096];
	FILE *fp;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (!fp) {
		perror(path);
		return -1;
	}
	ret = fputc(mode, fp) == EOF || fwrite(d, 1, n, fp) != n;
	if (fclose(fp) || ret) {
		perror(path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct fixture *f = fixture();

	if (argc != 2) {
		fprintf(stderr, "usage: gen_hs_seeds DIR\n");
		return 2;
	}
	return put(argv[1], "init", MODE_INIT, f->init, f->init_len) ||
	       put(argv[1], "init_mac1", MODE_INIT | FLAG_MAC1, f->init,
		   f->init_len) ||
	       put(argv[1], "init_load", MODE_INIT_LOAD, f->init,
		   f->init_len) ||
	       put(argv[1], "init_cookie", MODE_INIT_LOAD | FLAG_MAC1 |
		   FLAG_MAC2, f->init, f->init_len) ||
	       put(argv[1], "resp", MODE_RESP, f->resp, f->resp_len) ||
	       put(argv[1], "resp_mac1", MODE_RESP | FLAG_MAC1, f->resp,
		   f->resp_len) ||
	       put(argv[1], "cookie", MODE_COOKIE, f->cookie, f->cookie_len);
}
