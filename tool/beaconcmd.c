// SPDX-License-Identifier: GPL-2.0
/*
 * "ovlctl beacon pick" (issue 10): the daemon's beacon list logic
 * (daemon/beacons.h) run on the command line, with no daemon and no
 * network: filter the discovered entries, merge them after the bootstrap
 * ones, pick by rendezvous hashing on the public key, with the RTT
 * override when RTTs are given.  Shows an operator where a node will go.
 */

#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/beacons.h"
#include "daemon/keyfile.h"
#include "daemon/status.h"
#include "ovlctl.h"

#define RTT_MAX_MS	3600000		/* an hour: anything is below */

static const struct option pick_opts[] = {
	{ "pubkey",	required_argument, NULL, 'k' },
	{ "bootstrap",	required_argument, NULL, 'b' },
	{ "discovered",	required_argument, NULL, 'd' },
	{ "rtt",	required_argument, NULL, 'r' },
	{}
};

/**
 * struct pick_req - a parsed "beacon pick" command line
 * @key: --pubkey, decoded
 * @have_key: --pubkey was given
 * @boot: the --bootstrap entries, in order
 * @disc: the --discovered entries, in order
 * @have_list: --bootstrap or --discovered was given
 * @rtt_addr: the ADDR of each --rtt
 * @rtt_us: its RTT in microseconds
 * @n_rtt: the number of --rtt
 */
struct pick_req {
	uint8_t key[BEACON_KEY_LEN];
	bool have_key;
	struct beacon_list boot, disc;
	bool have_list;
	const char *rtt_addr[2 * BEACON_MAX];
	int64_t rtt_us[2 * BEACON_MAX];
	unsigned int n_rtt;
};

/*
 * Milliseconds, "12" or "0.35": digits, then at most 3 decimals, up to
 * RTT_MAX_MS.  Returns 0 with *@us, or -1.
 */
static int parse_ms(const char *s, int64_t *us)
{
	int64_t v = 0;
	int digits = 0, decimals = -1;

	for (; *s; s++) {
		if (*s == '.' && decimals < 0 && digits) {
			decimals = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || decimals == 3)
			return -1;
		v = v * 10 + (*s - '0');
		if (decimals >= 0)
			decimals++;
		if (++digits > 13)
			return -1;
	}
	if (!digits || !decimals)
		return -1;
	for (decimals = decimals < 0 ? 0 : decimals; decimals < 3; decimals++)
		v *= 10;
	if (v > (int64_t)RTT_MAX_MS * 1000)
		return -1;
	*us = v;
	return 0;
}

/* Add the entries of @arg to @l, for --NAME.  Returns 0 or EXIT_USAGE. */
static int add_list(const struct ovlctl *ctl, const char *name,
		    const char *arg, struct beacon_list *l)
{
	char err[BEACON_ERR_LEN];
	struct beacon_list more;
	unsigned int i;

	if (beacon_list_parse(arg, &more, err, sizeof(err)))
		return usage_err(ctl, "--%s: %s", name, err);
	for (i = 0; i < more.n; i++)
		if (beacon_list_add(l, more.addr[i]))
			return usage_err(ctl, "--%s: more than %d beacons",
					 name, BEACON_MAX);
	return 0;
}

static int add_rtt(const struct ovlctl *ctl, char *arg, struct pick_req *r)
{
	char *eq = strrchr(arg, '=');
	unsigned int i;

	if (!eq || eq == arg || parse_ms(eq + 1, &r->rtt_us[r->n_rtt])) {
		pr_err("invalid rtt '%s': expected ADDR=MS (milliseconds, e.g. 12 or 0.35, at most %d)",
		       arg, RTT_MAX_MS);
		return EXIT_USAGE;
	}
	*eq = '\0';
	for (i = 0; i < r->n_rtt; i++)
		if (!strcmp(r->rtt_addr[i], arg))
			return usage_err(ctl, "--rtt: '%s' given twice", arg);
	if (r->n_rtt == ARRAY_SIZE(r->rtt_addr))
		return usage_err(ctl, "--rtt: more than %zu",
				 ARRAY_SIZE(r->rtt_addr));
	r->rtt_addr[r->n_rtt++] = arg;
	return 0;
}

