// SPDX-License-Identifier: GPL-2.0
/*
 * Noise_IK_25519_ChaChaPoly_BLAKE2b over libsodium; see noise.h.
 *
 * Section numbers refer to the Noise Protocol Framework, revision 34.
 * Secrets live only in the structs of noise.h and in locals of this file;
 * every local that held one is wiped before its function returns.
 */

#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "noise.h"

#define BLAKE2B_BLOCK_LEN	128
#define CHACHAPOLY_NONCE_LEN	12

/* The HMAC of RFC 2104 over BLAKE2b (block 128 bytes), as section 4.3. */
static void hash_init(crypto_generichash_state *st)
{
	crypto_generichash_init(st, NULL, 0, NOISE_HASH_LEN);
}

static void hash_update(crypto_generichash_state *st, const uint8_t *p,
			size_t len)
{
	if (len)
		crypto_generichash_update(st, p, len);
}

/*
 * HMAC-HASH(key, a || b).  Noise only ever keys it with HASHLEN bytes
 * (ck or temp_key), which fit in one block unhashed.
 */
static void hmac(uint8_t out[NOISE_HASH_LEN],
		 const uint8_t key[NOISE_HASH_LEN],
		 const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
	uint8_t block[BLAKE2B_BLOCK_LEN] = { 0 };
	uint8_t inner[NOISE_HASH_LEN];
	crypto_generichash_state st;
	size_t i;

	memcpy(block, key, NOISE_HASH_LEN);
	for (i = 0; i < sizeof(block); i++)
		block[i] ^= 0x36;
	hash_init(&st);
	hash_update(&st, block, sizeof(block));
	hash_update(&st, a, a_len);
	hash_update(&st, b, b_len);
	crypto_generichash_final(&st, inner, sizeof(inner));

	for (i = 0; i < sizeof(block); i++)
		block[i] ^= 0x36 ^ 0x5c;
	hash_init(&st);
	hash_update(&st, block, sizeof(block));
	hash_update(&st, inner, sizeof(inner));
	crypto_generichash_final(&st, out, NOISE_HASH_LEN);

	sodium_memzero(block, sizeof(block));
	sodium_memzero(inner, sizeof(inner));
	sodium_memzero(&st, sizeof(st));
}

/* HKDF(chaining_key, input_key_material, 2), section 4.3.  out1 may be ck. */
static void hkdf2(uint8_t out1[NOISE_HASH_LEN], uint8_t out2[NOISE_HASH_LEN],
		  const uint8_t ck[NOISE_HASH_LEN],
		  const uint8_t *ikm, size_t ikm_len)
{
	static const uint8_t one = 0x01, two = 0x02;
	uint8_t temp_key[NOISE_HASH_LEN];

	hmac(temp_key, ck, ikm, ikm_len, NULL, 0);
	hmac(out1, temp_key, &one, 1, NULL, 0);
	hmac(out2, temp_key, out1, NOISE_HASH_LEN, &two, 1);
	sodium_memzero(temp_key, sizeof(temp_key));
}

/* ChaChaPoly's nonce: 32 bits of zeros, then n little-endian (5.1). */
static void chachapoly_nonce(uint8_t nonce[CHACHAPOLY_NONCE_LEN], uint64_t n)
{
	int i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(n >> (8 * i));
}

/* Without a key, Encrypt/DecryptWithAd pass the text through. */
static int cipher_copy(const uint8_t *in, size_t len, uint8_t *out,
		       size_t out_cap, size_t *out_len)
{
	if (len > NOISE_MAX_MSG_LEN || len > out_cap)
		return -EMSGSIZE;
	if (len)
		memmove(out, in, len);
	*out_len = len;
	return 0;
}

int noise_cipher_encrypt(struct noise_cipher *cs, const uint8_t *ad,
			 size_t ad_len, const uint8_t *pt, size_t pt_len,
			 uint8_t *out, size_t out_cap, size_t *out_len)
{
	uint8_t nonce[CHACHAPOLY_NONCE_LEN];
	unsigned long long ct_len;

	if (!cs->has_key)
		return cipher_copy(pt, pt_len, out, out_cap, out_len);
	if (pt_len > NOISE_MAX_PAYLOAD || out_cap < pt_len + NOISE_TAG_LEN)
		return -EMSGSIZE;
	if (cs->n == NOISE_NONCE_MAX)
		return -EOVERFLOW;
	chachapoly_nonce(nonce, cs->n);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, &ct_len,
						  pt_len ? pt : out, pt_len,
						  ad, ad_len, NULL, nonce,
						  cs->k);
	cs->n++;
	*out_len = (size_t)ct_len;
	return 0;
}

