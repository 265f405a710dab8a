// SPDX-License-Identifier: GPL-2.0
/*
 * Test harness: a fake kernel behind libmnl's socket calls, and a runner
 * of whole commands (see harness.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/ovl.h>

#include "harness.h"
#include "../parse.h"

#define MAX_MSGS	4096
#define MAX_ANSWERS	32
#define MAX_EVENTS	256
#define MAX_REQS	32

/**
 * struct answer - the answer to one ovl request
 * @first: index of its first stored message in msg_off[]
 * @n: number of stored messages
 * @gen: makes @gen_n more messages with command @gen_cmd, after those
 * @error: its verdict (0 or negative)
 * @ext: extack message of an error, "" for none
 */
struct answer {
	size_t first;
	size_t n;
	void (*gen)(struct nlmsghdr *nlh, unsigned int i);
	unsigned int gen_n;
	uint8_t gen_cmd;
	int error;
	char ext[256];
};

/* A queued event: a stored message, or a failed read if @error. */
struct event {
	size_t msg;
	int error;
};

static struct {
	/* Messages of answers and events, built in place by the tests. */
	uint32_t store[(1 << 20) / sizeof(uint32_t)];
	size_t msg_off[MAX_MSGS];
	size_t n_msgs;

	struct answer answers[MAX_ANSWERS];
	size_t n_answers;
	size_t next_answer;
	struct answer ctrl;		/* to CTRL_CMD_GETFAMILY */

	struct event events[MAX_EVENTS];
	size_t n_events;
	size_t next_event;

	/* The ovl requests received. */
	uint32_t reqs[(256 << 10) / sizeof(uint32_t)];
	size_t req_off[MAX_REQS];
	size_t n_reqs;
	size_t reqs_len;

	/* The answer being read. */
	struct {
		const struct answer *a;
		struct nlmsghdr req;
		bool dump;
		size_t pos;
	} cur;

	bool no_groups;
	int stop_signal;
	void (*events_done)(void);
	unsigned int joined;
	int open;
	int fd;
} fake;

char *run_out, *run_err;

static char sock_dummy;

void fake_reset(void)
{
	if (fake.fd >= 0 && fake.open)
		close(fake.fd);
	memset(&fake, 0, sizeof(fake));
	fake.stop_signal = SIGTERM;
	fake.fd = -1;
	free(run_out);
	free(run_err);
	run_out = run_err = NULL;
}

/* Start a message in the store, after the last one. */
static struct nlmsghdr *store_msg(uint16_t type, uint8_t cmd)
{
	size_t off = 0;
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	if (fake.n_msgs) {
		off = fake.msg_off[fake.n_msgs - 1];
		nlh = (struct nlmsghdr *)((char *)fake.store + off);
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	assert_true(fake.n_msgs < MAX_MSGS);
	assert_true(off + 8192 <= sizeof(fake.store));
	fake.msg_off[fake.n_msgs++] = off;
	nlh = mnl_nlmsg_put_header((char *)fake.store + off);
	nlh->nlmsg_type = type;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = OVL_FAMILY_VERSION;
	return nlh;
}

static const struct nlmsghdr *stored(size_t i)
{
	return (const struct nlmsghdr *)((char *)fake.store + fake.msg_off[i]);
}

void fake_answer(void)
{
	assert_true(fake.n_answers < MAX_ANSWERS);
	fake.answers[fake.n_answers++].first = fake.n_msgs;
}

static struct answer *last_answer(void)
{
	assert_true(fake.n_answers > 0);
	return &fake.answers[fake.n_answers - 1];
}

struct nlmsghdr *fake_answer_msg(uint8_t cmd)
{
	struct answer *a = last_answer();

