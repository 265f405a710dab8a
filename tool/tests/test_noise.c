// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of daemon/noise.c for what the test vectors do not cover:
 * a handshake with random ephemerals and payloads both ways, tampered,
 * truncated, oversized and misdirected messages, low-order keys, misuse
 * of the state machine, nonce exhaustion, Ed25519 key conversion and the
 * HMAC itself.  It #includes noise.c to reach hmac().
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../daemon/noise.c"

struct keys {
	uint8_t i_priv[32], i_pub[32];	/* initiator's static */
	uint8_t r_priv[32], r_pub[32];	/* responder's static */
};

struct pair {
	struct noise_handshake init, resp;
	uint8_t msg1[256], msg2[256];
	size_t len1, len2;
};

static const uint8_t cert_i[] = "initiator's certificate";
static const uint8_t cert_r[] = "responder's certificate, longer";
static const uint8_t prologue[] = "ovl v1";

static void make_keys(struct keys *k)
{
	randombytes_buf(k->i_priv, 32);
	randombytes_buf(k->r_priv, 32);
	assert_int_equal(noise_x25519_public(k->i_pub, k->i_priv), 0);
	assert_int_equal(noise_x25519_public(k->r_pub, k->r_priv), 0);
}

static void pair_init(struct pair *p, const struct keys *k)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(noise_ik_init(&p->init, NOISE_INITIATOR, k->i_priv,
				       k->r_pub, prologue, sizeof(prologue)),
			 0);
	assert_int_equal(noise_ik_init(&p->resp, NOISE_RESPONDER, k->r_priv,
				       NULL, prologue, sizeof(prologue)), 0);
}

static void write1_of(struct pair *p)
{
	assert_int_equal(noise_ik_write(&p->init, cert_i, sizeof(cert_i),
					p->msg1, sizeof(p->msg1), &p->len1), 0);
	assert_int_equal(p->len1, NOISE_IK_MSG1_OVERHEAD + sizeof(cert_i));
}

static void read1_of(struct pair *p)
{
	uint8_t pl[64];
	size_t n;

	assert_int_equal(noise_ik_read(&p->resp, p->msg1, p->len1, pl,
				       sizeof(pl), &n), 0);
	assert_memory_equal(pl, cert_i, sizeof(cert_i));
	assert_int_equal(n, sizeof(cert_i));
}

static void write2_of(struct pair *p)
{
	assert_int_equal(noise_ik_write(&p->resp, cert_r, sizeof(cert_r),
					p->msg2, sizeof(p->msg2), &p->len2), 0);
	assert_int_equal(p->len2, NOISE_IK_MSG2_OVERHEAD + sizeof(cert_r));
}

static void read2_of(struct pair *p)
{
	uint8_t pl[64];
	size_t n;

	assert_int_equal(noise_ik_read(&p->init, p->msg2, p->len2, pl,
				       sizeof(pl), &n), 0);
	assert_int_equal(n, sizeof(cert_r));
	assert_memory_equal(pl, cert_r, sizeof(cert_r));
}

static void split(struct pair *p, struct noise_session *si,
		  struct noise_session *sr)
{
	assert_int_equal(noise_ik_split(&p->init, si), 0);
	assert_int_equal(noise_ik_split(&p->resp, sr), 0);
}

/* A transport message each way, and its replay refused. */
static void talk(struct noise_session *a, struct noise_session *b)
{
	uint8_t ct[64], pt[64];
	size_t n, m;

	assert_int_equal(noise_cipher_encrypt(&a->send, NULL, 0,
					      (const uint8_t *)"ping", 4, ct,
					      sizeof(ct), &n), 0);
	assert_int_equal(n, 4 + NOISE_TAG_LEN);
	assert_int_equal(noise_cipher_decrypt(&b->recv, NULL, 0, ct, n, pt,
					      sizeof(pt), &m), 0);
	assert_int_equal(m, 4);
	assert_memory_equal(pt, "ping", 4);
	assert_int_equal(noise_cipher_decrypt(&b->recv, NULL, 0, ct, n, pt,
					      sizeof(pt), &m), -EBADMSG);
	assert_int_equal(noise_cipher_encrypt(&b->send, NULL, 0,
					      (const uint8_t *)"pong", 4, ct,
					      sizeof(ct), &n), 0);
	assert_int_equal(noise_cipher_decrypt(&a->recv, NULL, 0, ct, n, pt,
					      sizeof(pt), &m), 0);
	assert_memory_equal(pt, "pong", 4);
}

