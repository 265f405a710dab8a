// SPDX-License-Identifier: GPL-2.0
/*
 * Node certificates (see cert.h and docs/protocol.md "Certificates").
 *
 * Layout, all integers big-endian:
 *
 *	 0  4  magic "OVLC"
 *	 4  1  version (1)
 *	 5  1  flags (CERT_F_*; unknown bits refused)
 *	 6  1  number of addresses, 1..CERT_MAX_ADDRS
 *	 7  1  reserved, zero
 *	 8  4  node id, not 0
 *	12  8  not-before, Unix seconds
 *	20  8  not-after, Unix seconds, > not-before, <= CERT_TIME_MAX
 *	28 32  node's Ed25519 public key
 *	60 32  issuer: the CA's Ed25519 public key
 *	92     addresses: family (4 or 6), prefix length, 4 or 16 address bytes
 *	       signature: 64 bytes, Ed25519 by the issuer over all the above
 */

#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "cert.h"

#define OFF_VERSION	4
#define OFF_FLAGS	5
#define OFF_NADDRS	6
#define OFF_RESERVED	7
#define OFF_NODE_ID	8
#define OFF_NOT_BEFORE	12
#define OFF_NOT_AFTER	20
#define OFF_PUBKEY	28
#define OFF_ISSUER	60

#define CERT_B64	sodium_base64_VARIANT_ORIGINAL
#define ARMOR_LINE	64

const char *cert_strerror(enum cert_err err)
{
	switch (err) {
	case CERT_OK:
		return "valid";
	case CERT_MALFORMED:
		return "malformed";
	case CERT_WRONG_ISSUER:
		return "wrong issuer";
	case CERT_BAD_SIGNATURE:
		return "bad signature";
	case CERT_NOT_YET_VALID:
		return "not yet valid";
	case CERT_EXPIRED:
		return "expired";
	}
	return "unknown error";
}

static unsigned int cidr_len(const struct cidr *p)
{
	return p->family == AF_INET6 ? 16 : 4;
}

static const uint8_t *cidr_bytes(const struct cidr *p)
{
	return (const uint8_t *)&p->addr;
}

/* Whether the first @bits bits of @a and @b are equal. */
static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int n = bits / 8, rem = bits % 8;
	uint8_t mask = 0xff << (8 - rem);

	if (memcmp(a, b, n))
		return false;
	return !rem || !((a[n] ^ b[n]) & mask);
}

bool cidr_canonical(const struct cidr *p)
{
	unsigned int len, i, bit;
	const uint8_t *a;

	if (p->family != AF_INET && p->family != AF_INET6)
		return false;
	len = cidr_len(p);
	if (p->prefix > len * 8)
		return false;
	a = cidr_bytes(p);
	for (i = p->prefix / 8; i < len; i++) {
		bit = i == p->prefix / 8 ? p->prefix % 8 : 0;
		if (a[i] & (0xff >> bit))
			return false;
	}
	return true;
}

char *cidr_fmt(const struct cidr *p, char *buf)
{
	char addr[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, &p->addr, addr, sizeof(addr)))
		snprintf(addr, sizeof(addr), "?");
	snprintf(buf, ADDR_STRLEN, "%s/%u", addr, p->prefix);
	return buf;
}

