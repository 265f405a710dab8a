/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Noise_IK_25519_ChaChaPoly_BLAKE2b (Noise Protocol Framework, revision
 * 34), over libsodium.  Pure: no I/O, no clock, no allocation; the only
 * randomness is the local ephemeral key, which a caller (the test vectors)
 * may inject instead.
 *
 * IK:  <- s
 *      ...
 *      -> e, es, s, ss     message 1, initiator to responder
 *      <- e, ee, se        message 2, responder to initiator
 *
 * A handshake, seen from the daemon:
 *
 *   initiator                          responder
 *   noise_ik_init(INITIATOR, s, rs)    noise_ik_init(RESPONDER, s, NULL)
 *   noise_ik_write(cert) -> msg1  -->  noise_ik_read(msg1) -> cert
 *                                      noise_ik_remote_static(): the
 *                                      caller checks the initiator's key
 *                                      (and the certificate) here
 *   noise_ik_read(msg2) -> cert   <--  noise_ik_write(cert) -> msg2
 *   noise_ik_split()                   noise_ik_split()
 *
 * What the payloads get (section 7.7): message 1's is encrypted to the
 * responder's static key only, so anyone who later steals that key reads
 * it, and it can be replayed to the responder as is; the daemon puts a
 * timestamp in it and refuses one not newer than the last (WireGuard's
 * TAI64N).  Message 2's is forward-secret, and the responder is
 * authenticated only once the initiator has read it.  Only after Split are
 * both sides authenticated; the handshake hash binds the session.
 *
 * Every function returns 0 or a negative errno:
 *   -EINVAL    misuse: wrong role or step, a NULL where a key is needed
 *   -EMSGSIZE  a message, payload or output buffer out of bounds
 *   -EBADMSG   a message that is too short or fails authentication
 *   -EPROTO    a Diffie-Hellman result of zero (a low-order public key)
 *   -EOVERFLOW a CipherState whose nonces are used up
 * A read or write that fails leaves the handshake exactly as it was: a
 * forged or corrupted message 2 cannot abort the initiator's pending
 * handshake, and the caller decides when to give up (noise_handshake_wipe).
 * Reading is safe on any input (it parses network data): every length is
 * checked before use, nothing is written past payload_cap, and the
 * payload buffer's content is undefined after an error.  Message and
 * payload buffers must not overlap.
 */
#ifndef OVL_NOISE_H
#define OVL_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOISE_PROTOCOL_NAME	"Noise_IK_25519_ChaChaPoly_BLAKE2b"
#define NOISE_DH_LEN		32	/* X25519 keys and shared secrets */
#define NOISE_KEY_LEN		32	/* ChaChaPoly keys */
#define NOISE_HASH_LEN		64	/* BLAKE2b-512 */
#define NOISE_TAG_LEN		16	/* Poly1305 */
#define NOISE_MAX_MSG_LEN	65535	/* the spec's bound on any message */
/* Bytes message 1 and 2 add to their payload: e, encrypted s, tags. */
#define NOISE_IK_MSG1_OVERHEAD	(NOISE_DH_LEN + NOISE_DH_LEN + \
				 2 * NOISE_TAG_LEN)
#define NOISE_IK_MSG2_OVERHEAD	(NOISE_DH_LEN + NOISE_TAG_LEN)
#define NOISE_IK_MSG1_MAX_PAYLOAD (NOISE_MAX_MSG_LEN - NOISE_IK_MSG1_OVERHEAD)
#define NOISE_IK_MSG2_MAX_PAYLOAD (NOISE_MAX_MSG_LEN - NOISE_IK_MSG2_OVERHEAD)
#define NOISE_MAX_PAYLOAD	(NOISE_MAX_MSG_LEN - NOISE_TAG_LEN)

/* CipherState (section 5.1).  n == NOISE_NONCE_MAX is never used. */
#define NOISE_NONCE_MAX		UINT64_MAX

struct noise_cipher {
	uint8_t k[NOISE_KEY_LEN];
	uint64_t n;
	bool has_key;
};

/* SymmetricState (section 5.2). */
struct noise_symmetric {
	struct noise_cipher cs;
	uint8_t ck[NOISE_HASH_LEN];
	uint8_t h[NOISE_HASH_LEN];
};

enum noise_role {
	NOISE_INITIATOR,
	NOISE_RESPONDER,
};

