// SPDX-License-Identifier: GPL-2.0
/*
 * "ovlctl show": devices with their peers, like "wg show".
 */

#include <errno.h>
#include <json-c/json.h>
#include <linux/ovl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"
#include "ovlctl.h"
#include "show.h"

/**
 * struct dev_list - the devices to show
 * @devs: the devices, in the kernel's order
 * @n: number of @devs
 */
struct dev_list {
	struct dev_info *devs;
	size_t n;
};

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
	struct json_object *obj = dev_json(dev);
	const char *s;

	if (!obj) {
		pr_err("%s: %s", what, strerror(errno));
		return -1;
	}
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
