// SPDX-License-Identifier: GPL-2.0
/*
 * ovl-registry: the registry nodes enroll with and learn each other from
 * (docs/registry.md, docs/man/ovl-registry.8).
 *
 *	ovl-registry init --db URL --ca-key FILE --network CIDR [--cert-days N]
 *	ovl-registry token new --db URL [--uses N] [--valid-for HOURS] [--beacon]
 *	ovl-registry node revoke ID --db URL
 *	ovl-registry [-j] node list --db URL
 *	ovl-registry serve --listen HOST:PORT --db URL [--tls-cert F --tls-key F]
 *		[--node-ttl SECONDS] [--beacon-ttl SECONDS] [--sync-page N]
 *		[--session-ttl SECONDS] [--sync-cache 0|1]
 */

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "server.h"
#include "store.h"

#ifndef OVL_REGISTRY_VERSION
#define OVL_REGISTRY_VERSION "0.1.0"
#endif

#define EXIT_USAGE	2
/* Without --db: the embedded database of a one-machine registry. */
#define DEFAULT_DB	"sqlite:/var/lib/ovl/registry.db"
#define HOUR		3600
#define MAX_OPTS	8

static const char usage_text[] =
"usage: ovl-registry init --db URL --ca-key FILE --network CIDR [--cert-days N]\n"
"       ovl-registry token new --db URL [--uses N] [--valid-for HOURS] [--beacon]\n"
"       ovl-registry node revoke ID --db URL\n"
"       ovl-registry [-j] node list --db URL\n"
"       ovl-registry serve --listen HOST:PORT --db URL [--tls-cert FILE --tls-key FILE]\n"
"                          [--node-ttl SECONDS] [--beacon-ttl SECONDS]\n"
"                          [--sync-page N] [--session-ttl SECONDS]\n"
"                          [--sync-cache 0|1]\n"
"URL: sqlite:PATH or postgresql://... (default " DEFAULT_DB ")\n";

static bool json_out;

static int usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "ovl-registry: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	return EXIT_USAGE;
}

/* The options a command takes: "--name" with a value, or a flag. */
struct opt {
	const char *name;
	const char *val;
	bool flag;
};

/* Parse @argv against @opts; positional arguments into @pos (@npos). */
static int parse_opts(int argc, char **argv, struct opt *opts,
		      const char **pos, int npos)
{
	int i, have = 0;
	struct opt *o;
	size_t n;

	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--", 2)) {
			if (have == npos)
				return usage("unexpected argument '%s'",
					     argv[i]);
			pos[have++] = argv[i];
			continue;
		}
		for (o = opts; o->name; o++) {
			n = strlen(o->name);
			if (!strncmp(argv[i] + 2, o->name, n) &&
			    (!argv[i][2 + n] ||
			     (!o->flag && argv[i][2 + n] == '=')))
				break;
		}
		if (!o->name)
			return usage("unknown option '%s'", argv[i]);
		if (o->val)
			return usage("'%s' given twice", argv[i]);
		if (o->flag)
			o->val = "";
		else if (argv[i][2 + strlen(o->name)] == '=')
			o->val = argv[i] + 3 + strlen(o->name);
		else if (i + 1 < argc)
			o->val = argv[++i];
		else
			return usage("missing value for '%s'", argv[i]);
	}
	if (have < npos)
		return usage("missing argument%s", "");
	return 0;
}

static int open_store(const char *url, struct store **st, bool load)
{
	char err[DB_ERR_LEN];

	if (!url)
		url = DEFAULT_DB;
	if (store_open(url, st, err)) {
		fprintf(stderr, "ovl-registry: %s\n", err);
		return 1;
	}
	if (load && store_load(*st)) {
		fprintf(stderr, "ovl-registry: %s\n", (*st)->err);
		store_close(*st);
		return 1;
	}
	return 0;
}

static int u64_opt(const char *name, const char *val, uint64_t min,
		   uint64_t max, uint64_t *out)
{
	if (!val)
		return 0;
	if (parse_u64(val, out) || *out < min || *out > max) {
		fprintf(stderr, "ovl-registry: invalid --%s '%s': expected %" PRIu64 "..%" PRIu64 "\n",
			name, val, min, max);
		return EXIT_USAGE;
	}
	return 0;
}