	assert_int_equal(a->first + a->n, fake.n_msgs);
	a->n++;
	return store_msg(FAKE_FAMILY, cmd);
}

void fake_answer_gen(uint8_t cmd, unsigned int n,
		     void (*gen)(struct nlmsghdr *nlh, unsigned int i))
{
	struct answer *a = last_answer();

	a->gen = gen;
	a->gen_n = n;
	a->gen_cmd = cmd;
}

void fake_answer_error(int error, const char *ext)
{
	struct answer *a = last_answer();

	a->error = error;
	snprintf(a->ext, sizeof(a->ext), "%s", ext ? ext : "");
}

void fake_no_groups(void)
{
	fake.no_groups = true;
}

void fake_stop_signal(int sig)
{
	fake.stop_signal = sig;
}

void fake_on_events_done(void (*fn)(void))
{
	fake.events_done = fn;
}

struct nlmsghdr *fake_event(uint8_t cmd)
{
	assert_true(fake.n_events < MAX_EVENTS);
	fake.events[fake.n_events++].msg = fake.n_msgs;
	return store_msg(FAKE_FAMILY, cmd);
}

void fake_event_error(int error)
{
	assert_true(fake.n_events < MAX_EVENTS);
	fake.events[fake.n_events++].error = error;
}

unsigned int fake_nreqs(void)
{
	return fake.n_reqs;
}

const struct nlmsghdr *fake_req(unsigned int i)
{
	assert_true(i < fake.n_reqs);
	return (const struct nlmsghdr *)((char *)fake.reqs + fake.req_off[i]);
}

const struct genlmsghdr *fake_req_genl(unsigned int i)
{
	return mnl_nlmsg_get_payload(fake_req(i));
}

unsigned int fake_joined(void)
{
	return fake.joined;
}

/* The family's description, as the kernel's ctrl_fill_info() lays it out. */
static void ctrl_answer(const struct nlmsghdr *req)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(req);
	struct nlattr *groups, *grp;
	struct nlmsghdr *nlh;
	const struct nlattr *name;

	assert_int_equal(genl->cmd, CTRL_CMD_GETFAMILY);
	name = mnl_nlmsg_get_payload_offset(req, sizeof(*genl));
	assert_int_equal(mnl_attr_get_type(name), CTRL_ATTR_FAMILY_NAME);
	assert_string_equal(mnl_attr_get_str(name), OVL_FAMILY_NAME);

	memset(&fake.ctrl, 0, sizeof(fake.ctrl));
	fake.ctrl.first = fake.n_msgs;
	fake.ctrl.n = 1;
	nlh = store_msg(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, OVL_FAMILY_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAKE_FAMILY);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, OVL_FAMILY_VERSION);
	if (fake.no_groups)
		return;
	groups = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	grp = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, FAKE_GROUP + 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "other");
	mnl_attr_nest_end(nlh, grp);
	grp = mnl_attr_nest_start(nlh, 2);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, FAKE_GROUP);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, OVL_MCGRP_EVENTS);
	mnl_attr_nest_end(nlh, grp);
	mnl_attr_nest_end(nlh, groups);
}

/* Prototypes of the wrappers, for -Wmissing-prototypes. */
struct mnl_socket *__wrap_mnl_socket_open(int bus);
int __wrap_mnl_socket_bind(struct mnl_socket *nl, unsigned int groups,
			   pid_t pid);
int __wrap_mnl_socket_setsockopt(const struct mnl_socket *nl, int type,
				 void *buf, socklen_t len);
unsigned int __wrap_mnl_socket_get_portid(const struct mnl_socket *nl);
int __wrap_mnl_socket_get_fd(const struct mnl_socket *nl);
ssize_t __wrap_mnl_socket_sendto(const struct mnl_socket *nl,
				 const void *req, size_t size);
ssize_t __wrap_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
				   size_t size);
int __wrap_mnl_socket_close(struct mnl_socket *nl);

struct mnl_socket *__wrap_mnl_socket_open(int bus)
{
	assert_int_equal(bus, NETLINK_GENERIC);
	assert_int_equal(fake.open, 0);
	/* Always readable, for poll(). */
	fake.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fake.fd >= 0);
	fake.open++;
	return (struct mnl_socket *)&sock_dummy;
}

