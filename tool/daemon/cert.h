/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Node certificates: a network's CA (an Ed25519 identity) binds a node id,
 * the node's identity public key, its overlay addresses, flags and a
 * validity period.  Peers, beacons and the registry check a certificate
 * offline against the CA public key.  The binary form is canonical (one
 * encoding per certificate), so decode(encode(c)) == c and
 * encode(decode(b)) == b; docs/protocol.md "Certificates" has the layout.
 *
 * Pure code: no I/O, no clock (the caller passes "now"), no allocation.
 *
 * A peer's certificate, received in a handshake, is accepted after
 * cert_decode() and cert_verify(ca, now) both return CERT_OK, and only if
 * the caller also finds that its node id is the frame's sender, that its
 * public key is the identity the handshake authenticated, and that
 * cert_covers() holds for each allowed-ip configured for the peer.
 */
#ifndef _OVL_CERT_H
#define _OVL_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../parse.h"

#define CERT_MAGIC		"OVLC"
#define CERT_VERSION		1
#define CERT_KEY_LEN		32	/* Ed25519 public key */
#define CERT_SECRET_LEN		64	/* Ed25519 secret key (seed || pk) */
#define CERT_SIG_LEN		64	/* Ed25519 signature */
/*
 * At most 32 addresses: the largest certificate (732 bytes) and a Noise
 * handshake message around it stay under the IPv6 minimum MTU.
 */
#define CERT_MAX_ADDRS		32
#define CERT_HDR_LEN		92	/* fixed fields before the addresses */
#define CERT_MIN_LEN		(CERT_HDR_LEN + 6 + CERT_SIG_LEN)
#define CERT_MAX_LEN		(CERT_HDR_LEN + CERT_MAX_ADDRS * 18 + \
				 CERT_SIG_LEN)
/* The latest time a certificate may name: 9999-12-31T23:59:59Z. */
#define CERT_TIME_MAX		253402300799ULL

#define CERT_F_RELAY_ONLY	0x01	/* the node is only reached by relay */
#define CERT_F_ALL		CERT_F_RELAY_ONLY

/**
 * struct cert - a decoded certificate
 * @node_id: the node's id, 1..UINT32_MAX
 * @flags: CERT_F_*
 * @not_before: first second of validity (Unix time, UTC)
 * @not_after: last second of validity; after @not_before
 * @public_key: the node's Ed25519 identity public key
 * @issuer: the signing CA's Ed25519 public key
 * @n_addrs: number of @addrs, 1..CERT_MAX_ADDRS
 * @addrs: overlay prefixes, host bits zero, in canonical order (IPv4
 *	before IPv6, then by address, then by prefix length), no duplicates
 * @signature: the CA's signature over every byte of the encoding before it
 */
struct cert {
	uint32_t node_id;
	uint8_t flags;
	uint64_t not_before;
	uint64_t not_after;
	uint8_t public_key[CERT_KEY_LEN];
	uint8_t issuer[CERT_KEY_LEN];
	unsigned int n_addrs;
	struct cidr addrs[CERT_MAX_ADDRS];
	uint8_t signature[CERT_SIG_LEN];
};

/* Why a certificate is refused. */
enum cert_err {
	CERT_OK = 0,
	CERT_MALFORMED,		/* does not decode; see the reason string */
	CERT_WRONG_ISSUER,	/* signed by another CA than the one trusted */
	CERT_BAD_SIGNATURE,	/* the signature does not match */
	CERT_NOT_YET_VALID,	/* now is before not-before */
	CERT_EXPIRED,		/* now is after not-after */
};

/* "malformed", "wrong issuer", ..., for messages. */
const char *cert_strerror(enum cert_err err);

/* True if @p is a prefix of a valid length with its host bits zero. */
bool cidr_canonical(const struct cidr *p);

/* Order of prefixes in a certificate: <0, 0, >0 like memcmp(). */
int cidr_cmp(const struct cidr *a, const struct cidr *b);