static void test_handshake(void **state)
{
	struct noise_session si, sr;
	struct keys k;
	struct pair p;
	const uint8_t *rs;
	static const uint8_t zero[sizeof(p.init)];

	(void)state;
	make_keys(&k);
	pair_init(&p, &k);
	assert_null(noise_ik_remote_static(&p.resp));
	write1_of(&p);
	read1_of(&p);
	rs = noise_ik_remote_static(&p.resp);
	assert_non_null(rs);
	assert_true(noise_key_equal(rs, k.i_pub));
	write2_of(&p);
	read2_of(&p);
	split(&p, &si, &sr);

	assert_memory_equal(si.hash, sr.hash, NOISE_HASH_LEN);
	assert_memory_equal(si.send.k, sr.recv.k, NOISE_KEY_LEN);
	assert_memory_equal(si.recv.k, sr.send.k, NOISE_KEY_LEN);
	assert_memory_not_equal(si.send.k, si.recv.k, NOISE_KEY_LEN);
	assert_memory_equal(si.remote_static, k.r_pub, 32);
	assert_memory_equal(sr.remote_static, k.i_pub, 32);
	/* Split wiped both handshakes. */
	assert_memory_equal(&p.init, zero, sizeof(zero));
	assert_memory_equal(&p.resp, zero, sizeof(zero));
	talk(&si, &sr);
	noise_session_wipe(&si);
	noise_session_wipe(&sr);
}

/* Fresh ephemerals: the same two parties never agree on the same keys. */
static void test_fresh_ephemerals(void **state)
{
	struct noise_session s1, r1, s2, r2;
	struct keys k;
	struct pair p;

	(void)state;
	make_keys(&k);
	pair_init(&p, &k);
	write1_of(&p);
	read1_of(&p);
	write2_of(&p);
	read2_of(&p);
	split(&p, &s1, &r1);
	pair_init(&p, &k);
	write1_of(&p);
	read1_of(&p);
	write2_of(&p);
	read2_of(&p);
	split(&p, &s2, &r2);
	assert_memory_not_equal(s1.send.k, s2.send.k, NOISE_KEY_LEN);
	assert_memory_not_equal(s1.hash, s2.hash, NOISE_HASH_LEN);
}

static void test_empty_payloads(void **state)
{
	struct noise_session si, sr;
	uint8_t m1[NOISE_IK_MSG1_OVERHEAD], m2[NOISE_IK_MSG2_OVERHEAD];
	size_t n1, n2, n;
	struct keys k;
	struct pair p;

	(void)state;
	make_keys(&k);
	pair_init(&p, &k);
	assert_int_equal(noise_ik_write(&p.init, NULL, 0, m1, sizeof(m1),
					&n1), 0);
	assert_int_equal(n1, sizeof(m1));
	assert_int_equal(noise_ik_read(&p.resp, m1, n1, NULL, 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(noise_ik_write(&p.resp, NULL, 0, m2, sizeof(m2),
					&n2), 0);
	assert_int_equal(noise_ik_read(&p.init, m2, n2, NULL, 0, &n), 0);
	assert_int_equal(n, 0);
	split(&p, &si, &sr);
	talk(&si, &sr);
}

/*
 * Every single-bit flip of message 1 is refused, and leaves the responder
 * able to read the genuine message; the same for message 2.
 */
static void test_tampered_msg1(void **state)
{
	uint8_t bad[256], pl[64];
	struct keys k;
	struct pair p;
	size_t i, n;
	int bit;

	(void)state;
	make_keys(&k);
	pair_init(&p, &k);
	write1_of(&p);
	for (i = 0; i < p.len1; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(bad, p.msg1, p.len1);
			bad[i] ^= 1 << bit;
			assert_int_not_equal(noise_ik_read(&p.resp, bad,
							   p.len1, pl,
							   sizeof(pl), &n), 0);
		}
	}
	read1_of(&p);
}

static void test_tampered_msg2(void **state)
{
	uint8_t bad[256], pl[64];
	struct noise_session si, sr;
	struct keys k;
	struct pair p;
	size_t i, n;
	int bit;

	(void)state;
	make_keys(&k);
	pair_init(&p, &k);
	write1_of(&p);
	read1_of(&p);
	write2_of(&p);
	for (i = 0; i < p.len2; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(bad, p.msg2, p.len2);
			bad[i] ^= 1 << bit;
			assert_int_not_equal(noise_ik_read(&p.init, bad,
							   p.len2, pl,
							   sizeof(pl), &n), 0);
		}
	}
	read2_of(&p);
	split(&p, &si, &sr);
	talk(&si, &sr);
}