int __wrap_mnl_socket_bind(struct mnl_socket *nl, unsigned int groups,
			   pid_t pid)
{
	(void)nl;
	(void)groups;
	(void)pid;
	return 0;
}

int __wrap_mnl_socket_setsockopt(const struct mnl_socket *nl, int type,
				 void *buf, socklen_t len)
{
	(void)nl;
	assert_int_equal(len, sizeof(int));
	if (type == NETLINK_ADD_MEMBERSHIP)
		fake.joined = *(unsigned int *)buf;
	return 0;
}

unsigned int __wrap_mnl_socket_get_portid(const struct mnl_socket *nl)
{
	(void)nl;
	return FAKE_PORTID;
}

int __wrap_mnl_socket_get_fd(const struct mnl_socket *nl)
{
	(void)nl;
	return fake.fd;
}

int __wrap_mnl_socket_close(struct mnl_socket *nl)
{
	(void)nl;
	assert_int_equal(fake.open, 1);
	close(fake.fd);
	fake.fd = -1;
	fake.open--;
	return 0;
}

ssize_t __wrap_mnl_socket_sendto(const struct mnl_socket *nl,
				 const void *req, size_t size)
{
	const struct nlmsghdr *nlh = req;
	static const struct answer none;

	(void)nl;
	assert_int_equal(size, nlh->nlmsg_len);
	assert_true(mnl_nlmsg_ok(nlh, size));
	assert_int_equal(nlh->nlmsg_flags & (NLM_F_REQUEST | NLM_F_ACK),
			 NLM_F_REQUEST | NLM_F_ACK);
	assert_null(fake.cur.a);
	if (nlh->nlmsg_type == GENL_ID_CTRL) {
		ctrl_answer(nlh);
		fake.cur.a = &fake.ctrl;
	} else {
		assert_int_equal(nlh->nlmsg_type, FAKE_FAMILY);
		assert_true(fake.n_reqs < MAX_REQS);
		assert_true(fake.reqs_len + size <= sizeof(fake.reqs));
		fake.req_off[fake.n_reqs++] = fake.reqs_len;
		memcpy((char *)fake.reqs + fake.reqs_len, req, size);
		fake.reqs_len += NLMSG_ALIGN(size);
		fake.cur.a = fake.next_answer < fake.n_answers ?
			     &fake.answers[fake.next_answer++] : &none;
	}
	fake.cur.req = *nlh;
	fake.cur.dump = nlh->nlmsg_flags & NLM_F_DUMP;
	fake.cur.pos = 0;
	return size;
}

/* The end of an answer: NLMSG_DONE of a dump, or the ACK of a do. */
static struct nlmsghdr *put_final(void *buf, const struct answer *a)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *err;
	int *done;

	if (fake.cur.dump) {
		nlh->nlmsg_type = NLMSG_DONE;
		nlh->nlmsg_flags = NLM_F_MULTI;
		done = mnl_nlmsg_put_extra_header(nlh, sizeof(*done));
		*done = a->error;
	} else {
		nlh->nlmsg_type = NLMSG_ERROR;
		nlh->nlmsg_flags = NLM_F_CAPPED;
		err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
		err->error = a->error;
		err->msg = fake.cur.req;
	}
	if (a->error && *a->ext) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, a->ext);
	}
	return nlh;
}

/* The next message of the answer being read, or NULL at its end. */
static const struct nlmsghdr *next_msg(void *tmp)
{
	const struct answer *a = fake.cur.a;
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	size_t i = fake.cur.pos;

	if (i < a->n)
		return stored(a->first + i);
	if (i - a->n >= a->gen_n)
		return NULL;
	nlh = mnl_nlmsg_put_header(tmp);
	nlh->nlmsg_type = FAKE_FAMILY;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = a->gen_cmd;
	genl->version = OVL_FAMILY_VERSION;
	a->gen(nlh, i - a->n);
	return nlh;
}

