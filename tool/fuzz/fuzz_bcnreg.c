// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the node's side of beacon protocol v2
 * (daemon/bcnreg.c): what arrives from the beacon's address (COOKIE,
 * REGISTER_OK, REREGISTER, or anything) is hostile until its MAC checks.
 * The input is a sequence of frames, each [len u8][frame], fed to one
 * registration at a clock that advances a second a frame, with a tick
 * between frames.  Beyond memory safety (ASan, UBSan) it checks that no
 * frame without the beacon's keys gets the node registered (the keys of a
 * REGISTER_OK cannot be guessed), that keys are zero whenever the node is
 * not registered, and that what it sends is a HELLO or a REGISTER of the
 * right length.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../daemon/bcnreg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t sk[crypto_sign_SECRETKEYBYTES];
static uint8_t cert[100];

static void check_out(size_t len, const uint8_t *out)
{
	if (!len)
		return;
	if (!(out[0] == OVL_MSG_HELLO && len == OVL_HELLO_LEN) &&
	    !(out[0] == OVL_MSG_REGISTER &&
	      len == BCN_REGISTER_MIN_LEN + sizeof(cert)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[BCN_MSG_MAX_LEN], pk[crypto_sign_PUBLICKEYBYTES];
	static bool ready;
	struct bcnreg r;
	uint64_t now = 1;
	size_t len, n;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		crypto_sign_keypair(pk, sk);
		ready = true;
	}
	bcnreg_init(&r, 0x01020304, sk, cert, sizeof(cert));
	bcnreg_start(&r, now);
	while (size) {
		check_out(bcnreg_tick(&r, now, out, sizeof(out)), out);
		n = data[0];
		data++;
		size--;
		if (n > size)
			n = size;
		if (bcnreg_input(&r, data, n, now, out, sizeof(out), &len) ==
		    BCNREG_R_KEYS)
			abort();
		check_out(len, out);
		if (r.state != BCNREG_DONE &&
		    !sodium_is_zero(r.keys, sizeof(r.keys)))
			abort();
		if (len > sizeof(out))
			abort();
		data += n;
		size -= n;
		now += BCN_NS_PER_SEC;
	}
	bcnreg_punch_request(&r, 7, out, sizeof(out));
	return 0;
}
