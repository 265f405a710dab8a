// SPDX-License-Identifier: GPL-2.0
/*
 * "ovlctl beacon register DEV --identity FILE --certificate FILE": what
 * the daemon does for its device (daemon/bcnreg.c, docs/beacon-auth.md),
 * once, for a device keyed by hand.  A beacon relays nothing for a node
 * that has not registered: HELLO, COOKIE, REGISTER signed by the node's
 * identity, REGISTER_OK; the keys agreed go to the kernel, which then
 * refreshes and relays under them by itself.
 *
 * The frames go through the device's own socket (OVL_CMD_CTRL_SEND), so
 * that the beacon registers the address the kernel's traffic comes from,
 * and the answers come back as control frames: this process is the
 * device's control listener while it runs, so a device run by a daemon is
 * left to the daemon.  A beacon that loses the registration (restarted)
 * asks for a new one (REREGISTER): running the command again answers it.
 */

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <sodium.h>

#include "daemon/bcnreg.h"
#include "daemon/cert.h"
#include "daemon/kern.h"
#include "daemon/keyfile.h"
#include "ovlctl.h"
#include "parse.h"
#include "show.h"

#define REG_TIMEOUT_S	10

static const struct option reg_opts[] = {
	{ "identity",		required_argument, NULL, 'i' },
	{ "certificate",	required_argument, NULL, 'c' },
	{ "timeout",		required_argument, NULL, 't' },
	{}
};

struct reg_run {
	struct kern *k;
	struct bcnreg *r;
	const struct sockaddr_storage *beacon;
	int err;		/* a send failed */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * BCN_NS_PER_SEC + ts.tv_nsec;
}

static void reg_event(void *arg, const struct kern_event *ev)
{
	struct reg_run *run = arg;
	uint8_t out[BCN_MSG_MAX_LEN];
	size_t len = 0;

	if (ev->type != KERN_EV_FRAME || ev->ifindex != run->k->ifindex ||
	    !ev->len || !bcnreg_frame_type(ev->frame[0]) ||
	    !ev->from.ss_family || !endpoint_equal(&ev->from, run->beacon))
		return;
	if (bcnreg_input(run->r, ev->frame, ev->len, now_ns(), out,
			 sizeof(out), &len) == BCNREG_R_SEND &&
	    kern_ctrl_send(run->k, out, len, run->beacon, 0))
		run->err = -1;
	sodium_memzero(out, sizeof(out));
}

/* Run the registration until REGISTER_OK or @deadline: 0, or -1. */
static int reg_loop(struct reg_run *run, uint64_t deadline)
{
	uint8_t out[BCN_MSG_MAX_LEN];
	struct pollfd pfd = { .fd = kern_ev_fd(run->k), .events = POLLIN };
	uint64_t now, next;
	size_t len;
	int ms;

	bcnreg_start(run->r, now_ns());
	while (run->r->state != BCNREG_DONE && !run->err) {
		now = now_ns();
		if (now >= deadline)
			return -1;
		len = bcnreg_tick(run->r, now, out, sizeof(out));
		if (len && kern_ctrl_send(run->k, out, len, run->beacon, 0))
			return -1;
		next = bcnreg_next(run->r);
		if (next > deadline)
			next = deadline;
		ms = next > now ? (int)((next - now + 999999) / 1000000) : 0;
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
			return -1;
		if (pfd.revents & POLLIN &&
		    kern_ev_read(run->k, reg_event, run) && errno != EAGAIN &&
		    errno != ENOBUFS)
			return -1;
	}
	sodium_memzero(out, sizeof(out));
	return run->err;
}

static void reg_print(const struct ovlctl *ctl, const char *ifname,
		      const struct bcnreg *r,
		      const struct sockaddr_storage *beacon)
{
	char b[ADDR_STRLEN], p[ADDR_STRLEN];
	struct json_object *o;

	endpoint_str(beacon, b);
	endpoint_str(&r->public_ep, p);
	if (!ctl->json) {
		printf("%s: registered with beacon %s as node %u, seen as %s\n",
		       ifname, b, r->node_id, p);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "ifname", json_object_new_string(ifname));
	json_object_object_add(o, "beacon", json_object_new_string(b));
	json_object_object_add(o, "node_id", json_object_new_int64(r->node_id));
	json_object_object_add(o, "public_endpoint",
			       json_object_new_string(p));
	json_print(o);
	json_object_put(o);
}

