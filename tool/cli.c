// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers that ovlctl commands share: error and usage messages, keyword
 * arguments, checked conversion of argument values, JSON output.
 */

#include <inttypes.h>
#include <json-c/json.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ovlctl.h"
#include "parse.h"

void pr_err(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void print_cmd(FILE *f, const char *lead, const struct ctl_object *obj,
	       const struct ctl_cmd *cmd)
{
	fprintf(f, "%s%s%s%s%s%s\n", lead, obj->name,
		obj->bare ? "" : " ", obj->bare ? "" : cmd->name,
		*cmd->args ? " " : "", cmd->args);
}

int usage_err(const struct ovlctl *ctl, const char *fmt, ...)
{
	va_list ap;

	if (ctl->obj->bare)
		fprintf(stderr, PROG ": %s: ", ctl->obj->name);
	else
		fprintf(stderr, PROG ": %s %s: ", ctl->obj->name,
			ctl->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_cmd(stderr, "Usage: " PROG " ", ctl->obj, ctl->cmd);
	return EXIT_USAGE;
}

int kw_parse(const struct ovlctl *ctl, struct ctl_kw *kw, size_t n,
	     int argc, char **argv)
{
	struct ctl_kw *k;
	int used;

	for (; argc > 0; argc -= used, argv += used) {
		for (k = kw; k < kw + n && strcmp(k->name, argv[0]); k++)
			;
		if (k == kw + n)
			return usage_err(ctl, "unknown option '%s'", argv[0]);
		if (k->val)
			return usage_err(ctl, "'%s' given twice", k->name);
		if (k->flag) {
			k->val = k->name;
			used = 1;
			continue;
		}
		if (argc < 2)
			return usage_err(ctl, "missing value for '%s'",
					 k->name);
		k->val = argv[1];
		used = 2;
	}
	return 0;
}

int arg_u32(const char *name, const char *arg, uint32_t min, uint32_t max,
	    uint32_t *out)
{
	uint32_t v;

	if (parse_u32(arg, &v) || v < min || v > max) {
		pr_err("invalid %s '%s': expected %" PRIu32 "..%" PRIu32,
		       name, arg, min, max);
		return EXIT_USAGE;
	}
	*out = v;
	return 0;
}

int arg_ifname(const char *arg)
{
	if (!parse_ifname(arg))
		return 0;
	pr_err("invalid device name '%s': expected 1..%d characters", arg,
	       IFNAMSIZ - 1);
	return EXIT_USAGE;
}

int arg_dev_node(const struct ovlctl *ctl, int argc, char **argv,
		 uint32_t *node_id)
{
	if (!argc)
		return usage_err(ctl, "missing device name");
	if (arg_ifname(argv[0]))
		return EXIT_USAGE;
	if (argc < 2)
		return usage_err(ctl, "missing node id");
	return arg_u32("node-id", argv[1], 1, UINT32_MAX, node_id);
}

const char *json_str(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
}

void json_print(struct json_object *obj)
{
	puts(json_str(obj));
}
