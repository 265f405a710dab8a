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
#include <stdint.h>

struct ovl_nl;

/*
 * Open a generic netlink socket with extended ACKs and resolve the id of
 * the "ovl" family.  Returns NULL, having said why, on failure.
 */
struct ovl_nl *ovl_nl_open(void);
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

#endif /* _OVLCTL_NL_H */
