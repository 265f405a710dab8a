// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper of test_v2.py: "mkcert CA-SEED-HEX NODE-ID NODE-PK-HEX
 * NOT-BEFORE NOT-AFTER" prints the binary certificate (hex) that the CA
 * of that Ed25519 seed signs for the node, with cert.c as ovlctl does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../../daemon/cert.h"

static int unhex(const char *s, uint8_t *out, size_t n)
{
	size_t len;

	return sodium_hex2bin(out, n, s, strlen(s), NULL, &len, NULL) ||
	       len != n ? -1 : 0;
}

int main(int argc, char **argv)
{
	uint8_t seed[32], pk[32], sk[64], buf[CERT_MAX_LEN];
	char hex[2 * CERT_MAX_LEN + 1];
	struct cert c = { 0 };
	const char *why = NULL;
	char pfx[32];
	int len;

	if (argc != 6 || sodium_init() < 0 || unhex(argv[1], seed, 32) ||
	    unhex(argv[3], c.public_key, 32)) {
		fprintf(stderr, "usage: mkcert CA-SEED-HEX NODE-ID NODE-PK-HEX NOT-BEFORE NOT-AFTER\n");
		return 2;
	}
	crypto_sign_seed_keypair(pk, sk, seed);
	c.node_id = strtoul(argv[2], NULL, 10);
	c.not_before = strtoull(argv[4], NULL, 10);
	c.not_after = strtoull(argv[5], NULL, 10);
	snprintf(pfx, sizeof(pfx), "10.%u.%u.%u/32", (c.node_id >> 16) & 0xff,
		 (c.node_id >> 8) & 0xff, c.node_id & 0xff);
	if (parse_cidr(pfx, &c.addrs[0]))
		return 1;
	c.n_addrs = 1;
	if (cert_sign(&c, sk, &why)) {
		fprintf(stderr, "mkcert: %s\n", why ? why : "cannot sign");
		return 1;
	}
	len = cert_encode(&c, buf, sizeof(buf));
	if (len < 0)
		return 1;
	sodium_bin2hex(hex, sizeof(hex), buf, len);
	puts(hex);
	return 0;
}
