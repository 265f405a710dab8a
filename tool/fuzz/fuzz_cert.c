// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the certificate decoder (daemon/cert.c): the
 * bytes of a certificate come from the network inside a Noise handshake,
 * and from files.  Beyond memory safety (ASan, UBSan) it checks that the
 * format is canonical: whatever decodes re-encodes to the very same bytes,
 * and covers each of its own addresses.  Input starting with '-' also goes
 * through the armor decoder.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *data, size_t size)
{
	uint8_t out[CERT_MAX_LEN];
	const char *why = NULL;
	struct cert c;
	unsigned int i;
	int len;

	if (cert_decode(data, size, &c, &why) != CERT_OK) {
		if (!why)
			abort();
		return;
	}
	len = cert_encode(&c, out, sizeof(out));
	if (len < 0 || (size_t)len != size || memcmp(out, data, size))
		abort();
	for (i = 0; i < c.n_addrs; i++)
		if (!cert_covers(&c, &c.addrs[i]))
			abort();
	/* Signature checks on whatever decodes: refused or not, no crash. */
	if (cert_verify(&c, c.issuer, c.not_before) == CERT_MALFORMED)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t bin[CERT_MAX_LEN];
	const char *why;
	size_t n;

	check(data, size);
	if (size && data[0] == '-' &&
	    !cert_dearmor((const char *)data, size, bin, sizeof(bin), &n,
			  &why))
		check(bin, n);
	return 0;
}