/* An initiator that has a wrong key for the responder is refused. */
static void test_wrong_responder_key(void **state)
{
	struct keys k, other;
	struct pair p;
	uint8_t pl[64];
	size_t n;

	(void)state;
	make_keys(&k);
	make_keys(&other);
	memcpy(k.r_pub, other.r_pub, 32);	/* the initiator's idea */
	pair_init(&p, &k);
	write1_of(&p);
	assert_int_equal(noise_ik_read(&p.resp, p.msg1, p.len1, pl,
				       sizeof(pl), &n), -EBADMSG);
	assert_null(noise_ik_remote_static(&p.resp));
}

/* A message 2 from another responder (or for another message 1). */
static void test_foreign_msg2(void **state)
{
	struct pair p, q;
	struct keys k;
	uint8_t pl[64];
	size_t n;

	(void)state;
	make_keys(&k);
	pair_init(&p, &k);
	pair_init(&q, &k);
	write1_of(&p);
	read1_of(&p);
	write1_of(&q);
	read1_of(&q);
	write2_of(&q);
	assert_int_equal(noise_ik_read(&p.init, q.msg2, q.len2, pl,
				       sizeof(pl), &n), -EBADMSG);
}

static void test_prologue_mismatch(void **state)
{
	struct keys k;
	struct pair p;
	uint8_t pl[64];
	size_t n;

	(void)state;
	make_keys(&k);
	pair_init(&p, &k);
	assert_int_equal(noise_ik_init(&p.resp, NOISE_RESPONDER, k.r_priv,
				       NULL, (const uint8_t *)"ovl v2", 6), 0);
	write1_of(&p);
	assert_int_equal(noise_ik_read(&p.resp, p.msg1, p.len1, pl,
				       sizeof(pl), &n), -EBADMSG);
}

/* Every length short of the whole message is refused, without reading past. */
static void test_truncated(void **state)
{
	uint8_t *copy, pl[64];
	struct keys k;
	struct pair p;
	size_t len, n;

	(void)state;
	make_keys(&k);
	pair_init(&p, &k);
	write1_of(&p);
	for (len = 0; len < p.len1; len++) {
		copy = malloc(len ? len : 1);	/* ASan sees any overread */
		memcpy(copy, p.msg1, len);
		assert_int_not_equal(noise_ik_read(&p.resp, copy, len, pl,
						   sizeof(pl), &n), 0);
		if (len < NOISE_IK_MSG1_OVERHEAD)
			assert_int_equal(noise_ik_read(&p.resp, copy, len, pl,
						       sizeof(pl), &n),
					 -EBADMSG);
		free(copy);
	}
	read1_of(&p);
	write2_of(&p);
	for (len = 0; len < p.len2; len++) {
		copy = malloc(len ? len : 1);
		memcpy(copy, p.msg2, len);
		assert_int_not_equal(noise_ik_read(&p.init, copy, len, pl,
						   sizeof(pl), &n), 0);
		free(copy);
	}
	read2_of(&p);
}