static int pick_args(const struct ovlctl *ctl, int argc, char **argv,
		     struct pick_req *r)
{
	int opt, ret = 0;

	/* getopt_long wants a program name first: the verb's slot. */
	optind = 0;
	opterr = 0;
	while (!ret && (opt = getopt_long(argc + 1, argv - 1, ":", pick_opts,
					  NULL)) != -1) {
		switch (opt) {
		case 'k':
			if (r->have_key)
				return usage_err(ctl, "'--pubkey' given twice");
			if (key_from_b64(optarg, r->key)) {
				pr_err("invalid pubkey: expected 32 bytes in standard base64 with padding");
				return EXIT_USAGE;
			}
			r->have_key = true;
			break;
		case 'b':
			r->have_list = true;
			ret = add_list(ctl, "bootstrap", optarg, &r->boot);
			break;
		case 'd':
			r->have_list = true;
			ret = add_list(ctl, "discovered", optarg, &r->disc);
			break;
		case 'r':
			ret = add_rtt(ctl, optarg, r);
			break;
		default:
			return usage_err(ctl, "%s '%s'", opt == ':' ?
					 "missing value for" : "unknown option",
					 argv[optind - 2 >= 0 ? optind - 2 : 0]);
		}
	}
	if (ret)
		return ret;
	if (optind - 1 < argc)
		return usage_err(ctl, "unexpected argument '%s'",
				 argv[optind - 1]);
	if (!r->have_key)
		return usage_err(ctl, "missing --pubkey");
	if (!r->have_list)
		return usage_err(ctl, "need --bootstrap or --discovered");
	return 0;
}

/* "12 ms", "0.35 ms" */
static const char *rtt_str(int64_t us, char *buf, size_t size)
{
	int n;

	if (us < 0)
		return "-";
	n = snprintf(buf, size, "%" PRId64 ".%03" PRId64, us / 1000,
		     us % 1000);
	while (buf[n - 1] == '0')
		buf[--n] = '\0';
	if (buf[n - 1] == '.')
		buf[--n] = '\0';
	snprintf(buf + n, size - n, " ms");
	return buf;
}

static void print_text(const struct pick_req *r, const struct beacon_list *m,
		       const struct beacon_list *dropped, const int64_t *rtt,
		       int pick, int hash, enum beacon_why why)
{
	char a[32];
	unsigned int i;
	int w = (int)strlen("BEACON");

	for (i = 0; i < m->n; i++)
		if ((int)strlen(m->addr[i]) > w)
			w = (int)strlen(m->addr[i]);
	printf("  %-*s  %-10s  %-8s  %s\n", w, "BEACON", "FROM", "SCORE",
	       "RTT");
	for (i = 0; i < m->n; i++)
		printf("%c %-*s  %-10s  %08" PRIx32 "  %s\n",
		       (int)i == pick ? '*' : ' ', w, m->addr[i],
		       beacon_list_find(&r->boot, m->addr[i]) >= 0 ?
		       "bootstrap" : "discovered",
		       beacon_score(r->key, m->addr[i]),
		       rtt_str(rtt[i], a, sizeof(a)));
	for (i = 0; i < dropped->n; i++)
		printf("dropped %s: %s address\n", dropped->addr[i],
		       beacon_addr_unreachable(dropped->addr[i]));
	printf("pick: %s", m->addr[pick]);
	switch (why) {
	case BEACON_PICK_HASH:
		for (i = 0; i < m->n && rtt[i] < 0; i++)
			;
		puts(i < m->n && rtt[pick] >= 0 ?
		     " (highest score, within 2x of the fastest)" :
		     " (highest score)");
		break;
	case BEACON_PICK_SLOW:
		printf(" (fastest; the hash pick %s, %s, is more than 2x slower)\n",
		       m->addr[hash], rtt_str(rtt[hash], a, sizeof(a)));
		break;
	case BEACON_PICK_UNMEASURED:
		printf(" (fastest; the hash pick %s has no RTT)\n",
		       m->addr[hash]);
		break;
	}
}

