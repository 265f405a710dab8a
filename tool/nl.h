/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small generic netlink layer over libmnl for the "ovl" family.
 *
 * Every request asks for an ACK, so each exchange ends with the kernel's
 * verdict.  Failures are reported on standard error as one line,
 * "ovlctl: <context>: <strerror>[: <kernel extack message>]", by the
 * function that failed; callers only turn the -1 into an exit status.
 */
#ifndef _OVLCTL_NL_H
#define _OVLCTL_NL_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct ovl_nl;

/* Size of the request buffer: no request may be larger. */
#define OVL_NL_TX_SIZE	32768

/*
 * Open a generic netlink socket with extended ACKs and resolve the ids of
 * the "ovl" family and of its "events" multicast group.  Returns NULL,
 * having said why, on failure.
 */
struct ovl_nl *ovl_nl_open(void);

/*
 * Batch mode on: ovl_nl_open() hands every command the same socket, and
 * ovl_nl_close() only wipes its buffers.  Off: that socket is closed.
 */
void ovl_nl_batch(bool on);

/* Close the socket and wipe its buffers, which may hold key material. */
void ovl_nl_close(struct ovl_nl *nl);

/*
 * Start a request for @cmd in the socket's buffer: the netlink and genl
 * headers, with NLM_F_REQUEST | NLM_F_ACK | @flags (e.g. NLM_F_DUMP).
 * Attributes are then added with mnl_attr_put_*(); the request stays
 * valid until the next ovl_nl_request() call.
 */
struct nlmsghdr *ovl_nl_request(struct ovl_nl *nl, uint8_t cmd,
				uint16_t flags);

/*
 * Send @nlh and hand every reply message to @cb (which may be NULL) with
 * @data, until the ACK or the end of the dump.  @cb returns MNL_CB_OK, or
 * MNL_CB_ERROR with errno set.  On failure, prints @fmt as the context
 * of the error line.  Returns 0 or -1.
 */
int ovl_nl_call(struct ovl_nl *nl, const struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Index the attributes of the genl message @nlh into @tb[0..@max], which
 * the caller has zeroed.  @policy[type] is the libmnl type every known
 * attribute must validate as; attributes above @max (from a newer kernel)
 * are skipped.  Returns 0, or -1 with errno EBADMSG.
 */
int ovl_nl_parse(const struct nlmsghdr *nlh,
		 const enum mnl_attr_data_type *policy, uint16_t max,
		 const struct nlattr **tb);

/*
 * Like ovl_nl_parse(), for the attributes inside the nest @nest.  Of an
 * attribute that is repeated, @tb keeps the last one; each is validated.
 */
int ovl_nl_parse_nested(const struct nlattr *nest,
			const enum mnl_attr_data_type *policy, uint16_t max,
			const struct nlattr **tb);

/*
 * Join the family's "events" multicast group (OVL_MCGRP_EVENTS).  Returns
 * 0, or -1 having said why.
 */
int ovl_nl_subscribe(struct ovl_nl *nl);

/* The socket's file descriptor, to wait for events with poll(). */
int ovl_nl_fd(const struct ovl_nl *nl);

/*
 * Read one datagram of notifications (blocking if there is none) and hand
 * each message of the "ovl" family in it to @cb with @data; other messages
 * are skipped.  Returns 0, or -1 with errno set and nothing printed:
 * ENOBUFS means the socket overran and events were lost, but it stays
 * usable; EINTR means a signal came first.
 */
int ovl_nl_recv_events(struct ovl_nl *nl, mnl_cb_t cb, void *data);

/*
 * An endpoint from its three attributes (IPv4 u32, IPv6 16 bytes, port
 * u16, addresses and port in network order), any of them absent, into
 * @ss (family 0 if there is no address).  Returns 0, or -1 with errno
 * EBADMSG if the IPv6 address has the wrong length.
 */
int ovl_nl_endpoint(const struct nlattr *v4, const struct nlattr *v6,
		    const struct nlattr *port, struct sockaddr_storage *ss);

/* Put @ss (AF_INET or AF_INET6) as attributes @v4 or @v6, and @port. */
void ovl_nl_put_endpoint(struct nlmsghdr *nlh, uint16_t v4, uint16_t v6,
			 uint16_t port, const struct sockaddr_storage *ss);

struct cidr;

/* Put @c as one OVL_A_PEER_ALLOWED_IP nest (family, address, length). */
void ovl_nl_put_aip(struct nlmsghdr *nlh, const struct cidr *c);

#endif /* _OVLCTL_NL_H */