static void test_oversized(void **state)
{
	uint8_t *big = calloc(1, NOISE_MAX_MSG_LEN + 1), pl[64];
	struct keys k;
	struct pair p;
	size_t n;

	(void)state;
	assert_non_null(big);
	make_keys(&k);
	pair_init(&p, &k);
	/* A payload that would make message 1 longer than 65535 bytes. */
	assert_int_equal(noise_ik_write(&p.init, big,
					NOISE_IK_MSG1_MAX_PAYLOAD + 1, big,
					NOISE_MAX_MSG_LEN + 1, &n), -EMSGSIZE);
	/* An output buffer too small, by one byte: nothing changes. */
	assert_int_equal(noise_ik_write(&p.init, cert_i, sizeof(cert_i),
					p.msg1, NOISE_IK_MSG1_OVERHEAD +
					sizeof(cert_i) - 1, &n), -EMSGSIZE);
	write1_of(&p);
	assert_int_equal(noise_ik_read(&p.resp, big, NOISE_MAX_MSG_LEN + 1,
				       pl, sizeof(pl), &n), -EMSGSIZE);
	/* A payload buffer too small for this message's payload. */
	assert_int_equal(noise_ik_read(&p.resp, p.msg1, p.len1, pl,
				       sizeof(cert_i) - 1, &n), -EMSGSIZE);
	read1_of(&p);
	free(big);
}

/* The largest message 1 the spec allows goes through. */
static void test_max_payload(void **state)
{
	uint8_t *pl = malloc(NOISE_IK_MSG1_MAX_PAYLOAD);
	uint8_t *msg = malloc(NOISE_MAX_MSG_LEN);
	struct keys k;
	struct pair p;
	size_t n;

	(void)state;
	assert_non_null(pl);
	assert_non_null(msg);
	make_keys(&k);
	pair_init(&p, &k);
	randombytes_buf(pl, NOISE_IK_MSG1_MAX_PAYLOAD);
	assert_int_equal(noise_ik_write(&p.init, pl, NOISE_IK_MSG1_MAX_PAYLOAD,
					msg, NOISE_MAX_MSG_LEN, &n), 0);
	assert_int_equal(n, NOISE_MAX_MSG_LEN);
	assert_int_equal(noise_ik_read(&p.resp, msg, n, msg, 0, &n),
			 -EMSGSIZE);
	free(pl);
	free(msg);
}

/* An ephemeral key of zero (or any low-order point) makes DH zero. */
static void test_low_order_ephemeral(void **state)
{
	struct keys k;
	struct pair p;
	uint8_t pl[64];
	size_t n;

	(void)state;
	make_keys(&k);
	pair_init(&p, &k);
	write1_of(&p);
	memset(p.msg1, 0, NOISE_DH_LEN);
	assert_int_equal(noise_ik_read(&p.resp, p.msg1, p.len1, pl,
				       sizeof(pl), &n), -EPROTO);
	/* The same in message 2. */
	pair_init(&p, &k);
	write1_of(&p);
	read1_of(&p);
	write2_of(&p);
	memset(p.msg2, 0, NOISE_DH_LEN);
	p.msg2[0] = 1;			/* the point of order 1 */
	assert_int_equal(noise_ik_read(&p.init, p.msg2, p.len2, pl,
				       sizeof(pl), &n), -EPROTO);
}

