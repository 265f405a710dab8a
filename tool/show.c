// SPDX-License-Identifier: GPL-2.0
/*
 * "ovlctl show": devices with their peers, like "wg show".
 */

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <linux/ovl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"
#include "ovlctl.h"
#include "show.h"
#include "daemon/status.h"

/**
 * struct dev_list - the devices to show
 * @devs: the devices, in the kernel's order
 * @n: number of @devs
 */
struct dev_list {
	struct dev_info *devs;
	size_t n;
};

/*
 * "  daemon: pid P, handshakes: C completed, A answered, refused: R
 * (bad_cert 2, ...)" from the status file of @ifname's control daemon.
 */
static void daemon_print(const char *ifname)
{
	struct json_object *st = status_read(ifname), *hs, *ref, *v;
	unsigned long total = 0;
	bool first = true;

	if (!st)
		return;
	json_object_object_get_ex(st, "pid", &v);
	printf("  daemon: pid %" PRId64, json_object_get_int64(v));
	if (json_object_object_get_ex(st, "handshakes", &hs)) {
		json_object_object_get_ex(hs, "completed", &v);
		printf(", handshakes: %" PRId64 " completed",
		       json_object_get_int64(v));
		json_object_object_get_ex(hs, "answered", &v);
		printf(", %" PRId64 " answered", json_object_get_int64(v));
		if (json_object_object_get_ex(hs, "refused", &ref)) {
			struct json_object_iterator it, end;
			char why[512] = "";
			size_t len = 0;
			int64_t n;

			end = json_object_iter_end(ref);
			for (it = json_object_iter_begin(ref);
			     !json_object_iter_equal(&it, &end);
			     json_object_iter_next(&it)) {
				n = json_object_get_int64(json_object_iter_peek_value(&it));
				if (n <= 0)
					continue;
				total += n;
				if (len < sizeof(why))
					len += snprintf(why + len, sizeof(why) - len,
							"%s%s %" PRId64, first ? " (" : ", ",
							json_object_iter_peek_name(&it), n);
				first = false;
			}
			printf(", %lu refused%s%s", total, why, first ? "" : ")");
		}
	}
	putchar('\n');
	json_object_put(st);
}

static int dev_list_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dev_list *list = arg;
	struct dev_info *devs;

	devs = reallocarray(list->devs, list->n + 1, sizeof(*devs));
	if (!devs) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	list->devs = devs;
	if (dev_info_parse(nlh, &devs[list->n]))
		return MNL_CB_ERROR;
	list->n++;
	return MNL_CB_OK;
}

/*
 * Print @dev's JSON object up to its closing brace, then its "peers"
 * array, streamed, then the brace.  Returns 0 or -1.
 */
static int show_json(struct ovl_nl *nl, const struct dev_info *dev,
		     const char *what)
{
	struct json_object *obj = dev_json(dev), *daemon;
	const char *s;

	if (!obj) {
		pr_err("%s: %s", what, strerror(errno));
		return -1;
	}
	daemon = status_read(dev->ifname);
	if (daemon)
		json_object_object_add(obj, "daemon", daemon);
	s = json_str(obj);
	printf("%.*s,\"peers\":", (int)strlen(s) - 1, s);
	json_object_put(obj);
	if (peer_list(nl, dev->ifname, true, false, what))
		return -1;
	putchar('}');
	return 0;
}

/*
 * show [DEV]: the device with its peers, or every ovl device of the
 * namespace with theirs.  The devices are read first, then the peers of
 * each (a request cannot be sent in the middle of a dump).
 */
static int show(struct ovlctl *ctl, int argc, char **argv)
{
	const char *ifname = argc ? argv[0] : NULL;
	struct dev_list list = {};
	struct nlmsghdr *nlh;
	struct ovl_nl *nl;
	char what[64];
	size_t i;
	int err;

	if (argc > 1)
		return usage_err(ctl, "unexpected argument '%s'", argv[1]);
	if (ifname && arg_ifname(ifname))
		return EXIT_USAGE;

	nl = ovl_nl_open();
	if (!nl)
		return EXIT_FAILURE;
	nlh = dev_get_request(nl, ifname);
	err = ovl_nl_call(nl, nlh, dev_list_cb, &list, "show%s%s",
			  ifname ? " " : "", ifname ? ifname : "");
	if (err)
		goto out;

	if (ctl->json && !ifname)
		putchar('[');
	for (i = 0; i < list.n && !err; i++) {
		snprintf(what, sizeof(what), "show %s", list.devs[i].ifname);
		if (ctl->json) {
			if (i)
				putchar(',');
			err = show_json(nl, &list.devs[i], what);
			continue;
		}
		if (i)
			putchar('\n');
		dev_print(&list.devs[i]);
		daemon_print(list.devs[i].ifname);
		err = peer_list(nl, list.devs[i].ifname, false, true, what);
	}
	if (ctl->json && (list.n || !ifname)) {
		/* The line ends also when an error cut it short. */
		if (!err && !ifname)
			putchar(']');
		putchar('\n');
	}
out:
	ovl_nl_close(nl);
	free(list.devs);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}

static const struct ctl_cmd show_cmds[] = {
	{ "show",	"[DEV]",	show },
	{}
};

const struct ctl_object show_object = {
	.name	= "show",
	.cmds	= show_cmds,
	.bare	= true,
};