ssize_t __wrap_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
				   size_t size)
{
	static uint32_t tmp[8192 / sizeof(uint32_t)];
	const struct nlmsghdr *msg;
	const struct event *ev;
	struct nlmsghdr *nlh;
	size_t len = 0;

	(void)nl;
	while (fake.cur.a) {
		msg = next_msg(tmp);
		if (!msg)
			msg = put_final(tmp, fake.cur.a);
		if (len && len + msg->nlmsg_len > FAKE_DGRAM)
			break;
		assert_true(len + msg->nlmsg_len <= size);
		nlh = memcpy((char *)buf + len, msg, msg->nlmsg_len);
		nlh->nlmsg_seq = fake.cur.req.nlmsg_seq;
		nlh->nlmsg_pid = FAKE_PORTID;
		if (fake.cur.dump)
			nlh->nlmsg_flags |= NLM_F_MULTI;
		len += NLMSG_ALIGN(msg->nlmsg_len);
		if (msg == (void *)tmp && (nlh->nlmsg_type == NLMSG_DONE ||
					   nlh->nlmsg_type == NLMSG_ERROR))
			fake.cur.a = NULL;
		else
			fake.cur.pos++;
	}
	if (len)
		return len;

	if (fake.next_event < fake.n_events) {
		ev = &fake.events[fake.next_event++];
		if (ev->error) {
			errno = ev->error;
			return -1;
		}
		msg = stored(ev->msg);
		assert_true(msg->nlmsg_len <= size);
		memcpy(buf, msg, msg->nlmsg_len);
		return msg->nlmsg_len;
	}
	if (fake.joined) {
		if (fake.events_done)
			fake.events_done();
		raise(fake.stop_signal);
		errno = EINTR;
		return -1;
	}
	errno = EAGAIN;		/* a test bug: ovlctl waits for nothing */
	return -1;
}

/* Read all of @f into a new string. */
static char *slurp(FILE *f)
{
	char *s;
	long len;

	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	s = malloc(len + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, len, f), (size_t)len);
	s[len] = '\0';
	fclose(f);
	return s;
}

static const struct ctl_object *const objects[] = {
	&show_object, &dev_object, &peer_object, &key_object, &monitor_object,
	&genkey_object, &pubkey_object, &cert_object,
};

int run(const char *arg, ...)
{
	const struct ctl_object *obj = NULL;
	struct ovlctl ctl = {};
	char *argv[64];
	int argc = 0, status, saved_out, saved_err;
	FILE *out, *err;
	va_list ap;
	size_t i;

	va_start(ap, arg);
	for (; arg; arg = va_arg(ap, const char *)) {
		assert_true(argc < (int)ARRAY_SIZE(argv));
		argv[argc++] = (char *)arg;
	}
	va_end(ap);

	i = 0;
	if (argc && !strcmp(argv[0], "-j")) {
		ctl.json = true;
		i++;
	}
	assert_true(argc > (int)i);
	for (size_t o = 0; o < ARRAY_SIZE(objects); o++)
		if (!strcmp(objects[o]->name, argv[i]))
			obj = objects[o];
	assert_non_null(obj);
	ctl.obj = obj;
	i++;
	if (obj->bare) {
		ctl.cmd = obj->cmds;
	} else {
		assert_true(argc > (int)i);
		for (ctl.cmd = obj->cmds; ctl.cmd->name; ctl.cmd++)
			if (!strcmp(ctl.cmd->name, argv[i]))
				break;
		assert_non_null(ctl.cmd->name);
		i++;
	}

	free(run_out);
	free(run_err);
	fflush(stdout);
	fflush(stderr);
	out = tmpfile();
	err = tmpfile();
	assert_non_null(out);
	assert_non_null(err);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(fileno(out), STDOUT_FILENO);
	dup2(fileno(err), STDERR_FILENO);

	status = ctl.cmd->run(&ctl, argc - i, argv + i);

	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	run_out = slurp(out);
	run_err = slurp(err);
	assert_int_equal(fake.open, 0);
	return status;
}