static int pick_cmd(struct ovlctl *ctl, int argc, char **argv)
{
	struct beacon_list *m, *dropped;
	struct json_object *o, *a;
	struct pick_req *r;
	enum beacon_why why;
	int64_t rtt[BEACON_MAX];
	unsigned int i;
	int ret = EXIT_FAILURE, pick, k;

	r = calloc(1, sizeof(*r));
	m = calloc(2, sizeof(*m));
	if (!r || !m) {
		pr_err("out of memory");
		goto out;
	}
	dropped = m + 1;
	ret = pick_args(ctl, argc, argv, r);
	if (ret)
		goto out;
	ret = EXIT_FAILURE;
	for (i = 0; i < r->disc.n; i++)
		if (beacon_addr_unreachable(r->disc.addr[i]) &&
		    beacon_list_find(&r->boot, r->disc.addr[i]) < 0 &&
		    beacon_list_find(dropped, r->disc.addr[i]) < 0)
			beacon_list_add(dropped, r->disc.addr[i]);
	beacon_filter(&r->disc);
	if (beacon_merge(&r->boot, &r->disc, m))
		pr_err("warning: beacon pick: more than %d beacons, the last discovered ones left out",
		       BEACON_MAX);
	if (!m->n) {
		pr_err("beacon pick: no beacons: the list is empty%s",
		       dropped->n ? " (every discovered entry was dropped)" :
		       "");
		goto out;
	}
	for (i = 0; i < m->n; i++)
		rtt[i] = BEACON_RTT_NONE;
	for (i = 0; i < r->n_rtt; i++) {
		k = beacon_list_find(m, r->rtt_addr[i]);
		if (k < 0)
			pr_err("warning: beacon pick: --rtt: '%s' is not in the list%s, ignored",
			       r->rtt_addr[i],
			       beacon_list_find(dropped, r->rtt_addr[i]) >= 0 ?
			       " (dropped)" : "");
		else
			rtt[k] = r->rtt_us[i];
	}
	pick = beacon_pick(m, r->key, rtt, &why);
	if (!ctl->json) {
		print_text(r, m, dropped, rtt, pick,
			   beacon_pick_hash(m, r->key), why);
		ret = EXIT_SUCCESS;
		goto out;
	}
	o = json_object_new_object();
	a = json_object_new_array();
	json_object_object_add(o, "list", a);
	for (i = 0; i < m->n; i++)
		json_object_array_add(a, json_object_new_string(m->addr[i]));
	json_object_object_add(o, "pick", json_object_new_string(m->addr[pick]));
	json_print(o);
	json_object_put(o);
	ret = EXIT_SUCCESS;
out:
	free(m);
	free(r);
	return ret;
}

