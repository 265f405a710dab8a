/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovlctl command framework: every object (dev, peer, key, ...) provides a
 * table of commands, which ovlctl.c dispatches to on "OBJECT COMMAND"; a
 * bare object (show, monitor) is a command by itself and takes its
 * arguments right after its name.  cli.c holds the helpers the commands
 * share.
 */
#ifndef _OVLCTL_H
#define _OVLCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROG		"ovlctl"
#define EXIT_USAGE	2	/* EXIT_SUCCESS and EXIT_FAILURE are 0 and 1 */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct json_object;
struct ovlctl;

/**
 * struct ctl_cmd - one command of an object
 * @name: the verb, e.g. "show"
 * @args: synopsis of the arguments after the verb ("" if none), for usage
 *	messages
 * @run: runs the command on the arguments after the verb; returns the
 *	exit status, having printed any error
 */
struct ctl_cmd {
	const char *name;
	const char *args;
	int (*run)(struct ovlctl *ctl, int argc, char **argv);
};

/**
 * struct ctl_object - an object and its commands
 * @name: e.g. "dev"
 * @cmds: the commands, ended by an entry whose @name is NULL; the first
 *	one runs when no command is given
 * @bare: the object is a command by itself ("ovlctl show DEV"): its one
 *	command, named like the object, gets every argument after the
 *	object's name
 */
struct ctl_object {
	const char *name;
	const struct ctl_cmd *cmds;
	bool bare;
};

/**
 * struct ovlctl - state of one ovlctl invocation
 * @json: print JSON instead of text on standard output
 * @obj: the object being run
 * @cmd: the command being run
 */
struct ovlctl {
	bool json;
	const char *batch;
	const struct ctl_object *obj;
	const struct ctl_cmd *cmd;
};

/**
 * struct ctl_kw - a "KEYWORD VALUE" argument of a command, or a bare
 *	"KEYWORD" flag
 * @name: the keyword
 * @val: its value, or NULL while the keyword has not been seen (a flag's
 *	value is its name)
 * @flag: the keyword takes no value
 */
struct ctl_kw {
	const char *name;
	const char *val;
	bool flag;
};

extern const struct ctl_object dev_object;
extern const struct ctl_object peer_object;
extern const struct ctl_object key_object;
extern const struct ctl_object show_object;
extern const struct ctl_object monitor_object;
extern const struct ctl_object genkey_object;
extern const struct ctl_object pubkey_object;
extern const struct ctl_object cert_object;
extern const struct ctl_object daemon_object;
extern const struct ctl_object tunnel_object;
extern const struct ctl_object beacon_object;
/* "beacon register" (beaconreg.c). */
int beacon_register_cmd(struct ovlctl *ctl, int argc, char **argv);

/*
 * Print "<lead>OBJECT COMMAND ARGS" (or "<lead>OBJECT ARGS" for a bare
 * object) on @f, a line of usage.
 */
void print_cmd(FILE *f, const char *lead, const struct ctl_object *obj,
	       const struct ctl_cmd *cmd);

/* Print "ovlctl: <message>" on standard error. */
void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Report a malformed command line: print "ovlctl: OBJECT COMMAND: <msg>"
 * ("ovlctl: OBJECT: <msg>" for a bare object) and the command's synopsis
 * on standard error; returns EXIT_USAGE.
 */
int usage_err(const struct ovlctl *ctl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Fill the @n entries of @kw from @argv, a list of "KEYWORD VALUE" pairs
 * (or bare "KEYWORD" for flags) in any order.  An unknown or repeated keyword or a missing value is a
 * usage error.  Returns 0 or EXIT_USAGE.
 */
int kw_parse(const struct ovlctl *ctl, struct ctl_kw *kw, size_t n,
	     int argc, char **argv);

/*
 * Convert @arg, the value of @name, to a number in @min..@max, or print
 * "ovlctl: invalid NAME 'ARG': expected MIN..MAX".  Returns 0 or
 * EXIT_USAGE.
 */
int arg_u32(const char *name, const char *arg, uint32_t min, uint32_t max,
	    uint32_t *out);

/* Check that @arg is a valid interface name.  Returns 0 or EXIT_USAGE. */
int arg_ifname(const char *arg);

/*
 * Check the "DEV NODEID" arguments that start @argv (a peer of a device):
 * a missing one is a usage error of the running command, a bad one is
 * reported like arg_u32().  Returns 0 or EXIT_USAGE.
 */
int arg_dev_node(const struct ovlctl *ctl, int argc, char **argv,
		 uint32_t *node_id);

/* Print @obj as one line of compact JSON on standard output. */
void json_print(struct json_object *obj);

/* @obj as compact JSON, as json_print() prints it (without the newline). */
const char *json_str(struct json_object *obj);

/* ovlctl -b FILE (batch.c): run the commands of FILE with @run. */
int run_batch(struct ovlctl *ctl, const char *path,
	      int (*run)(struct ovlctl *ctl, int argc, char **argv));

#endif /* _OVLCTL_H */