struct decode_ctx {
	const struct nlattr **tb;
	uint16_t max;
	uint16_t multi_type;
	const struct nlattr **multi;
	unsigned int n_multi;
	unsigned int *count;
};

static int decode_cb(const struct nlattr *attr, void *arg)
{
	const struct decode_ctx *c = arg;
	uint16_t type = mnl_attr_get_type(attr);

	assert_true(type <= c->max);
	if (c->multi && type == c->multi_type) {
		assert_true(*c->count < c->n_multi);
		c->multi[(*c->count)++] = attr;
		return MNL_CB_OK;
	}
	assert_null(c->tb[type]);		/* no repeats */
	c->tb[type] = attr;
	return MNL_CB_OK;
}

void decode(const struct nlmsghdr *nlh, const struct nlattr **tb,
	    uint16_t max)
{
	struct decode_ctx c = { .tb = tb, .max = max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	assert_int_equal(mnl_attr_parse(nlh, sizeof(struct genlmsghdr),
					decode_cb, &c), MNL_CB_OK);
}

void decode_nested(const struct nlattr *nest, const struct nlattr **tb,
		   uint16_t max, uint16_t multi_type,
		   const struct nlattr **multi, unsigned int n_multi,
		   unsigned int *count)
{
	struct decode_ctx c = {
		.tb = tb, .max = max, .multi_type = multi_type,
		.multi = multi, .n_multi = n_multi, .count = count,
	};

	assert_non_null(nest);
	/* Netlink's strict validation wants nests marked as such. */
	assert_true(nest->nla_type & NLA_F_NESTED);
	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (count)
		*count = 0;
	assert_int_equal(mnl_attr_parse_nested(nest, decode_cb, &c),
			 MNL_CB_OK);
}

void put_peer(struct nlmsghdr *nlh, const struct reply_peer *p)
{
	static const uint16_t ctr_attrs[] = {
		OVL_A_PEER_RX_PACKETS, OVL_A_PEER_RX_BYTES,
		OVL_A_PEER_TX_PACKETS, OVL_A_PEER_TX_BYTES,
		OVL_A_PEER_RELAY_RX_PACKETS, OVL_A_PEER_RELAY_TX_PACKETS,
		OVL_A_PEER_FLIPS,
	};
	const uint64_t ctrs[] = {
		p->rx_packets, p->rx_bytes, p->tx_packets, p->tx_bytes,
		p->relay_rx_packets, p->relay_tx_packets, p->flips,
	};
	struct sockaddr_storage ss;
	struct nlattr *peer, *nest;
	struct cidr c;
	size_t i;

	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, 5);
	if (!p->no_ifname)
		mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, "ovl0");
	peer = mnl_attr_nest_start(nlh, OVL_A_DEV_PEER);
	mnl_attr_put_u32(nlh, OVL_A_PEER_NODE_ID, p->node_id);
	if (p->icmp_errors)
		mnl_attr_put_u64(nlh, OVL_A_PEER_ICMP_ERRORS, p->icmp_errors);
	if (p->endpoint) {
		assert_int_equal(parse_endpoint(p->endpoint, &ss), 0);
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *sin6 = (void *)&ss;

			mnl_attr_put(nlh, OVL_A_PEER_REMOTE_IPV6, 16,
				     &sin6->sin6_addr);
			mnl_attr_put_u16(nlh, OVL_A_PEER_REMOTE_PORT,
					 sin6->sin6_port);
		} else {
			struct sockaddr_in *sin = (void *)&ss;

			mnl_attr_put_u32(nlh, OVL_A_PEER_REMOTE_IPV4,
					 sin->sin_addr.s_addr);
			mnl_attr_put_u16(nlh, OVL_A_PEER_REMOTE_PORT,
					 sin->sin_port);
		}
	}
	for (i = 0; i < ARRAY_SIZE(p->aips) && p->aips[i]; i++) {
		assert_int_equal(parse_cidr(p->aips[i], &c), 0);
		nest = mnl_attr_nest_start(nlh, OVL_A_PEER_ALLOWED_IP);
		mnl_attr_put_u16(nlh, OVL_A_AIP_FAMILY, c.family);
		mnl_attr_put(nlh, OVL_A_AIP_ADDR,
			     c.family == AF_INET ? 4 : 16, &c.addr);
		mnl_attr_put_u8(nlh, OVL_A_AIP_CIDR, c.prefix);
		mnl_attr_nest_end(nlh, nest);
	}
	if (p->has_keepalive)
		mnl_attr_put_u32(nlh, OVL_A_PEER_KEEPALIVE, p->keepalive);
	mnl_attr_put_u32(nlh, OVL_A_PEER_PATH, p->path);
	if (p->pinned)
		mnl_attr_put(nlh, OVL_A_PEER_PINNED, 0, NULL);
	/* As nla_put_u64_64bit() may, on 32-bit kernels. */
	mnl_attr_put(nlh, OVL_A_PEER_PAD, 0, NULL);
	for (i = 0; i < ARRAY_SIZE(ctr_attrs); i++)
		mnl_attr_put_u64(nlh, ctr_attrs[i], ctrs[i]);
	if (p->direct_rx)
		mnl_attr_put_u64(nlh, OVL_A_PEER_LAST_DIRECT_RX_MS,
				 p->last_direct_rx_ms);
	for (i = 0; i < p->n_keys; i++) {
		nest = mnl_attr_nest_start(nlh, OVL_A_PEER_KEY);
		mnl_attr_put_u32(nlh, OVL_A_KEY_SLOT, p->keys[i].slot);
		mnl_attr_put_u8(nlh, OVL_A_KEY_ID, p->keys[i].id);
		if (p->keys[i].has_counter)
			mnl_attr_put_u64(nlh, OVL_A_KEY_TX_COUNTER,
					 p->keys[i].tx_counter);
		if (p->keys[i].has_lifetime) {
			mnl_attr_put_u32(nlh, OVL_A_KEY_LIFETIME,
					 p->keys[i].lifetime);
			mnl_attr_put_u64(nlh, OVL_A_KEY_EXPIRES_MS,
					 p->keys[i].expires_ms);
		}
		if (p->keys[i].promote)
			mnl_attr_put(nlh, OVL_A_KEY_PROMOTE, 0, NULL);
		mnl_attr_nest_end(nlh, nest);
	}
	if (p->last_handshake)
		mnl_attr_put_u64(nlh, OVL_A_PEER_LAST_HANDSHAKE,
				 p->last_handshake);
	if (p->cert_expiry)
		mnl_attr_put_u64(nlh, OVL_A_PEER_CERT_EXPIRY, p->cert_expiry);
	mnl_attr_nest_end(nlh, peer);
}

void put_dev(struct nlmsghdr *nlh, const struct reply_dev *d)
{
	struct nlattr *nest;
	uint16_t i;

	mnl_attr_put_u32(nlh, OVL_A_DEV_IFINDEX, d->ifindex);
	mnl_attr_put_strz(nlh, OVL_A_DEV_IFNAME, d->ifname);
	mnl_attr_put_u32(nlh, OVL_A_DEV_NODE_ID, d->node_id);
	mnl_attr_put_u16(nlh, OVL_A_DEV_LISTEN_PORT, d->listen_port);
	mnl_attr_put_u32(nlh, OVL_A_DEV_PEERS, d->peers);
	nest = mnl_attr_nest_start(nlh, OVL_A_DEV_DROPS);
	for (i = OVL_A_DROPS_SHORT; i <= OVL_A_DROPS_TX_ERROR; i++)
		mnl_attr_put_u64(nlh, i, d->drops[i]);
	mnl_attr_nest_end(nlh, nest);
}
