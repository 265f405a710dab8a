/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure command-line value parsers: no I/O, no name resolution, no netlink.
 * Each returns 0 on success and -1 on any malformed or out-of-range input;
 * on failure the output arguments are left untouched.
 */
#ifndef _OVLCTL_PARSE_H
#define _OVLCTL_PARSE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/**
 * struct cidr - an IPv4 or IPv6 prefix
 * @family: AF_INET or AF_INET6
 * @prefix: prefix length, 0..32 (IPv4) or 0..128 (IPv6)
 * @addr: the address as written; host bits are not masked off
 */
struct cidr {
	sa_family_t family;
	uint8_t prefix;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
};

/*
 * Unsigned decimal: digits only (leading zeros allowed), no sign, no
 * whitespace, no base prefix, at most UINT32_MAX.
 */
int parse_u32(const char *s, uint32_t *out);

/* Like parse_u32(), up to UINT64_MAX. */
int parse_u64(const char *s, uint64_t *out);

/* Like parse_u32(), at most 65535 (a UDP port, 0 included). */
int parse_u16(const char *s, uint16_t *out);

/* An interface name: 1 to IFNAMSIZ - 1 characters. */
int parse_ifname(const char *s);

/*
 * "A.B.C.D:PORT" or "[IPv6]:PORT" with numeric addresses only and a port
 * of 1..65535; fills a sockaddr_in or sockaddr_in6 inside @ss.
 */
int parse_endpoint(const char *s, struct sockaddr_storage *ss);

/* Enough for "[IPv6]:PORT" and for "IPv6/LEN". */
#define ADDR_STRLEN	(INET6_ADDRSTRLEN + sizeof("[]:65535"))

/*
 * "1.2.3.4:5" or "[v6]:5" in @buf (ADDR_STRLEN bytes), as parse_endpoint()
 * reads it; NULL if @ss is no endpoint (family 0).
 */
const char *endpoint_str(const struct sockaddr_storage *ss, char *buf);

/*
 * Same family, address, port and IPv6 scope id; two unset endpoints
 * (family 0) are equal too.  The identity of a peer's endpoint, a beacon
 * or a tunnel's listen address or backend across reloads.
 */
bool endpoint_equal(const struct sockaddr_storage *a,
		    const struct sockaddr_storage *b);

/*
 * "ADDR/LEN" or a bare "ADDR", which stands for a host prefix (/32 or
 * /128); ADDR is a numeric IPv4 or IPv6 address, IPv6 without brackets.
 */
int parse_cidr(const char *s, struct cidr *out);

#endif /* _OVLCTL_PARSE_H */