int noise_cipher_decrypt(struct noise_cipher *cs, const uint8_t *ad,
			 size_t ad_len, const uint8_t *ct, size_t ct_len,
			 uint8_t *out, size_t out_cap, size_t *out_len)
{
	uint8_t nonce[CHACHAPOLY_NONCE_LEN];
	unsigned long long pt_len;

	if (!cs->has_key)
		return cipher_copy(ct, ct_len, out, out_cap, out_len);
	if (ct_len < NOISE_TAG_LEN)
		return -EBADMSG;
	if (ct_len > NOISE_MAX_MSG_LEN || out_cap < ct_len - NOISE_TAG_LEN)
		return -EMSGSIZE;
	if (cs->n == NOISE_NONCE_MAX)
		return -EOVERFLOW;
	chachapoly_nonce(nonce, cs->n);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, &pt_len, NULL,
						      ct, ct_len, ad, ad_len,
						      nonce, cs->k))
		return -EBADMSG;
	cs->n++;
	*out_len = (size_t)pt_len;
	return 0;
}

void noise_cipher_wipe(struct noise_cipher *cs)
{
	sodium_memzero(cs, sizeof(*cs));
}

/* SymmetricState (section 5.2). */
static void sym_init(struct noise_symmetric *sym)
{
	/* The name is shorter than HASHLEN: h is the name, zero-padded. */
	static const char name[] = NOISE_PROTOCOL_NAME;

	_Static_assert(sizeof(name) - 1 <= NOISE_HASH_LEN, "name too long");
	memset(sym, 0, sizeof(*sym));
	memcpy(sym->h, name, sizeof(name) - 1);
	memcpy(sym->ck, sym->h, NOISE_HASH_LEN);
}

static void mix_hash(struct noise_symmetric *sym, const uint8_t *data,
		     size_t len)
{
	crypto_generichash_state st;

	hash_init(&st);
	hash_update(&st, sym->h, NOISE_HASH_LEN);
	hash_update(&st, data, len);
	crypto_generichash_final(&st, sym->h, NOISE_HASH_LEN);
}

static void mix_key(struct noise_symmetric *sym, const uint8_t *ikm,
		    size_t len)
{
	uint8_t temp_k[NOISE_HASH_LEN];

	hkdf2(sym->ck, temp_k, sym->ck, ikm, len);
	memcpy(sym->cs.k, temp_k, NOISE_KEY_LEN);	/* truncated (5.2) */
	sym->cs.n = 0;
	sym->cs.has_key = true;
	sodium_memzero(temp_k, sizeof(temp_k));
}

/* MixKey(DH(priv, pub)); a zero result (low-order pub) is refused. */
static int mix_dh(struct noise_symmetric *sym, const uint8_t priv[32],
		  const uint8_t pub[32])
{
	uint8_t shared[NOISE_DH_LEN];
	int ret = 0;

	if (crypto_scalarmult(shared, priv, pub))
		ret = -EPROTO;
	else
		mix_key(sym, shared, sizeof(shared));
	sodium_memzero(shared, sizeof(shared));
	return ret;
}

static int encrypt_and_hash(struct noise_symmetric *sym, const uint8_t *pt,
			    size_t pt_len, uint8_t *out, size_t out_cap,
			    size_t *out_len)
{
	int ret;

	ret = noise_cipher_encrypt(&sym->cs, sym->h, NOISE_HASH_LEN, pt,
				   pt_len, out, out_cap, out_len);
	if (!ret)
		mix_hash(sym, out, *out_len);
	return ret;
}

static int decrypt_and_hash(struct noise_symmetric *sym, const uint8_t *ct,
			    size_t ct_len, uint8_t *out, size_t out_cap,
			    size_t *out_len)
{
	int ret;

	ret = noise_cipher_decrypt(&sym->cs, sym->h, NOISE_HASH_LEN, ct,
				   ct_len, out, out_cap, out_len);
	if (!ret)
		mix_hash(sym, ct, ct_len);
	return ret;
}

