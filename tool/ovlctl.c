// SPDX-License-Identifier: GPL-2.0
/*
 * ovlctl: configure ovl encrypted overlay devices.
 *
 * "ovlctl [OPTIONS] OBJECT COMMAND [ARGUMENTS]": the global options, the
 * usage text and the dispatch to the object's command table.  See
 * ovlctl(8).
 */

#include <getopt.h>
#include <linux/ovl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovlctl.h"

static const struct ctl_object *const objects[] = {
	&show_object,
	&dev_object,
	&peer_object,
	&key_object,
	&monitor_object,
	&genkey_object,
	&pubkey_object,
	&cert_object,
	&daemon_object,
	&tunnel_object,
	&beacon_object,
};

static void object_usage(FILE *f, const struct ctl_object *obj)
{
	const struct ctl_cmd *cmd;

	for (cmd = obj->cmds; cmd->name; cmd++)
		print_cmd(f, cmd == obj->cmds ? "Usage: " PROG " " :
						"       " PROG " ", obj, cmd);
}

static void usage(FILE *f)
{
	const struct ctl_cmd *cmd;
	size_t i;

	fputs("Usage: " PROG " [OPTIONS] OBJECT COMMAND [ARGUMENTS]\n"
	      "       " PROG " help\n"
	      "\n"
	      "Commands:\n", f);
	for (i = 0; i < ARRAY_SIZE(objects); i++)
		for (cmd = objects[i]->cmds; cmd->name; cmd++)
			print_cmd(f, "  ", objects[i], cmd);
	fputs("\n"
	      "Options:\n"
	      "  -j, --json     print JSON on standard output\n"
	      "  -b, --batch FILE\n"
	      "                 run the commands in FILE (- for standard input),\n"
	      "                 one per line, stopping at the first that fails\n"
	      "  -h, --help     print this help and exit\n"
	      "  -V, --version  print the version and exit\n", f);
}

static const struct ctl_object *find_object(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(objects); i++)
		if (!strcmp(objects[i]->name, name))
			return objects[i];
	return NULL;
}

static const struct ctl_cmd *find_cmd(const struct ctl_object *obj,
				      const char *name)
{
	const struct ctl_cmd *cmd;

	for (cmd = obj->cmds; cmd->name; cmd++)
		if (!strcmp(cmd->name, name))
			return cmd;
	return NULL;
}

/* Run "OBJECT [COMMAND [ARGUMENTS]]" with the object already found. */
static int run_object(struct ovlctl *ctl, int argc, char **argv)
{
	const struct ctl_object *obj = ctl->obj;

	if (obj->bare && !(argc && !strcmp(argv[0], "help"))) {
		ctl->cmd = obj->cmds;
		return ctl->cmd->run(ctl, argc, argv);
	}
	if (!argc) {
		ctl->cmd = obj->cmds;
		return ctl->cmd->run(ctl, 0, argv);
	}
	if (!strcmp(argv[0], "help")) {
		object_usage(stdout, obj);
		return EXIT_SUCCESS;
	}
	ctl->cmd = find_cmd(obj, argv[0]);
	if (!ctl->cmd) {
		pr_err("%s: unknown command '%s'", obj->name, argv[0]);
		object_usage(stderr, obj);
		return EXIT_USAGE;
	}
	return ctl->cmd->run(ctl, argc - 1, argv + 1);
}

static int run(struct ovlctl *ctl, int argc, char **argv)
{
	if (argc <= 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[0], "help")) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	ctl->obj = find_object(argv[0]);
	if (!ctl->obj) {
		pr_err("unknown object '%s'", argv[0]);
		usage(stderr);
		return EXIT_USAGE;
	}
	return run_object(ctl, argc - 1, argv + 1);
}

static const struct option long_opts[] = {
	{ "json",	no_argument,	NULL,	'j' },
	{ "batch",	required_argument, NULL, 'b' },
	{ "help",	no_argument,	NULL,	'h' },
	{ "version",	no_argument,	NULL,	'V' },
	{}
};

/* Returns an exit status if the options settle it, else -1. */
static int parse_opts(struct ovlctl *ctl, int argc, char **argv)
{
	int opt;

	while ((opt = getopt_long(argc, argv, "+jb:hV", long_opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'j':
			ctl->json = true;
			break;
		case 'b':
			ctl->batch = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf(PROG " %s (netlink family %s version %d)\n",
			       OVLCTL_VERSION, OVL_FAMILY_NAME,
			       OVL_FAMILY_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct ovlctl ctl = {};
	int ret;

	argv[0] = (char *)PROG;		/* getopt names it in its messages */
	ret = parse_opts(&ctl, argc, argv);
	if (ret < 0 && ctl.batch && optind < argc) {
		pr_err("-b takes its commands from a file, not the command line");
		ret = EXIT_USAGE;
	} else if (ret < 0 && ctl.batch) {
		ret = run_batch(&ctl, ctl.batch, run);
	} else if (ret < 0) {
		ret = run(&ctl, argc - optind, argv + optind);
	}
	if (fflush(stdout) || ferror(stdout)) {
		pr_err("cannot write to standard output");
		return EXIT_FAILURE;
	}
	return ret;
}