static int cmd_init(int argc, char **argv)
{
	struct opt opts[] = { { .name = "db" }, { .name = "ca-key" }, { .name = "network" },
			      { .name = "cert-days" }, {} };
	char err[KEY_ERR_LEN];
	struct identity ca;
	struct cidr net;
	struct store *st;
	uint64_t days = STORE_CERT_DAYS;
	int ret;

	ret = parse_opts(argc, argv, opts, NULL, 0);
	if (ret)
		return ret;
	if (!opts[1].val)
		return usage("missing '--ca-key'%s", "");
	if (!opts[2].val)
		return usage("missing '--network'%s", "");
	if (parse_cidr(opts[2].val, &net) || !cidr_canonical(&net) ||
	    net.prefix > (net.family == AF_INET ? 30 : 126)) {
		fprintf(stderr, "ovl-registry: invalid --network '%s': expected a prefix with host bits zero, e.g. 10.77.0.0/16\n",
			opts[2].val);
		return EXIT_USAGE;
	}
	if (u64_opt("cert-days", opts[3].val, 1, 36500, &days))
		return EXIT_USAGE;
	if (identity_load(opts[1].val, &ca, err)) {
		fprintf(stderr, "ovl-registry: %s\n", err);
		return 1;
	}
	ret = open_store(opts[0].val, &st, false);
	if (ret) {
		identity_wipe(&ca);
		return ret;
	}
	ret = store_init(st, &ca, &net, days);
	identity_wipe(&ca);
	if (ret)
		fprintf(stderr, "ovl-registry: init: %s\n", st->err);
	store_close(st);
	return ret ? 1 : 0;
}

static int cmd_token(int argc, char **argv)
{
	struct opt opts[] = { { .name = "db" }, { .name = "uses" }, { .name = "valid-for" },
			      { .name = "beacon", .flag = true }, {} };
	char token[STORE_TOKEN_LEN + 1], *end;
	uint64_t uses = 1;
	double hours = 24;
	const char *pos[1];
	struct store *st;
	int64_t now = time(NULL);
	int ret;

	if (!argc || strcmp(argv[0], "new"))
		return usage("expected 'token new'%s", "");
	ret = parse_opts(argc - 1, argv + 1, opts, pos, 0);
	if (ret)
		return ret;
	if (u64_opt("uses", opts[1].val, 1, 1000000000, &uses))
		return EXIT_USAGE;
	/* Hours, a fraction allowed: "0.25" is a quarter of an hour. */
	if (opts[2].val) {
		hours = strtod(opts[2].val, &end);
		if (end == opts[2].val || *end || !(hours > 0) ||
		    hours > 24.0 * 365 * 100)
			return usage("invalid --valid-for '%s': expected hours, more than 0",
				     opts[2].val);
	}
	ret = open_store(opts[0].val, &st, true);
	if (ret)
		return ret;
	ret = store_token_new(st, opts[3].val ? "beacon" : "node", uses,
			      now + (int64_t)(hours * HOUR + 0.5), now, token);
	if (ret)
		fprintf(stderr, "ovl-registry: token new: %s\n", st->err);
	else
		puts(token);
	store_close(st);
	return ret ? 1 : 0;
}

static void list_cb(const struct store_node *n, void *arg)
{
	char t[32];
	time_t ls = n->last_seen;
	struct tm tm;

	if (arg) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "node_id", json_object_new_int64(n->id));
		json_object_object_add(o, "public_key",
				       json_object_new_string(n->public_key));
		json_object_object_add(o, "address",
				       json_object_new_string(n->address));
		json_object_object_add(o, "endpoints",
				       json_object_new_string(n->endpoints));
		json_object_object_add(o, "relay_only",
				       json_object_new_boolean(n->relay_only));
		json_object_object_add(o, "state", json_object_new_string(
				       n->removed ? n->removed : "active"));
		json_object_object_add(o, "last_seen",
				       json_object_new_int64(n->last_seen));
		json_object_object_add(o, "version",
				       json_object_new_int64(n->version));
		json_object_array_add(arg, o);
		return;
	}
	gmtime_r(&ls, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%" PRIu32 " %s %s %s %s%s last-seen %s\n", n->id, n->address,
	       n->public_key, n->removed ? n->removed : "active",
	       n->endpoints[0] ? n->endpoints : "-",
	       n->relay_only ? " relay-only" : "", t);
}