/* HandshakeState (section 5.3). */
int noise_ik_init(struct noise_handshake *hs, enum noise_role role,
		  const uint8_t s_priv[NOISE_DH_LEN],
		  const uint8_t *rs, const uint8_t *prologue,
		  size_t prologue_len)
{
	if (!hs || !s_priv || (!prologue && prologue_len))
		return -EINVAL;
	if (role != NOISE_INITIATOR && role != NOISE_RESPONDER)
		return -EINVAL;
	if ((role == NOISE_INITIATOR) != (rs != NULL))
		return -EINVAL;
	if (sodium_init() < 0)
		return -EIO;

	sodium_memzero(hs, sizeof(*hs));
	hs->role = role;
	memcpy(hs->s_priv, s_priv, NOISE_DH_LEN);
	if (crypto_scalarmult_base(hs->s_pub, hs->s_priv)) {
		noise_handshake_wipe(hs);
		return -EPROTO;
	}
	sym_init(&hs->sym);
	mix_hash(&hs->sym, prologue, prologue_len);
	/* The pre-message "<- s": the responder's static key. */
	if (role == NOISE_INITIATOR) {
		memcpy(hs->rs, rs, NOISE_DH_LEN);
		mix_hash(&hs->sym, hs->rs, NOISE_DH_LEN);
		hs->step = NOISE_STEP_WRITE1;
	} else {
		mix_hash(&hs->sym, hs->s_pub, NOISE_DH_LEN);
		hs->step = NOISE_STEP_READ1;
	}
	return 0;
}

int noise_ik_set_ephemeral(struct noise_handshake *hs,
			   const uint8_t e_priv[NOISE_DH_LEN])
{
	if (!hs || !e_priv)
		return -EINVAL;
	if (hs->step != NOISE_STEP_WRITE1 && hs->step != NOISE_STEP_READ1)
		return -EINVAL;
	memcpy(hs->e_priv, e_priv, NOISE_DH_LEN);
	if (crypto_scalarmult_base(hs->e_pub, hs->e_priv))
		return -EPROTO;
	hs->e_set = true;
	return 0;
}

/* The token "e" when writing: a fresh ephemeral unless one was injected. */
static int write_e(struct noise_handshake *hs, uint8_t *out)
{
	if (!hs->e_set) {
		randombytes_buf(hs->e_priv, NOISE_DH_LEN);
		if (crypto_scalarmult_base(hs->e_pub, hs->e_priv))
			return -EPROTO;
		hs->e_set = true;
	}
	memcpy(out, hs->e_pub, NOISE_DH_LEN);
	mix_hash(&hs->sym, hs->e_pub, NOISE_DH_LEN);
	return 0;
}

/* The token "e" when reading. */
static void read_e(struct noise_handshake *hs, const uint8_t *in)
{
	memcpy(hs->re, in, NOISE_DH_LEN);
	mix_hash(&hs->sym, hs->re, NOISE_DH_LEN);
}

/* -> e, es, s, ss; msg_cap was checked against the payload. */
static int write1(struct noise_handshake *hs, const uint8_t *payload,
		  size_t payload_len, uint8_t *msg, size_t *msg_len)
{
	size_t off = 0, n;
	int ret;

	ret = write_e(hs, msg);
	if (ret)
		return ret;
	off += NOISE_DH_LEN;
	ret = mix_dh(&hs->sym, hs->e_priv, hs->rs);			/* es */
	if (!ret)
		ret = encrypt_and_hash(&hs->sym, hs->s_pub, NOISE_DH_LEN,
				       msg + off, NOISE_DH_LEN + NOISE_TAG_LEN,
				       &n);				/* s */
	if (ret)
		return ret;
	off += n;
	ret = mix_dh(&hs->sym, hs->s_priv, hs->rs);			/* ss */
	if (!ret)
		ret = encrypt_and_hash(&hs->sym, payload, payload_len,
				       msg + off, payload_len + NOISE_TAG_LEN,
				       &n);
	if (ret)
		return ret;
	*msg_len = off + n;
	hs->step = NOISE_STEP_READ2;
	return 0;
}