/* The device exists and has a beacon; its node id is the certificate's. */
static int reg_check_dev(struct kern *k, const struct cert *c,
			 struct dev_info *dev)
{
	if (kern_dev_get(k, dev))
		return -1;
	if (!dev->beacon.ss_family) {
		pr_err("beacon register: %s has no beacon (ovlctl dev set %s beacon HOST:PORT)",
		       k->ifname, k->ifname);
		return -1;
	}
	if (dev->node_id != c->node_id) {
		pr_err("beacon register: %s is node %u, the certificate names node %u",
		       k->ifname, dev->node_id, c->node_id);
		return -1;
	}
	return 0;
}

int beacon_register_cmd(struct ovlctl *ctl, int argc, char **argv)
{
	const char *ifname, *id_path = NULL, *cert_path = NULL;
	uint8_t cert_bin[CERT_MAX_LEN];
	char err[KEY_ERR_LEN], b[ADDR_STRLEN];
	unsigned long timeout = REG_TIMEOUT_S;
	struct identity id = {};
	struct dev_info dev;
	struct bcnreg r = {};
	struct reg_run run;
	struct kern k = {};
	struct cert c;
	int opt, len, ret = EXIT_FAILURE;
	char *end;

	if (argc < 1)
		return usage_err(ctl, "expected DEV");
	ifname = argv[0];
	if (arg_ifname(ifname))
		return EXIT_USAGE;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", reg_opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			id_path = optarg;
			break;
		case 'c':
			cert_path = optarg;
			break;
		case 't':
			errno = 0;
			timeout = strtoul(optarg, &end, 10);
			if (errno || *end || !timeout || timeout > 3600)
				return usage_err(ctl, "--timeout: '%s' is not 1..3600 seconds",
						 optarg);
			break;
		default:
			return usage_err(ctl, "unexpected argument '%s'",
					 argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_err(ctl, "unexpected argument '%s'", argv[optind]);
	if (!id_path || !cert_path)
		return usage_err(ctl, "--identity FILE and --certificate FILE are required");
	if (sodium_init() < 0) {
		pr_err("beacon register: libsodium failed to start");
		return EXIT_FAILURE;
	}
	if (identity_load(id_path, &id, err) || cert_load(cert_path, &c, err)) {
		pr_err("beacon register: %s", err);
		goto out;
	}
	if (memcmp(c.public_key, id.pk, sizeof(id.pk))) {
		pr_err("beacon register: %s is not a certificate for the identity in %s",
		       cert_path, id_path);
		goto out;
	}
	len = cert_encode(&c, cert_bin, sizeof(cert_bin));
	if (len < 0) {
		pr_err("beacon register: %s does not encode", cert_path);
		goto out;
	}
	if (!if_nametoindex(ifname)) {
		pr_err("beacon register: no device %s", ifname);
		goto out;
	}
	if (kern_open(&k, ifname))
		goto out;
	if (reg_check_dev(&k, &c, &dev) || kern_ctrl_register(&k))
		goto close;
	bcnreg_init(&r, c.node_id, id.sk, cert_bin, len);
	run = (struct reg_run){ .k = &k, .r = &r, .beacon = &dev.beacon };
	if (reg_loop(&run, now_ns() + timeout * BCN_NS_PER_SEC)) {
		pr_err("beacon register: %s: no registration with beacon %s within %lu s",
		       ifname, endpoint_str(&dev.beacon, b), timeout);
		goto close;
	}
	if (kern_beacon_keys(&k, r.keys))
		goto close;
	reg_print(ctl, ifname, &r, &dev.beacon);
	ret = EXIT_SUCCESS;
close:
	kern_close(&k);
out:
	bcnreg_stop(&r);
	identity_wipe(&id);
	return ret;
}