static int cmd_node(int argc, char **argv)
{
	struct opt opts[] = { { .name = "db" }, {} };
	struct json_object *arr = NULL;
	const char *pos[1];
	struct store *st;
	enum reg_err err;
	uint32_t id;
	int ret;

	if (argc && !strcmp(argv[0], "list")) {
		ret = parse_opts(argc - 1, argv + 1, opts, pos, 0);
		if (!ret)
			ret = open_store(opts[0].val, &st, true);
		if (ret)
			return ret;
		if (json_out)
			arr = json_object_new_array();
		err = store_nodes(st, list_cb, arr);
		if (err)
			fprintf(stderr, "ovl-registry: %s\n", st->err);
		else if (arr)
			puts(json_object_to_json_string_ext(arr,
						JSON_C_TO_STRING_PRETTY));
		json_object_put(arr);
		store_close(st);
		return err ? 1 : 0;
	}
	if (!argc || strcmp(argv[0], "revoke"))
		return usage("expected 'node revoke ID' or 'node list'%s", "");
	ret = parse_opts(argc - 1, argv + 1, opts, pos, 1);
	if (ret)
		return ret;
	if (parse_u32(pos[0], &id) || !id)
		return usage("invalid node id '%s'", pos[0]);
	ret = open_store(opts[0].val, &st, true);
	if (ret)
		return ret;
	err = store_revoke(st, id);
	if (err == REG_E_UNKNOWN_NODE)
		fprintf(stderr, "ovl-registry: node revoke: no node %" PRIu32 "\n", id);
	else if (err == REG_E_REVOKED)
		fprintf(stderr, "ovl-registry: node %" PRIu32 " was already revoked\n", id);
	else if (err)
		fprintf(stderr, "ovl-registry: node revoke: %s\n", st->err);
	store_close(st);
	return err && err != REG_E_REVOKED ? 1 : 0;
}

static int cmd_serve(int argc, char **argv)
{
	struct opt opts[] = { { .name = "listen" }, { .name = "db" },
			      { .name = "tls-cert" }, { .name = "tls-key" },
			      { .name = "node-ttl" }, { .name = "beacon-ttl" },
			      { .name = "sync-page" }, { .name = "session-ttl" },
			      { .name = "sync-cache" }, {} };
	struct server_opts so = { .node_ttl = 300, .beacon_ttl = 90,
				  .sync_page = 1000, .session_ttl = 3600 };
	uint64_t node_ttl = so.node_ttl, beacon_ttl = so.beacon_ttl;
	uint64_t session_ttl = so.session_ttl, cache = 1;
	uint64_t page = so.sync_page;
	struct store *st;
	int ret;

	ret = parse_opts(argc, argv, opts, NULL, 0);
	if (ret)
		return ret;
	if (!opts[0].val)
		return usage("missing '--listen'%s", "");
	if (!opts[2].val != !opts[3].val)
		return usage("'--tls-cert' and '--tls-key' go together%s", "");
	if (u64_opt("node-ttl", opts[4].val, 1, 86400 * 365, &node_ttl) ||
	    u64_opt("beacon-ttl", opts[5].val, 1, 86400, &beacon_ttl) ||
	    u64_opt("sync-page", opts[6].val, 1, 10000, &page) ||
	    u64_opt("session-ttl", opts[7].val, 1, 86400, &session_ttl) ||
	    u64_opt("sync-cache", opts[8].val, 0, 1, &cache))
		return EXIT_USAGE;
	so.sync_page = page;
	so.listen = opts[0].val;
	so.tls_cert = opts[2].val;
	so.tls_key = opts[3].val;
	so.node_ttl = node_ttl;
	so.beacon_ttl = beacon_ttl;
	so.session_ttl = session_ttl;
	so.no_sync_cache = !cache;
	so.db_url = opts[1].val ? opts[1].val : DEFAULT_DB;
	ret = open_store(opts[1].val, &st, true);
	if (ret)
		return ret;
	setvbuf(stderr, NULL, _IOLBF, 0);
	ret = server_run(st, &so);
	store_close(st);
	return ret;
}

int main(int argc, char **argv)
{
	int i = 1;

	if (argc > 1 && !strcmp(argv[1], "-j")) {
		json_out = true;
		i++;
	}
	if (i >= argc)
		return usage("missing command%s", "");
	if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
		puts("ovl-registry " OVL_REGISTRY_VERSION);
		return 0;
	}
	if (!strcmp(argv[i], "init"))
		return cmd_init(argc - i - 1, argv + i + 1);
	if (!strcmp(argv[i], "token"))
		return cmd_token(argc - i - 1, argv + i + 1);
	if (!strcmp(argv[i], "node"))
		return cmd_node(argc - i - 1, argv + i + 1);
	if (!strcmp(argv[i], "serve"))
		return cmd_serve(argc - i - 1, argv + i + 1);
	return usage("unknown command '%s'", argv[i]);
}