enum noise_step {
	NOISE_STEP_NONE,	/* zeroed, wiped or split */
	NOISE_STEP_WRITE1,	/* initiator, after init */
	NOISE_STEP_READ1,	/* responder, after init */
	NOISE_STEP_WRITE2,	/* responder, after reading message 1 */
	NOISE_STEP_READ2,	/* initiator, after writing message 1 */
	NOISE_STEP_SPLIT,	/* both messages done: call noise_ik_split() */
};

/* HandshakeState (section 5.3), for IK only. */
struct noise_handshake {
	struct noise_symmetric sym;
	enum noise_role role;
	enum noise_step step;
	bool e_set;			/* e injected, or made by a write */
	uint8_t s_priv[NOISE_DH_LEN];
	uint8_t s_pub[NOISE_DH_LEN];
	uint8_t e_priv[NOISE_DH_LEN];
	uint8_t e_pub[NOISE_DH_LEN];
	uint8_t rs[NOISE_DH_LEN];	/* valid from init (initiator) or read 1 */
	uint8_t re[NOISE_DH_LEN];
};

/* What a finished handshake leaves: two transport keys and its hash. */
struct noise_session {
	struct noise_cipher send;
	struct noise_cipher recv;
	uint8_t hash[NOISE_HASH_LEN];	/* channel binding (section 11.2) */
	uint8_t remote_static[NOISE_DH_LEN];
};

/* The CipherState on its own, for transport messages after Split. */
int noise_cipher_encrypt(struct noise_cipher *cs, const uint8_t *ad,
			 size_t ad_len, const uint8_t *pt, size_t pt_len,
			 uint8_t *out, size_t out_cap, size_t *out_len);
int noise_cipher_decrypt(struct noise_cipher *cs, const uint8_t *ad,
			 size_t ad_len, const uint8_t *ct, size_t ct_len,
			 uint8_t *out, size_t out_cap, size_t *out_len);
void noise_cipher_wipe(struct noise_cipher *cs);

/*
 * Start an IK handshake.  s_priv is the local static X25519 private key;
 * rs the responder's static public key, required of the initiator and
 * NULL for the responder (who learns the initiator's from message 1).
 * The prologue (may be NULL when prologue_len is 0) must be the same on
 * both sides or message 1 fails to authenticate.
 */
int noise_ik_init(struct noise_handshake *hs, enum noise_role role,
		  const uint8_t s_priv[NOISE_DH_LEN],
		  const uint8_t *rs, const uint8_t *prologue,
		  size_t prologue_len);

/* Use this ephemeral private key instead of a random one (test vectors). */
int noise_ik_set_ephemeral(struct noise_handshake *hs,
			   const uint8_t e_priv[NOISE_DH_LEN]);

/* Write the next message (1 for the initiator, 2 for the responder). */
int noise_ik_write(struct noise_handshake *hs, const uint8_t *payload,
		   size_t payload_len, uint8_t *msg, size_t msg_cap,
		   size_t *msg_len);

/* Read the next message; its payload goes to payload[0..*payload_len). */
int noise_ik_read(struct noise_handshake *hs, const uint8_t *msg,
		  size_t msg_len, uint8_t *payload, size_t payload_cap,
		  size_t *payload_len);

/*
 * The peer's static public key: the initiator's once the responder has
 * read message 1, the configured one for the initiator; NULL before.
 */
const uint8_t *noise_ik_remote_static(const struct noise_handshake *hs);

/*
 * Once both messages are done: fill in the transport keys (send and recv
 * for this side), the handshake hash and the peer's static key, then wipe
 * the handshake.
 */
int noise_ik_split(struct noise_handshake *hs, struct noise_session *out);

void noise_handshake_wipe(struct noise_handshake *hs);
void noise_session_wipe(struct noise_session *sess);

/* Key helpers. */
int noise_x25519_public(uint8_t pub[NOISE_DH_LEN],
			const uint8_t priv[NOISE_DH_LEN]);
/* Ed25519 identity keys (libsodium layout: sk is seed || pk) to X25519. */
int noise_x25519_from_ed25519_pk(uint8_t x_pub[NOISE_DH_LEN],
				 const uint8_t ed_pk[32]);
int noise_x25519_from_ed25519_sk(uint8_t x_priv[NOISE_DH_LEN],
				 const uint8_t ed_sk[64]);
/* Constant-time equality of two public keys. */
bool noise_key_equal(const uint8_t a[NOISE_DH_LEN],
		     const uint8_t b[NOISE_DH_LEN]);

#endif /* OVL_NOISE_H */
