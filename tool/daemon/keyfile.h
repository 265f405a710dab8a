/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Identity key files and certificate files.  "ovlctl genkey" writes the 32-byte Ed25519 seed in
 * standard base64 (44 characters) and a newline, like "wg genkey"; the
 * 64-byte secret key and the public key are derived from the seed.  A
 * network's CA is such an identity too.
 */
#ifndef _OVL_KEYFILE_H
#define _OVL_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#define KEY_SEED_LEN	32
#define KEY_PUB_LEN	32
#define KEY_SK_LEN	64
#define KEY_B64_LEN	44	/* base64 of 32 bytes, without the NUL */
#define KEY_ERR_LEN	256	/* room for identity_load()'s messages */

/**
 * struct identity - an Ed25519 key pair; wipe it with identity_wipe()
 * @sk: secret key (libsodium's form: seed, then public key)
 * @pk: public key
 */
struct identity {
	uint8_t sk[KEY_SK_LEN];
	uint8_t pk[KEY_PUB_LEN];
};

/* A new random identity.  Returns 0, or -1 if libsodium fails to start. */
int identity_generate(struct identity *id);

void identity_wipe(struct identity *id);

/* The seed of @id in base64 into @out (KEY_B64_LEN + 1 bytes). */
void identity_seed_b64(const struct identity *id, char *out);

/* @key (32 bytes) in base64 into @out (KEY_B64_LEN + 1 bytes). */
void key_b64(const uint8_t *key, char *out);

/*
 * Decode @s: 32 bytes in standard base64 with padding, and nothing else.
 * Returns 0 or -1.
 */
int key_from_b64(const char *s, uint8_t *key);

/*
 * Parse the @len characters at @text, the contents of a key file: the
 * base64 seed, then optional blank space (a newline).  Returns 0, or -1
 * with *@why.
 */
int identity_parse(const char *text, size_t len, struct identity *id,
		   const char **why);

/*
 * Load the identity in the file @path.  Refuses anything but a regular
 * file, and a file that group or others may read or write (as ssh does):
 * a key they can read is no longer secret.  Returns 0, or -1 with a
 * one-line message naming @path in @err (KEY_ERR_LEN bytes).
 */
int identity_load(const char *path, struct identity *id, char *err);

struct cert;

/*
 * Load and decode the armored certificate in the file @path (its
 * signature unchecked: see cert_verify()).  Returns 0, or -1 with a
 * one-line message naming @path in @err (KEY_ERR_LEN bytes), e.g.
 * "PATH: malformed certificate: trailing bytes".
 */
int cert_load(const char *path, struct cert *c, char *err);

#endif /* _OVL_KEYFILE_H */