/* <- e, ee, se */
static int write2(struct noise_handshake *hs, const uint8_t *payload,
		  size_t payload_len, uint8_t *msg, size_t *msg_len)
{
	size_t n;
	int ret;

	ret = write_e(hs, msg);
	if (!ret)
		ret = mix_dh(&hs->sym, hs->e_priv, hs->re);		/* ee */
	if (!ret)
		ret = mix_dh(&hs->sym, hs->e_priv, hs->rs);		/* se */
	if (!ret)
		ret = encrypt_and_hash(&hs->sym, payload, payload_len,
				       msg + NOISE_DH_LEN,
				       payload_len + NOISE_TAG_LEN, &n);
	if (ret)
		return ret;
	*msg_len = NOISE_DH_LEN + n;
	hs->step = NOISE_STEP_SPLIT;
	return 0;
}

/*
 * Reads and writes work on a copy that replaces the handshake only on
 * success: a forged or corrupted message 2 leaves the initiator waiting
 * for the genuine one, and no error leaves a half-mixed state behind.
 */
int noise_ik_write(struct noise_handshake *hs, const uint8_t *payload,
		   size_t payload_len, uint8_t *msg, size_t msg_cap,
		   size_t *msg_len)
{
	struct noise_handshake w;
	size_t overhead, max;
	int ret;

	if (!hs || !msg || !msg_len || (!payload && payload_len))
		return -EINVAL;
	if (hs->step == NOISE_STEP_WRITE1) {
		overhead = NOISE_IK_MSG1_OVERHEAD;
		max = NOISE_IK_MSG1_MAX_PAYLOAD;
	} else if (hs->step == NOISE_STEP_WRITE2) {
		overhead = NOISE_IK_MSG2_OVERHEAD;
		max = NOISE_IK_MSG2_MAX_PAYLOAD;
	} else {
		return -EINVAL;
	}
	if (payload_len > max || msg_cap < overhead + payload_len)
		return -EMSGSIZE;

	w = *hs;
	if (hs->step == NOISE_STEP_WRITE1)
		ret = write1(&w, payload, payload_len, msg, msg_len);
	else
		ret = write2(&w, payload, payload_len, msg, msg_len);
	if (!ret)
		*hs = w;
	sodium_memzero(&w, sizeof(w));
	return ret;
}

/* -> e, es, s, ss; msg_len was checked against the overhead. */
static int read1(struct noise_handshake *hs, const uint8_t *msg,
		 size_t msg_len, uint8_t *payload, size_t payload_cap,
		 size_t *payload_len)
{
	const size_t s_len = NOISE_DH_LEN + NOISE_TAG_LEN;
	size_t off = 0, n;
	int ret;

	read_e(hs, msg);
	off += NOISE_DH_LEN;
	ret = mix_dh(&hs->sym, hs->s_priv, hs->re);			/* es */
	if (!ret)
		ret = decrypt_and_hash(&hs->sym, msg + off, s_len, hs->rs,
				       NOISE_DH_LEN, &n);		/* s */
	if (!ret)
		ret = mix_dh(&hs->sym, hs->s_priv, hs->rs);		/* ss */
	if (ret)
		return ret;
	off += s_len;
	ret = decrypt_and_hash(&hs->sym, msg + off, msg_len - off, payload,
			       payload_cap, payload_len);
	if (ret)
		return ret;
	hs->step = NOISE_STEP_WRITE2;
	return 0;
}

/* <- e, ee, se */
static int read2(struct noise_handshake *hs, const uint8_t *msg,
		 size_t msg_len, uint8_t *payload, size_t payload_cap,
		 size_t *payload_len)
{
	int ret;

	read_e(hs, msg);
	ret = mix_dh(&hs->sym, hs->e_priv, hs->re);			/* ee */
	if (!ret)
		ret = mix_dh(&hs->sym, hs->s_priv, hs->re);		/* se */
	if (!ret)
		ret = decrypt_and_hash(&hs->sym, msg + NOISE_DH_LEN,
				       msg_len - NOISE_DH_LEN, payload,
				       payload_cap, payload_len);
	if (ret)
		return ret;
	hs->step = NOISE_STEP_SPLIT;
	return 0;
}

