// SPDX-License-Identifier: GPL-2.0
/*
 * "ovlctl genkey", "ovlctl pubkey", "ovlctl cert sign|show": identities
 * (Ed25519, daemon/keyfile.h) and the certificates a network's CA signs
 * for them (daemon/cert.h).  No netlink: these work without the module.
 * Secret keys are printed only by genkey, and wiped after use.
 */

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/cert.h"
#include "daemon/keyfile.h"
#include "ovlctl.h"
#include "parse.h"

#define DAY		86400
#define VALID_FOR	365		/* days, the default */
#define VALID_FOR_MAX	3650000		/* days; year 9999 is the real bound */
#define CERT_FILE_MAX	4096		/* an armored certificate is < 1100 */
#define KEY_IN_MAX	256		/* a key file is 45 bytes */

/*
 * Take group and other permissions away from @fd if it is a regular file:
 * "ovlctl genkey > node.key" then leaves a 0600 file whatever the shell's
 * umask was, as "wg genkey" under umask 077 would.  Returns 0, or -1 (with
 * a warning printed) if the file stays open to others.
 */
static int protect_fd(int fd)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !(st.st_mode & 0077))
		return 0;
	if (!fchmod(fd, st.st_mode & 0700))
		return 0;
	pr_err("warning: standard output is a file that group or others may read (%s)",
	       strerror(errno));
	return -1;
}

/* genkey: a new identity's secret seed in base64. */
static int genkey_cmd(struct ovlctl *ctl, int argc, char **argv)
{
	char b64[KEY_B64_LEN + 1];
	struct identity id;

	if (argc)
		return usage_err(ctl, "unexpected argument '%s'", argv[0]);
	umask(077);
	protect_fd(STDOUT_FILENO);
	if (identity_generate(&id)) {
		pr_err("genkey: cannot initialize libsodium");
		return EXIT_FAILURE;
	}
	identity_seed_b64(&id, b64);
	puts(b64);
	identity_wipe(&id);
	sodium_memzero(b64, sizeof(b64));
	return EXIT_SUCCESS;
}