static void test_misuse(void **state)
{
	struct noise_session s;
	struct keys k;
	struct pair p;
	uint8_t pl[64];
	size_t n;

	(void)state;
	make_keys(&k);
	assert_int_equal(noise_ik_init(&p.init, NOISE_INITIATOR, k.i_priv,
				       NULL, NULL, 0), -EINVAL);
	assert_int_equal(noise_ik_init(&p.resp, NOISE_RESPONDER, k.r_priv,
				       k.i_pub, NULL, 0), -EINVAL);
	assert_int_equal(noise_ik_init(&p.resp, NOISE_RESPONDER, k.r_priv,
				       NULL, NULL, 1), -EINVAL);
	pair_init(&p, &k);
	/* Out of turn: the responder writes first, the initiator reads. */
	assert_int_equal(noise_ik_write(&p.resp, NULL, 0, p.msg2,
					sizeof(p.msg2), &n), -EINVAL);
	assert_int_equal(noise_ik_read(&p.init, p.msg2, 64, pl, sizeof(pl),
				       &n), -EINVAL);
	assert_int_equal(noise_ik_split(&p.init, &s), -EINVAL);
	write1_of(&p);
	assert_int_equal(noise_ik_write(&p.init, NULL, 0, p.msg1,
					sizeof(p.msg1), &n), -EINVAL);
	assert_int_equal(noise_ik_set_ephemeral(&p.init, k.i_priv), -EINVAL);
	read1_of(&p);
	assert_int_equal(noise_ik_read(&p.resp, p.msg1, p.len1, pl,
				       sizeof(pl), &n), -EINVAL);
	write2_of(&p);
	read2_of(&p);
	assert_int_equal(noise_ik_write(&p.init, NULL, 0, p.msg1,
					sizeof(p.msg1), &n), -EINVAL);
	noise_handshake_wipe(&p.init);
	noise_handshake_wipe(&p.resp);
	assert_int_equal(noise_ik_split(&p.init, &s), -EINVAL);
	assert_null(noise_ik_remote_static(&p.init));
}

static void test_nonce_exhaustion(void **state)
{
	struct noise_cipher tx = { .has_key = true }, rx;
	uint8_t ct[32], pt[32];
	size_t n, m;

	(void)state;
	randombytes_buf(tx.k, sizeof(tx.k));
	tx.n = NOISE_NONCE_MAX - 1;
	rx = tx;
	assert_int_equal(noise_cipher_encrypt(&tx, NULL, 0,
					      (const uint8_t *)"last", 4, ct,
					      sizeof(ct), &n), 0);
	assert_int_equal(tx.n, NOISE_NONCE_MAX);
	assert_int_equal(noise_cipher_encrypt(&tx, NULL, 0,
					      (const uint8_t *)"more", 4, ct,
					      sizeof(ct), &m), -EOVERFLOW);
	assert_int_equal(noise_cipher_decrypt(&rx, NULL, 0, ct, n, pt,
					      sizeof(pt), &m), 0);
	assert_memory_equal(pt, "last", 4);
	assert_int_equal(noise_cipher_decrypt(&rx, NULL, 0, ct, n, pt,
					      sizeof(pt), &m), -EOVERFLOW);
	noise_cipher_wipe(&tx);
	assert_false(tx.has_key);
}

/* The nonce is 32 zero bits, then the counter little-endian. */
static void test_nonce_encoding(void **state)
{
	static const uint8_t want[12] = { 0, 0, 0, 0, 0x08, 0x07, 0x06, 0x05,
					  0x04, 0x03, 0x02, 0x01 };
	struct noise_cipher cs = { .has_key = true, .n = 0x0102030405060708 };
	uint8_t nonce[12], ct[32], ref[32];
	unsigned long long rlen;
	size_t n;

	(void)state;
	chachapoly_nonce(nonce, cs.n);
	assert_memory_equal(nonce, want, sizeof(want));
	crypto_aead_chacha20poly1305_ietf_encrypt(ref, &rlen,
						  (const uint8_t *)"x", 1,
						  NULL, 0, NULL, want, cs.k);
	assert_int_equal(noise_cipher_encrypt(&cs, NULL, 0,
					      (const uint8_t *)"x", 1, ct,
					      sizeof(ct), &n), 0);
	assert_int_equal(n, rlen);
	assert_memory_equal(ct, ref, n);
}