int noise_ik_read(struct noise_handshake *hs, const uint8_t *msg,
		  size_t msg_len, uint8_t *payload, size_t payload_cap,
		  size_t *payload_len)
{
	struct noise_handshake w;
	uint8_t none[1];
	size_t overhead;
	int ret;

	if (!hs || !msg || !payload_len || (!payload && payload_cap))
		return -EINVAL;
	if (hs->step == NOISE_STEP_READ1)
		overhead = NOISE_IK_MSG1_OVERHEAD;
	else if (hs->step == NOISE_STEP_READ2)
		overhead = NOISE_IK_MSG2_OVERHEAD;
	else
		return -EINVAL;
	if (msg_len > NOISE_MAX_MSG_LEN)
		return -EMSGSIZE;
	if (msg_len < overhead)
		return -EBADMSG;
	if (payload_cap < msg_len - overhead)
		return -EMSGSIZE;
	if (!payload)
		payload = none;		/* an empty payload still has a tag */

	w = *hs;
	if (hs->step == NOISE_STEP_READ1)
		ret = read1(&w, msg, msg_len, payload, payload_cap,
			    payload_len);
	else
		ret = read2(&w, msg, msg_len, payload, payload_cap,
			    payload_len);
	if (!ret)
		*hs = w;
	sodium_memzero(&w, sizeof(w));
	return ret;
}

const uint8_t *noise_ik_remote_static(const struct noise_handshake *hs)
{
	if (hs->role == NOISE_INITIATOR && hs->step != NOISE_STEP_NONE)
		return hs->rs;
	if (hs->role == NOISE_RESPONDER &&
	    (hs->step == NOISE_STEP_WRITE2 || hs->step == NOISE_STEP_SPLIT))
		return hs->rs;
	return NULL;
}

static void cipher_set(struct noise_cipher *cs, const uint8_t *k)
{
	memcpy(cs->k, k, NOISE_KEY_LEN);
	cs->n = 0;
	cs->has_key = true;
}

/* Split() (section 5.2): c1 carries initiator to responder, c2 back. */
int noise_ik_split(struct noise_handshake *hs, struct noise_session *out)
{
	uint8_t k1[NOISE_HASH_LEN], k2[NOISE_HASH_LEN];
	bool init;

	if (!hs || !out || hs->step != NOISE_STEP_SPLIT)
		return -EINVAL;
	init = hs->role == NOISE_INITIATOR;
	hkdf2(k1, k2, hs->sym.ck, NULL, 0);
	cipher_set(&out->send, init ? k1 : k2);
	cipher_set(&out->recv, init ? k2 : k1);
	memcpy(out->hash, hs->sym.h, NOISE_HASH_LEN);
	memcpy(out->remote_static, hs->rs, NOISE_DH_LEN);
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
	noise_handshake_wipe(hs);
	return 0;
}

void noise_handshake_wipe(struct noise_handshake *hs)
{
	sodium_memzero(hs, sizeof(*hs));
	hs->step = NOISE_STEP_NONE;
}

void noise_session_wipe(struct noise_session *sess)
{
	sodium_memzero(sess, sizeof(*sess));
}

int noise_x25519_public(uint8_t pub[NOISE_DH_LEN],
			const uint8_t priv[NOISE_DH_LEN])
{
	if (sodium_init() < 0)
		return -EIO;
	return crypto_scalarmult_base(pub, priv) ? -EPROTO : 0;
}

int noise_x25519_from_ed25519_pk(uint8_t x_pub[NOISE_DH_LEN],
				 const uint8_t ed_pk[32])
{
	if (sodium_init() < 0)
		return -EIO;
	return crypto_sign_ed25519_pk_to_curve25519(x_pub, ed_pk) ? -EINVAL
								  : 0;
}

int noise_x25519_from_ed25519_sk(uint8_t x_priv[NOISE_DH_LEN],
				 const uint8_t ed_sk[64])
{
	if (sodium_init() < 0)
		return -EIO;
	return crypto_sign_ed25519_sk_to_curve25519(x_priv, ed_sk) ? -EINVAL
								   : 0;
}

bool noise_key_equal(const uint8_t a[NOISE_DH_LEN],
		     const uint8_t b[NOISE_DH_LEN])
{
	return sodium_memcmp(a, b, NOISE_DH_LEN) == 0;
}
