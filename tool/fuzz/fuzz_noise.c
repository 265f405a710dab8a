// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the Noise IK message parser (daemon/noise.c).
 * The first byte of an input picks what the rest is:
 *
 *   0  message 1, read by a responder (any sender, as on the network)
 *   1  message 2, read by an initiator that has sent its message 1
 *   2  a payload for a whole handshake, tampered: byte 1 and 2 pick a
 *      message and a bit to flip; the flipped message must be refused
 *      and the genuine one then accepted, with its payload intact
 *
 * Keys and ephemerals are fixed, so that the seed corpus (made by
 * gen_seeds.c, which #includes this file) holds a genuine message 1 and 2
 * to mutate.  A violated property aborts; so does anything ASan or UBSan
 * catch.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "../daemon/noise.h"

#define FUZZ_MAX_PAYLOAD	1024

enum { MODE_READ1, MODE_READ2, MODE_TAMPER, MODE_COUNT };

static const uint8_t prologue[] = "ovl fuzz";

struct fixture {
	uint8_t i_priv[32], r_priv[32], r_pub[32];
	uint8_t i_eph[32], r_eph[32];
	uint8_t msg1[NOISE_IK_MSG1_OVERHEAD + 16];
	size_t len1;
	struct noise_handshake init_sent;	/* after writing msg1 */
};

static void fill(uint8_t *p, size_t len, uint8_t v)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(v + i);
}

static void check(int cond)
{
	if (!cond)
		abort();
}

static void init_fixture(struct fixture *f)
{
	static const uint8_t cert[16] = "fuzz certificate";

	check(sodium_init() >= 0);
	fill(f->i_priv, 32, 0x10);
	fill(f->r_priv, 32, 0x40);
	fill(f->i_eph, 32, 0x70);
	fill(f->r_eph, 32, 0xa0);
	check(!noise_x25519_public(f->r_pub, f->r_priv));
	check(!noise_ik_init(&f->init_sent, NOISE_INITIATOR, f->i_priv,
			     f->r_pub, prologue, sizeof(prologue)));
	check(!noise_ik_set_ephemeral(&f->init_sent, f->i_eph));
	check(!noise_ik_write(&f->init_sent, cert, sizeof(cert), f->msg1,
			      sizeof(f->msg1), &f->len1));
}

static const struct fixture *fixture(void)
{
	static struct fixture f;
	static int ready;

	if (!ready) {
		init_fixture(&f);
		ready = 1;
	}
	return &f;
}

static void responder(const struct fixture *f, struct noise_handshake *hs)
{
	check(!noise_ik_init(hs, NOISE_RESPONDER, f->r_priv, NULL, prologue,
			     sizeof(prologue)));
	check(!noise_ik_set_ephemeral(hs, f->r_eph));
}

/* On success, go on to the end: split (and reply) must work too. */
static void read1(const struct fixture *f, const uint8_t *d, size_t n)
{
	uint8_t pl[FUZZ_MAX_PAYLOAD], msg2[NOISE_IK_MSG2_OVERHEAD];
	struct noise_handshake hs;
	struct noise_session s;
	size_t len;

	responder(f, &hs);
	if (!noise_ik_read(&hs, d, n, pl, sizeof(pl), &len)) {
		check(len <= sizeof(pl) && noise_ik_remote_static(&hs));
		check(!noise_ik_write(&hs, NULL, 0, msg2, sizeof(msg2), &len));
		check(!noise_ik_split(&hs, &s));
		noise_session_wipe(&s);
	}
	noise_handshake_wipe(&hs);
}

static void read2(const struct fixture *f, const uint8_t *d, size_t n)
{
	struct noise_handshake hs = f->init_sent;
	uint8_t pl[FUZZ_MAX_PAYLOAD];
	struct noise_session s;
	size_t len;

	if (!noise_ik_read(&hs, d, n, pl, sizeof(pl), &len)) {
		check(len <= sizeof(pl));
		check(!noise_ik_split(&hs, &s));
		noise_session_wipe(&s);
	}
	noise_handshake_wipe(&hs);
}

/* Flip one bit of message `which`: refused, then the genuine accepted. */
static void tamper(const struct fixture *f, const uint8_t *d, size_t n)
{
	uint8_t m[2][NOISE_IK_MSG1_OVERHEAD + FUZZ_MAX_PAYLOAD];
	uint8_t bad[sizeof(m[0])], pl[FUZZ_MAX_PAYLOAD];
	struct noise_handshake init = f->init_sent, resp;
	size_t len[2], got, which, pos;

	if (n < 2 || n - 2 > FUZZ_MAX_PAYLOAD)
		return;
	which = d[0] & 1;
	responder(f, &resp);
	len[0] = f->len1;
	memcpy(m[0], f->msg1, f->len1);
	if (which == 1) {
		check(!noise_ik_read(&resp, m[0], len[0], pl, sizeof(pl),
				     &got));
		check(!noise_ik_write(&resp, d + 2, n - 2, m[1], sizeof(m[1]),
				      &len[1]));
	}
	pos = (size_t)d[1] * 8 + (d[0] >> 1);
	memcpy(bad, m[which], len[which]);
	bad[pos / 8 % len[which]] ^= (uint8_t)(1 << pos % 8);
	check(noise_ik_read(which ? &init : &resp, bad, len[which], pl,
			    sizeof(pl), &got) != 0);
	check(!noise_ik_read(which ? &init : &resp, m[which], len[which], pl,
			     sizeof(pl), &got));
	if (which == 1)
		check(got == n - 2 && !memcmp(pl, d + 2, got));
	noise_handshake_wipe(&init);
	noise_handshake_wipe(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fixture *f = fixture();

	if (size < 1)
		return 0;
	switch (data[0] % MODE_COUNT) {
	case MODE_READ1:
		read1(f, data + 1, size - 1);
		break;
	case MODE_READ2:
		read2(f, data + 1, size - 1);
		break;
	default:
		tamper(f, data + 1, size - 1);
		break;
	}
	return 0;
}