/* Ed25519 identities, converted, do a handshake; bad keys are refused. */
static void test_key_conversion(void **state)
{
	uint8_t ed_pk_i[32], ed_sk_i[64], ed_pk_r[32], ed_sk_r[64];
	struct noise_session si, sr;
	uint8_t x_pub[32], pub[32];
	static const uint8_t small_order[32];	/* y = 0: order 4 */
	struct keys k;
	struct pair p;

	(void)state;
	crypto_sign_keypair(ed_pk_i, ed_sk_i);
	crypto_sign_keypair(ed_pk_r, ed_sk_r);
	assert_int_equal(noise_x25519_from_ed25519_sk(k.i_priv, ed_sk_i), 0);
	assert_int_equal(noise_x25519_from_ed25519_sk(k.r_priv, ed_sk_r), 0);
	assert_int_equal(noise_x25519_from_ed25519_pk(k.i_pub, ed_pk_i), 0);
	assert_int_equal(noise_x25519_from_ed25519_pk(k.r_pub, ed_pk_r), 0);
	/* The converted public key is the converted private key's. */
	assert_int_equal(noise_x25519_public(x_pub, k.i_priv), 0);
	assert_memory_equal(x_pub, k.i_pub, 32);

	pair_init(&p, &k);
	write1_of(&p);
	read1_of(&p);
	assert_true(noise_key_equal(noise_ik_remote_static(&p.resp),
				    k.i_pub));
	write2_of(&p);
	read2_of(&p);
	split(&p, &si, &sr);
	talk(&si, &sr);

	assert_int_equal(noise_x25519_from_ed25519_pk(pub, small_order),
			 -EINVAL);
}

static void test_key_equal(void **state)
{
	uint8_t a[32], b[32];

	(void)state;
	randombytes_buf(a, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_true(noise_key_equal(a, b));
	b[31] ^= 0x80;
	assert_false(noise_key_equal(a, b));
}

/* HMAC-BLAKE2b: Python's hmac.new(bytes(range(64)), msg, blake2b). */
static void test_hmac(void **state)
{
	static const uint8_t want[64] = {
		0xc5, 0xc5, 0x78, 0xca, 0x78, 0xe7, 0x0b, 0x82,
		0x79, 0xce, 0x11, 0xc8, 0x63, 0xf5, 0xdf, 0x2c,
		0xeb, 0xf3, 0xe0, 0xbb, 0x9e, 0x3c, 0xb5, 0x75,
		0x37, 0xd4, 0xf9, 0x37, 0x8d, 0x4a, 0x41, 0x90,
		0xc8, 0xaa, 0x53, 0x95, 0xf1, 0xa5, 0x38, 0x68,
		0x29, 0x79, 0x89, 0xf8, 0x5d, 0xc8, 0xa3, 0xc8,
		0xa5, 0xaf, 0xed, 0x5d, 0xc7, 0x2e, 0x35, 0xc7,
		0xbc, 0xa0, 0x2f, 0x8d, 0x01, 0xda, 0x7f, 0x7f,
	};
	uint8_t key[64], out[64];
	int i;

	(void)state;
	for (i = 0; i < 64; i++)
		key[i] = (uint8_t)i;
	/* Split in two parts, to check that a || b is what is hashed. */
	hmac(out, key, (const uint8_t *)"ovl noise", 9,
	     (const uint8_t *)" hmac", 5);
	assert_memory_equal(out, want, sizeof(want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_fresh_ephemerals),
		cmocka_unit_test(test_empty_payloads),
		cmocka_unit_test(test_tampered_msg1),
		cmocka_unit_test(test_tampered_msg2),
		cmocka_unit_test(test_wrong_responder_key),
		cmocka_unit_test(test_foreign_msg2),
		cmocka_unit_test(test_prologue_mismatch),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_max_payload),
		cmocka_unit_test(test_low_order_ephemeral),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_nonce_exhaustion),
		cmocka_unit_test(test_nonce_encoding),
		cmocka_unit_test(test_key_conversion),
		cmocka_unit_test(test_key_equal),
		cmocka_unit_test(test_hmac),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
