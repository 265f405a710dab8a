// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the kernel's beacon protocol v2 parsers
 * (kmod/bauth.c and the address field of kmod/wire.c, built against
 * kmod/tests/kshim.h as the unit tests build them): DISCOVER_REPLY and
 * PUNCH_COMMAND come from the network and must be refused unless whole,
 * authentic and well formed.  The keys are fixed (k_up = 00..0f, k_down =
 * 10..1f, those of kmod/tests/test_bauth.c), so that the seeds can carry
 * valid MACs and the fuzzer reaches past the MAC check.  Beyond memory
 * safety (ASan, UBSan) it checks that what is accepted has a length the
 * spec lists, a MAC that verifies, an address of the right family, and
 * that the reply's address is one datagrams may go to; and that the
 * relay tag and the punch target filter run on any input.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovl_bauth_keys k;
	struct ovl_bauth_punch p;
	struct ovl_wire_addr a;
	u8 raw[OVL_BEACON_KEYS_LEN];
	unsigned int i, len = size;
	u64 seq;

	if (size > 256)
		return 0;
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = i;
	ovl_bauth_keys_load(&k, raw);

	if (!ovl_bauth_parse_reply(data, len, &k, &seq, &a)) {
		if ((len != OVL_BAUTH_REPLY4_LEN && len != OVL_BAUTH_REPLY6_LEN) ||
		    !ovl_bauth_mac_eq(data + len - 8,
				      ovl_bauth_mac(&k.down, data, len - 8)) ||
		    a.family != (len == OVL_BAUTH_REPLY4_LEN ? AF_INET : AF_INET6) ||
		    !ovl_wire_addr_ok(&a))
			abort();
	}
	if (!ovl_bauth_parse_punch(data, len, &k, &p)) {
		if ((len != OVL_BAUTH_PUNCH4_LEN && len != OVL_BAUTH_PUNCH6_LEN) ||
		    !ovl_bauth_mac_eq(data + len - 8,
				      ovl_bauth_mac(&k.down, data, len - 8)) ||
		    p.addr.family != (len == OVL_BAUTH_PUNCH4_LEN ? AF_INET : AF_INET6))
			abort();
		(void)ovl_bauth_punch_target_bad(&p.addr);
	}
	if (len >= 5)
		(void)ovl_bauth_relay_tag(&k.down, data[0], 0, data + 5, len - 5);
	return 0;
}