/* "ADDR/LEN" of @p into @buf (ADDR_STRLEN bytes); returns @buf. */
char *cidr_fmt(const struct cidr *p, char *buf);

/*
 * Decode the @len bytes at @buf into @c.  Strict: wrong magic, unknown
 * version, unknown flags, node id 0, times out of order or beyond
 * CERT_TIME_MAX, a bad address count, family or prefix, host bits set,
 * addresses out of order or repeated, a short buffer and trailing bytes
 * are all CERT_MALFORMED, and *@why (if @why) says which.  The signature
 * is not checked: see cert_verify().  @c is undefined on failure.
 */
enum cert_err cert_decode(const uint8_t *buf, size_t len, struct cert *c,
			  const char **why);

/*
 * Encode @c (signature included) into @buf of @size bytes.  Returns the
 * length, or -1 if @c is not a valid certificate (the checks of
 * cert_decode(), signature aside) or @size is too small.
 */
int cert_encode(const struct cert *c, uint8_t *buf, size_t size);

/*
 * Sort @c's addresses into canonical order, set @c->issuer to the public
 * half of @ca_sk (an Ed25519 secret key, crypto_sign_SECRETKEYBYTES) and
 * sign.  Returns 0, or -1 (with *@why) if @c is not valid even sorted,
 * e.g. a repeated address or host bits set.
 */
int cert_sign(struct cert *c, const uint8_t ca_sk[CERT_SECRET_LEN],
	      const char **why);

/*
 * Check @c against the trusted CA public key @ca_pub at Unix time @now:
 * issuer, then signature, then validity period (both ends inclusive).
 * CERT_MALFORMED if @c does not even encode.
 */
enum cert_err cert_verify(const struct cert *c,
			  const uint8_t ca_pub[CERT_KEY_LEN], uint64_t now);

/*
 * True if the prefix @p lies within one of @c's addresses (an allowed-ip
 * of a peer must: the certificate is what the peer may claim).  Host bits
 * of @p beyond its length are ignored.
 */
bool cert_covers(const struct cert *c, const struct cidr *p);

/* "YYYY-MM-DDTHH:MM:SSZ" (RFC 3339, UTC) and its NUL. */
#define CERT_TIME_STRLEN	21

/* @t (at most CERT_TIME_MAX) as RFC 3339 UTC into @buf; returns @buf. */
char *cert_time_str(uint64_t t, char *buf);

/*
 * Parse exactly "YYYY-MM-DDTHH:MM:SSZ", a real UTC date and time from
 * 1970 to 9999, as cert_time_str() writes it.  Returns 0 or -1.
 */
int cert_time_parse(const char *s, uint64_t *t);

/*
 * File form: the encoding in standard base64, 64 characters a line,
 * between CERT_ARMOR_BEGIN and CERT_ARMOR_END lines.
 */
#define CERT_ARMOR_BEGIN	"-----BEGIN OVL CERTIFICATE-----"
#define CERT_ARMOR_END		"-----END OVL CERTIFICATE-----"
#define CERT_ARMOR_MAX		1100	/* armor of CERT_MAX_LEN bytes */

/*
 * Armor the @len bytes at @buf into the string @out (@size bytes, ending
 * with a newline).  Returns its length, or -1 if it does not fit.
 */
int cert_armor(const uint8_t *buf, size_t len, char *out, size_t size);

/*
 * Undo cert_armor() on the @len characters at @text: the BEGIN line, base64
 * lines, the END line; blank space around the armor and CR before LF are
 * tolerated, anything else is not.  Writes at most @size bytes to @buf and
 * their number to *@out_len.  Returns 0, or -1 with *@why.
 */
int cert_dearmor(const char *text, size_t len, uint8_t *buf, size_t size,
		 size_t *out_len, const char **why);

#endif /* _OVL_CERT_H */