int cidr_cmp(const struct cidr *a, const struct cidr *b)
{
	int d;

	/* AF_INET (2) sorts before AF_INET6 (10); consistent for any. */
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	d = memcmp(cidr_bytes(a), cidr_bytes(b), cidr_len(a));
	if (d)
		return d;
	return (int)a->prefix - (int)b->prefix;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* The checks on decoded fields that cert_decode() and cert_encode() share. */
static const char *cert_check(const struct cert *c)
{
	unsigned int i;

	if (c->flags & ~CERT_F_ALL)
		return "unknown flags";
	if (!c->node_id)
		return "node id 0";
	if (c->not_before >= c->not_after)
		return "not-after is not after not-before";
	if (c->not_after > CERT_TIME_MAX)
		return "not-after beyond year 9999";
	if (!c->n_addrs)
		return "no addresses";
	if (c->n_addrs > CERT_MAX_ADDRS)
		return "too many addresses";
	for (i = 0; i < c->n_addrs; i++) {
		if (!cidr_canonical(&c->addrs[i]))
			return "address with host bits set";
		if (i && cidr_cmp(&c->addrs[i - 1], &c->addrs[i]) >= 0)
			return "addresses repeated or out of order";
	}
	return NULL;
}

/* The signed part of @c into @buf (at least CERT_MAX_LEN); its length. */
static size_t cert_body(const struct cert *c, uint8_t *buf)
{
	uint8_t *p = buf + CERT_HDR_LEN;
	unsigned int i, len;

	memcpy(buf, CERT_MAGIC, 4);
	buf[OFF_VERSION] = CERT_VERSION;
	buf[OFF_FLAGS] = c->flags;
	buf[OFF_NADDRS] = c->n_addrs;
	buf[OFF_RESERVED] = 0;
	put_be32(buf + OFF_NODE_ID, c->node_id);
	put_be64(buf + OFF_NOT_BEFORE, c->not_before);
	put_be64(buf + OFF_NOT_AFTER, c->not_after);
	memcpy(buf + OFF_PUBKEY, c->public_key, CERT_KEY_LEN);
	memcpy(buf + OFF_ISSUER, c->issuer, CERT_KEY_LEN);
	for (i = 0; i < c->n_addrs; i++) {
		len = cidr_len(&c->addrs[i]);
		*p++ = len == 4 ? 4 : 6;
		*p++ = c->addrs[i].prefix;
		memcpy(p, cidr_bytes(&c->addrs[i]), len);
		p += len;
	}
	return p - buf;
}

int cert_encode(const struct cert *c, uint8_t *buf, size_t size)
{
	uint8_t tmp[CERT_MAX_LEN];
	size_t len;

	if (cert_check(c))
		return -1;
	len = cert_body(c, tmp);
	if (len + CERT_SIG_LEN > size)
		return -1;
	memcpy(buf, tmp, len);
	memcpy(buf + len, c->signature, CERT_SIG_LEN);
	return len + CERT_SIG_LEN;
}

/* Decode the address at @p (@left bytes) into @a; its length or 0. */
static size_t addr_decode(const uint8_t *p, size_t left, struct cidr *a,
			  const char **why)
{
	size_t len;

	memset(a, 0, sizeof(*a));
	if (left < 2) {
		*why = "truncated address";
		return 0;
	}
	if (p[0] != 4 && p[0] != 6) {
		*why = "unknown address family";
		return 0;
	}
	a->family = p[0] == 4 ? AF_INET : AF_INET6;
	len = cidr_len(a);
	if (p[1] > len * 8) {
		*why = "prefix length too long";
		return 0;
	}
	a->prefix = p[1];
	if (left < 2 + len) {
		*why = "truncated address";
		return 0;
	}
	memcpy(&a->addr, p + 2, len);
	return 2 + len;
}

/* The fixed fields of @buf (at least CERT_HDR_LEN bytes) into @c. */
static const char *hdr_decode(const uint8_t *buf, struct cert *c)
{
	if (memcmp(buf, CERT_MAGIC, 4))
		return "not a certificate (bad magic)";
	if (buf[OFF_VERSION] != CERT_VERSION)
		return "unknown version";
	if (buf[OFF_RESERVED])
		return "reserved byte not zero";
	c->flags = buf[OFF_FLAGS];
	c->n_addrs = buf[OFF_NADDRS];
	c->node_id = get_be32(buf + OFF_NODE_ID);
	c->not_before = get_be64(buf + OFF_NOT_BEFORE);
	c->not_after = get_be64(buf + OFF_NOT_AFTER);
	memcpy(c->public_key, buf + OFF_PUBKEY, CERT_KEY_LEN);
	memcpy(c->issuer, buf + OFF_ISSUER, CERT_KEY_LEN);
	if (c->n_addrs > CERT_MAX_ADDRS)
		return "too many addresses";
	return NULL;
}

enum cert_err cert_decode(const uint8_t *buf, size_t len, struct cert *c,
			  const char **why)
{
	const char *reason;
	size_t off, n;
	unsigned int i;

	if (!why)
		why = &reason;
	memset(c, 0, sizeof(*c));
	if (len < CERT_MIN_LEN) {
		*why = "truncated";
		return CERT_MALFORMED;
	}
	*why = hdr_decode(buf, c);
	if (*why)
		return CERT_MALFORMED;
	off = CERT_HDR_LEN;
	for (i = 0; i < c->n_addrs; i++) {
		n = addr_decode(buf + off, len - off, &c->addrs[i], why);
		if (!n)
			return CERT_MALFORMED;
		off += n;
	}
	if (len - off < CERT_SIG_LEN) {
		*why = "truncated";
		return CERT_MALFORMED;
	}
	if (len - off > CERT_SIG_LEN) {
		*why = "trailing bytes";
		return CERT_MALFORMED;
	}
	memcpy(c->signature, buf + off, CERT_SIG_LEN);
	*why = cert_check(c);
	return *why ? CERT_MALFORMED : CERT_OK;
}

static int addr_sort_cmp(const void *a, const void *b)
{
	return cidr_cmp(a, b);
}

int cert_sign(struct cert *c, const uint8_t ca_sk[CERT_SECRET_LEN],
	      const char **why)
{
	uint8_t body[CERT_MAX_LEN];
	const char *reason;
	size_t len;

	if (!why)
		why = &reason;
	if (c->n_addrs <= CERT_MAX_ADDRS)
		qsort(c->addrs, c->n_addrs, sizeof(c->addrs[0]),
		      addr_sort_cmp);
	*why = cert_check(c);
	if (*why || sodium_init() < 0)
		return -1;
	crypto_sign_ed25519_sk_to_pk(c->issuer, ca_sk);
	len = cert_body(c, body);
	crypto_sign_detached(c->signature, NULL, body, len, ca_sk);
	return 0;
}

enum cert_err cert_verify(const struct cert *c,
			  const uint8_t ca_pub[CERT_KEY_LEN], uint64_t now)
{
	uint8_t body[CERT_MAX_LEN];
	size_t len;

	if (cert_check(c) || sodium_init() < 0)
		return CERT_MALFORMED;
	if (sodium_memcmp(c->issuer, ca_pub, CERT_KEY_LEN))
		return CERT_WRONG_ISSUER;
	len = cert_body(c, body);
	if (crypto_sign_verify_detached(c->signature, body, len, ca_pub))
		return CERT_BAD_SIGNATURE;
	if (now < c->not_before)
		return CERT_NOT_YET_VALID;
	if (now > c->not_after)
		return CERT_EXPIRED;
	return CERT_OK;
}

bool cert_covers(const struct cert *c, const struct cidr *p)
{
	const struct cidr *a;
	unsigned int i;

	if (p->family != AF_INET && p->family != AF_INET6)
		return false;
	for (i = 0; i < c->n_addrs && i < CERT_MAX_ADDRS; i++) {
		a = &c->addrs[i];
		if (a->family == p->family && a->prefix <= p->prefix &&
		    prefix_match(cidr_bytes(a), cidr_bytes(p), a->prefix))
			return true;
	}
	return false;
}

char *cert_time_str(uint64_t t, char *buf)
{
	time_t tt = t > CERT_TIME_MAX ? CERT_TIME_MAX : t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) ||
	    !strftime(buf, CERT_TIME_STRLEN, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, CERT_TIME_STRLEN, "?");
	return buf;
}