/* A member of @o, or NULL. */
static struct json_object *member(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static const char *mstr(struct json_object *o, const char *k)
{
	struct json_object *v = member(o, k);

	return json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : NULL;
}

static int64_t mint(struct json_object *o, const char *k)
{
	struct json_object *v = member(o, k);

	return json_object_is_type(v, json_type_int) ?
	       json_object_get_int64(v) : -1;
}

static void print_ago(const char *what, int64_t at)
{
	int64_t ago = time(NULL) - at;

	if (at < 0)
		printf("%s never", what);
	else
		printf("%s %" PRId64 " s ago", what, ago < 0 ? 0 : ago);
}

static void show_text(const char *ifname, struct json_object *b)
{
	struct json_object *list = member(b, "list"), *e, *rtt;
	const char *pick = mstr(b, "pick"), *kernel = mstr(b, "kernel");
	const char *why = mstr(b, "why"), *addr, *cache = mstr(b, "cache");
	size_t i, n = json_object_is_type(list, json_type_array) ?
		      json_object_array_length(list) : 0;
	int w = (int)strlen("BEACON");
	char a[32];

	printf("%s: beacon %s", ifname, kernel ? kernel : "none");
	if (pick && (!kernel || strcmp(pick, kernel)))
		printf(" (pick %s, not taken)", pick);
	else if (why)
		printf(" (%s)", !strcmp(why, "hash") ? "highest score" :
		       !strcmp(why, "rtt") ?
		       "fastest; the hash pick is more than 2x slower" :
		       "fastest; the hash pick does not answer");
	printf(", %zu in the list\n", n);
	if (json_object_get_boolean(member(b, "registry"))) {
		printf("  registry: %" PRId64 " fetched, %" PRId64 " failed, ",
		       mint(b, "fetch_ok"), mint(b, "fetch_failed"));
		print_ago("last success", mint(b, "fetched_at"));
		printf("\n  cache: %s, ", cache ? cache : "none");
		print_ago("saved", mint(b, "cache_saved_at"));
		putchar('\n');
	} else {
		puts("  registry: none (the bootstrap list only)");
	}
	for (i = 0; i < n; i++) {
		addr = mstr(json_object_array_get_idx(list, i), "address");
		if (addr && (int)strlen(addr) > w)
			w = (int)strlen(addr);
	}
	printf("  %-*s  %-10s  %s\n", w, "BEACON", "FROM", "RTT");
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(list, i);
		addr = mstr(e, "address");
		rtt = member(e, "rtt_ms");
		printf("%c %-*s  %-10s  %s\n",
		       addr && kernel && !strcmp(addr, kernel) ? '*' : ' ', w,
		       addr ? addr : "?", mstr(e, "origin") ?: "?",
		       rtt ? rtt_str((int64_t)(json_object_get_double(rtt) *
					       1000 + 0.5), a, sizeof(a)) :
		       "-");
	}
}

/*
 * beacon show DEV: the daemon's beacon list as its status file has it
 * (RUNDIR/DEV.json, "beacons").
 */
static int show_cmd(struct ovlctl *ctl, int argc, char **argv)
{
	struct json_object *st, *b, *o;

	if (argc != 1)
		return usage_err(ctl, argc ? "unexpected argument '%s'" :
				 "expected DEV", argc ? argv[1] : "");
	if (arg_ifname(argv[0]))
		return EXIT_USAGE;
	st = status_read(argv[0]);
	if (!st) {
		pr_err("beacon show: no daemon runs for %s (no %s/%s.json)",
		       argv[0], status_rundir(), argv[0]);
		return EXIT_FAILURE;
	}
	b = member(st, "beacons");
	if (!json_object_is_type(b, json_type_object)) {
		pr_err("beacon show: the daemon of %s does not say (an older version?)",
		       argv[0]);
		json_object_put(st);
		return EXIT_FAILURE;
	}
	if (ctl->json) {
		o = json_object_new_object();
		json_object_object_add(o, "ifname",
				       json_object_new_string(argv[0]));
		json_object_object_foreach(b, k, v)
			json_object_object_add(o, k, json_object_get(v));
		json_print(o);
		json_object_put(o);
	} else {
		show_text(argv[0], b);
	}
	json_object_put(st);
	return EXIT_SUCCESS;
}

static const struct ctl_cmd beacon_cmds[] = {
	{ "show", "DEV", show_cmd },
	{ "pick", "--pubkey BASE64 [--bootstrap A,B] [--discovered C,D] "
		  "[--rtt ADDR=MS]...", pick_cmd },
	{ "register", "DEV --identity FILE --certificate FILE "
		      "[--timeout SECS]", beacon_register_cmd },
	{}
};

const struct ctl_object beacon_object = {
	.name = "beacon",
	.cmds = beacon_cmds,
};