/* Read all of @f, at most @max bytes, into a new NUL-terminated buffer. */
static char *read_all(FILE *f, size_t max, size_t *len)
{
	char *buf = malloc(max + 1);

	if (!buf)
		return NULL;
	*len = fread(buf, 1, max + 1, f);
	if (ferror(f) || *len > max) {
		sodium_memzero(buf, max + 1);
		free(buf);
		errno = ferror(f) ? EIO : EFBIG;
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}

/* pubkey: the public key of the identity on standard input. */
static int pubkey_cmd(struct ovlctl *ctl, int argc, char **argv)
{
	char b64[KEY_B64_LEN + 1];
	struct identity id;
	const char *why;
	size_t len;
	char *text;
	int err = EXIT_FAILURE;

	if (argc)
		return usage_err(ctl, "unexpected argument '%s'", argv[0]);
	text = read_all(stdin, KEY_IN_MAX, &len);
	if (!text) {
		pr_err("pubkey: standard input: %s", errno == EFBIG ?
		       "not a key (too long)" : strerror(errno));
		return EXIT_FAILURE;
	}
	if (identity_parse(text, len, &id, &why)) {
		pr_err("pubkey: standard input: %s", why);
	} else {
		key_b64(id.pk, b64);
		puts(b64);
		err = EXIT_SUCCESS;
	}
	identity_wipe(&id);
	sodium_memzero(text, len);
	free(text);
	return err;
}

/**
 * struct sign_req - a parsed "cert sign" command line
 * @ca_key: path of the CA's key file
 * @node_id: --node-id
 * @pubkey: --pubkey
 * @valid_for: --valid-for, or NULL
 * @not_before: --not-before, or NULL
 * @not_after: --not-after, or NULL
 * @addrs: the --address values
 * @n_addrs: their number
 * @relay_only: --relay-only
 */
struct sign_req {
	const char *ca_key;
	const char *node_id;
	const char *pubkey;
	const char *valid_for;
	const char *not_before;
	const char *not_after;
	const char *addrs[CERT_MAX_ADDRS];
	unsigned int n_addrs;
	bool relay_only;
};

/*
 * If @argv[*@i] is the option --@name, as "--NAME VALUE" or
 * "--NAME=VALUE", store its value in *@val, step *@i past it and return
 * 1; 0 if it is another argument; EXIT_USAGE (printed) if the value is
 * missing or the option was already given (@val not NULL).
 */
static int take_opt(const struct ovlctl *ctl, int argc, char **argv, int *i,
		    const char *name, const char **val)
{
	const char *arg = argv[*i];
	size_t n = strlen(name);

	if (strncmp(arg, "--", 2) || strncmp(arg + 2, name, n) ||
	    (arg[2 + n] && arg[2 + n] != '='))
		return 0;
	if (val && *val)
		return usage_err(ctl, "'--%s' given twice", name);
	if (arg[2 + n] == '=')
		*val = arg + 3 + n;
	else if (*i + 1 < argc)
		*val = argv[++*i];
	else
		return usage_err(ctl, "missing value for '--%s'", name);
	return 1;
}

static int sign_opt(const struct ovlctl *ctl, int argc, char **argv, int *i,
		    struct sign_req *req)
{
	struct { const char *name; const char **val; } opts[] = {
		{ "ca-key",	&req->ca_key },
		{ "node-id",	&req->node_id },
		{ "pubkey",	&req->pubkey },
		{ "valid-for",	&req->valid_for },
		{ "not-before",	&req->not_before },
		{ "not-after",	&req->not_after },
	};
	const char *addr = NULL;
	size_t k;
	int ret;

	if (!strcmp(argv[*i], "--relay-only")) {
		req->relay_only = true;
		return 0;
	}
	for (k = 0; k < ARRAY_SIZE(opts); k++) {
		ret = take_opt(ctl, argc, argv, i, opts[k].name, opts[k].val);
		if (ret)
			return ret == 1 ? 0 : ret;
	}
	ret = take_opt(ctl, argc, argv, i, "address", &addr);
	if (!ret)
		return usage_err(ctl, "unknown option '%s'", argv[*i]);
	if (ret != 1)
		return ret;
	if (req->n_addrs == CERT_MAX_ADDRS)
		return usage_err(ctl, "more than %d addresses",
				 CERT_MAX_ADDRS);
	req->addrs[req->n_addrs++] = addr;
	return 0;
}

static int sign_parse(const struct ovlctl *ctl, int argc, char **argv,
		      struct sign_req *req)
{
	int i;

	for (i = 0; i < argc; i++)
		if (sign_opt(ctl, argc, argv, &i, req))
			return EXIT_USAGE;
	if (!req->ca_key)
		return usage_err(ctl, "missing '--ca-key'");
	if (!req->node_id)
		return usage_err(ctl, "missing '--node-id'");
	if (!req->pubkey)
		return usage_err(ctl, "missing '--pubkey'");
	if (!req->n_addrs)
		return usage_err(ctl, "missing '--address'");
	if (req->not_after && req->valid_for)
		return usage_err(ctl, "'--not-after' and '--valid-for' exclude each other");
	return 0;
}

/* The --address values into @c: canonical prefixes. */
static int sign_addrs(const struct sign_req *req, struct cert *c)
{
	unsigned int i;

	for (i = 0; i < req->n_addrs; i++) {
		if (parse_cidr(req->addrs[i], &c->addrs[i])) {
			pr_err("invalid address '%s': expected ADDR[/LEN]",
			       req->addrs[i]);
			return EXIT_USAGE;
		}
		if (!cidr_canonical(&c->addrs[i])) {
			pr_err("invalid address '%s': host bits set (an address is a prefix, e.g. 10.77.0.2/32)",
			       req->addrs[i]);
			return EXIT_USAGE;
		}
	}
	c->n_addrs = req->n_addrs;
	return 0;
}

static int arg_time(const char *name, const char *arg, uint64_t *t)
{
	if (!cert_time_parse(arg, t))
		return 0;
	pr_err("invalid %s '%s': expected YYYY-MM-DDTHH:MM:SSZ (UTC)", name,
	       arg);
	return EXIT_USAGE;
}

/* The validity period into @c: from now (or --not-before) for a year. */
static int sign_times(const struct sign_req *req, struct cert *c)
{
	uint32_t days = VALID_FOR;

	c->not_before = time(NULL);
	if (req->not_before &&
	    arg_time("not-before", req->not_before, &c->not_before))
		return EXIT_USAGE;
	if (req->not_after)
		return arg_time("not-after", req->not_after, &c->not_after);
	if (req->valid_for &&
	    arg_u32("valid-for", req->valid_for, 1, VALID_FOR_MAX, &days))
		return EXIT_USAGE;
	c->not_after = c->not_before + (uint64_t)days * DAY;
	return 0;
}

/* The certificate @req asks for, unsigned. */
static int sign_fill(const struct sign_req *req, struct cert *c)
{
	if (arg_u32("node-id", req->node_id, 1, UINT32_MAX, &c->node_id))
		return EXIT_USAGE;
	if (key_from_b64(req->pubkey, c->public_key)) {
		pr_err("invalid pubkey: expected 32 bytes in standard base64 with padding");
		return EXIT_USAGE;
	}
	if (sign_addrs(req, c) || sign_times(req, c))
		return EXIT_USAGE;
	c->flags = req->relay_only ? CERT_F_RELAY_ONLY : 0;
	return 0;
}

static int cert_print_armored(const struct cert *c)
{
	uint8_t bin[CERT_MAX_LEN];
	char text[CERT_ARMOR_MAX];
	int len;

	len = cert_encode(c, bin, sizeof(bin));
	if (len < 0 || cert_armor(bin, len, text, sizeof(text)) < 0) {
		pr_err("cert sign: cannot encode the certificate");
		return EXIT_FAILURE;
	}
	fputs(text, stdout);
	return EXIT_SUCCESS;
}

/* cert sign --ca-key FILE --node-id N --pubkey B64 --address CIDR... */
static int cert_sign_cmd(struct ovlctl *ctl, int argc, char **argv)
{
	char err[KEY_ERR_LEN];
	struct sign_req req = {};
	struct identity ca;
	struct cert c = {};
	const char *why;
	int ret;

	ret = sign_parse(ctl, argc, argv, &req);
	if (!ret)
		ret = sign_fill(&req, &c);
	if (ret)
		return ret;
	if (identity_load(req.ca_key, &ca, err)) {
		pr_err("%s", err);
		return EXIT_FAILURE;
	}
	ret = cert_sign(&c, ca.sk, &why);
	identity_wipe(&ca);
	if (ret) {
		pr_err("cert sign: invalid certificate: %s", why);
		return EXIT_USAGE;
	}
	return cert_print_armored(&c);
}

/* Read and decode the certificate in @path ("-": standard input). */
static int cert_read(const char *path, struct cert *c)
{
	uint8_t bin[CERT_MAX_LEN];
	char err[KEY_ERR_LEN];
	const char *why;
	size_t len, n;
	char *text;

	if (strcmp(path, "-")) {
		if (!cert_load(path, c, err))
			return 0;
		pr_err("%s", err);
		return EXIT_FAILURE;
	}
	text = read_all(stdin, CERT_FILE_MAX, &len);
	if (!text) {
		pr_err("-: %s", errno == EFBIG ?
		       "not a certificate (too long)" : strerror(errno));
		return EXIT_FAILURE;
	}
	if (!cert_dearmor(text, len, bin, sizeof(bin), &n, &why) &&
	    cert_decode(bin, n, c, &why) == CERT_OK)
		why = NULL;
	free(text);
	if (why) {
		pr_err("-: malformed certificate: %s", why);
		return EXIT_FAILURE;
	}
	return 0;
}

static const char *const status_json[] = {
	[CERT_OK]		= "valid",
	[CERT_MALFORMED]	= "malformed",
	[CERT_WRONG_ISSUER]	= "wrong_issuer",
	[CERT_BAD_SIGNATURE]	= "bad_signature",
	[CERT_NOT_YET_VALID]	= "not_yet_valid",
	[CERT_EXPIRED]		= "expired",
};

static void json_add_str(struct json_object *obj, const char *key,
			 const char *val)
{
	json_object_object_add(obj, key, json_object_new_string(val));
}

static void cert_show_json(const struct cert *c, enum cert_err status,
			   bool ca_checked)
{
	struct json_object *obj = json_object_new_object(), *addrs;
	char buf[ADDR_STRLEN], t[CERT_TIME_STRLEN], b64[KEY_B64_LEN + 1];
	unsigned int i;

	json_object_object_add(obj, "node_id",
			       json_object_new_int64(c->node_id));
	key_b64(c->public_key, b64);
	json_add_str(obj, "public_key", b64);
	addrs = json_object_new_array();
	for (i = 0; i < c->n_addrs; i++) {
		cidr_fmt(&c->addrs[i], buf);
		json_object_array_add(addrs, json_object_new_string(buf));
	}
	json_object_object_add(obj, "addresses", addrs);
	json_object_object_add(obj, "relay_only",
			       json_object_new_boolean(c->flags &
						       CERT_F_RELAY_ONLY));
	json_add_str(obj, "not_before", cert_time_str(c->not_before, t));
	json_add_str(obj, "not_after", cert_time_str(c->not_after, t));
	key_b64(c->issuer, b64);
	json_add_str(obj, "issuer", b64);
	json_add_str(obj, "status", status_json[status]);
	json_object_object_add(obj, "ca_checked",
			       json_object_new_boolean(ca_checked));
	json_print(obj);
	json_object_put(obj);
}

static void cert_show_text(const char *path, const struct cert *c,
			   enum cert_err status, bool ca_checked)
{
	char buf[ADDR_STRLEN], t[CERT_TIME_STRLEN], b64[KEY_B64_LEN + 1];
	unsigned int i;

	printf("certificate %s\n", path);
	printf("  node id: %" PRIu32 "\n", c->node_id);
	key_b64(c->public_key, b64);
	printf("  public key: %s\n", b64);
	fputs("  addresses:", stdout);
	for (i = 0; i < c->n_addrs; i++)
		printf("%s %s", i ? "," : "", cidr_fmt(&c->addrs[i], buf));
	printf("\n  flags: %s\n",
	       c->flags & CERT_F_RELAY_ONLY ? "relay-only" : "(none)");
	printf("  not before: %s\n", cert_time_str(c->not_before, t));
	printf("  not after: %s\n", cert_time_str(c->not_after, t));
	key_b64(c->issuer, b64);
	printf("  issuer: %s\n", b64);
	printf("  status: %s%s\n", cert_strerror(status),
	       ca_checked ? "" : " (issuer not checked: no --ca)");
}

/* cert show FILE [--ca B64] */
static int cert_show_cmd(struct ovlctl *ctl, int argc, char **argv)
{
	uint8_t ca[CERT_KEY_LEN];
	const char *path = NULL, *ca_b64 = NULL;
	enum cert_err status;
	struct cert c;
	int i, ret;

	for (i = 0; i < argc; i++) {
		ret = take_opt(ctl, argc, argv, &i, "ca", &ca_b64);
		if (ret > 1)
			return ret;
		if (ret)
			continue;
		if (path)
			return usage_err(ctl, "unexpected argument '%s'",
					 argv[i]);
		path = argv[i];
	}
	if (!path)
		return usage_err(ctl, "missing certificate file");
	if (ca_b64 && key_from_b64(ca_b64, ca)) {
		pr_err("invalid ca: expected 32 bytes in standard base64 with padding");
		return EXIT_USAGE;
	}
	if (cert_read(path, &c))
		return EXIT_FAILURE;
	status = cert_verify(&c, ca_b64 ? ca : c.issuer, time(NULL));
	if (ctl->json)
		cert_show_json(&c, status, !!ca_b64);
	else
		cert_show_text(path, &c, status, !!ca_b64);
	return EXIT_SUCCESS;
}

static const struct ctl_cmd genkey_cmds[] = {
	{ "genkey",	"",					genkey_cmd },
	{}
};

static const struct ctl_cmd pubkey_cmds[] = {
	{ "pubkey",	"< KEYFILE",				pubkey_cmd },
	{}
};

static const struct ctl_cmd cert_cmds[] = {
	{ "show",	"FILE|- [--ca B64]",			cert_show_cmd },
	{ "sign",	"--ca-key FILE --node-id ID --pubkey B64 "
			"--address CIDR [--address CIDR]... [--relay-only] "
			"[--valid-for DAYS | --not-after TIME] "
			"[--not-before TIME]",			cert_sign_cmd },
	{}
};

const struct ctl_object genkey_object = {
	.name	= "genkey",
	.cmds	= genkey_cmds,
	.bare	= true,
};

const struct ctl_object pubkey_object = {
	.name	= "pubkey",
	.cmds	= pubkey_cmds,
	.bare	= true,
};

const struct ctl_object cert_object = {
	.name	= "cert",
	.cmds	= cert_cmds,
};