int cert_time_parse(const char *s, uint64_t *t)
{
	char back[CERT_TIME_STRLEN];
	struct tm tm = {};
	time_t tt;
	int n = -1;

	if (strlen(s) != CERT_TIME_STRLEN - 1 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != CERT_TIME_STRLEN - 1 || tm.tm_year < 1970)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	tt = timegm(&tm);
	/* timegm() normalizes 02-30 to 03-02: a round trip catches it. */
	if (tt < 0 || strcmp(cert_time_str(tt, back), s))
		return -1;
	*t = tt;
	return 0;
}

int cert_armor(const uint8_t *buf, size_t len, char *out, size_t size)
{
	char b64[sodium_base64_ENCODED_LEN(CERT_MAX_LEN, CERT_B64)];
	size_t b64_len, pos = 0, i, n;
	int w;

	if (len > CERT_MAX_LEN)
		return -1;
	sodium_bin2base64(b64, sizeof(b64), buf, len, CERT_B64);
	b64_len = strlen(b64);
	w = snprintf(out, size, "%s\n", CERT_ARMOR_BEGIN);
	if (w < 0 || (size_t)w >= size)
		return -1;
	pos = w;
	for (i = 0; i < b64_len; i += n) {
		n = b64_len - i < ARMOR_LINE ? b64_len - i : ARMOR_LINE;
		w = snprintf(out + pos, size - pos, "%.*s\n", (int)n, b64 + i);
		if (w < 0 || (size_t)w >= size - pos)
			return -1;
		pos += w;
	}
	w = snprintf(out + pos, size - pos, "%s\n", CERT_ARMOR_END);
	if (w < 0 || (size_t)w >= size - pos)
		return -1;
	return pos + w;
}

static bool blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/*
 * Whether the line "@line\n" (or "\r\n") starts at @p in the @end - @p
 * characters there; moves *@p past it.
 */
static bool eat_line(const char **p, const char *end, const char *line)
{
	size_t n = strlen(line);

	if ((size_t)(end - *p) < n || memcmp(*p, line, n))
		return false;
	*p += n;
	if (*p < end && **p == '\r')
		(*p)++;
	if (*p < end && **p == '\n')
		(*p)++;
	else if (*p != end)
		return false;
	return true;
}

int cert_dearmor(const char *text, size_t len, uint8_t *buf, size_t size,
		 size_t *out_len, const char **why)
{
	const char *p = text, *end = text + len, *b64, *b64_end;

	while (p < end && blank(*p))
		p++;
	while (end > p && blank(end[-1]))
		end--;
	if (!eat_line(&p, end, CERT_ARMOR_BEGIN)) {
		*why = "no '" CERT_ARMOR_BEGIN "' line";
		return -1;
	}
	b64 = p;
	b64_end = end - strlen(CERT_ARMOR_END);
	if (b64_end < b64 ||
	    memcmp(b64_end, CERT_ARMOR_END, strlen(CERT_ARMOR_END)) ||
	    (b64_end > b64 && b64_end[-1] != '\n')) {
		*why = "no '" CERT_ARMOR_END "' line";
		return -1;
	}
	if (sodium_base642bin(buf, size, b64, b64_end - b64, "\r\n", out_len,
			      NULL, CERT_B64)) {
		*why = "not base64, or too long";
		return -1;
	}
	return 0;
}
