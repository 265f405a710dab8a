// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of "ovlctl genkey", "pubkey", "cert sign" and "cert show"
 * (ident.c), run in-process; none of them may touch netlink.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../ident.c"
#include "harness.h"

#include <fcntl.h>

/* The identity with seed 32 x 0x01, and with 32 x 0x03. */
#define CA_SEED		"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
#define NODE_SEED	"AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM="

static char tmpdir[] = "/tmp/test_ident.XXXXXX";
static char ca_pub[KEY_B64_LEN + 1], node_pub[KEY_B64_LEN + 1];
static char other_pub[KEY_B64_LEN + 1];

static const char *tmp_path(const char *name)
{
	static char path[4][80];
	static unsigned int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", tmpdir, name);
	return path[i];
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	const char *path = tmp_path(name);
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* Make @text the command's standard input. */
static void set_stdin(const char *text)
{
	write_file("stdin", text, 0600);
	assert_non_null(freopen(tmp_path("stdin"), "r", stdin));
}

static void pub_of(const char *seed, char *out)
{
	struct identity id;
	const char *why;

	assert_int_equal(identity_parse(seed, strlen(seed), &id, &why), 0);
	key_b64(id.pk, out);
}

static int group_setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	write_file("ca.key", CA_SEED "\n", 0600);
	pub_of(CA_SEED, ca_pub);
	pub_of(NODE_SEED, node_pub);
	pub_of("AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=", other_pub);
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd);
}

static int setup(void **state)
{
	(void)state;
	fake_reset();
	return 0;
}

static void test_genkey(void **state)
{
	char key[KEY_B64_LEN + 2], pub[KEY_B64_LEN + 1];

	(void)state;
	assert_int_equal(run("genkey", NULL), 0);
	assert_string_equal(run_err, "");
	assert_int_equal(strlen(run_out), KEY_B64_LEN + 1);
	assert_int_equal(run_out[KEY_B64_LEN], '\n');
	snprintf(key, sizeof(key), "%s", run_out);
	pub_of(key, pub);

	set_stdin(key);
	assert_int_equal(run("pubkey", NULL), 0);
	assert_string_equal(run_err, "");
	assert_int_equal(strlen(run_out), KEY_B64_LEN + 1);
	assert_memory_equal(run_out, pub, KEY_B64_LEN);

	/* Two keys differ. */
	assert_int_equal(run("genkey", NULL), 0);
	assert_memory_not_equal(run_out, key, KEY_B64_LEN);
	assert_int_equal(fake_nreqs(), 0);

	assert_int_equal(run("genkey", "x", NULL), 2);
	assert_string_equal(run_err, "ovlctl: genkey: unexpected argument 'x'\n"
				     "Usage: ovlctl genkey\n");
}

/* genkey > FILE leaves FILE 0600, however the shell created it. */
static void test_genkey_mode(void **state)
{
	const char *path = tmp_path("new.key");
	struct stat st;
	int fd;

	(void)state;
	write_file("new.key", "", 0644);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(protect_fd(fd), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	close(fd);
	write_file("new.key", "", 0777);
	fd = open(path, O_WRONLY);
	assert_int_equal(protect_fd(fd), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	close(fd);
	/* A pipe is left alone. */
	{
		int p[2];

		assert_int_equal(pipe(p), 0);
		assert_int_equal(protect_fd(p[1]), 0);
		close(p[0]);
		close(p[1]);
	}
}

static void test_pubkey(void **state)
{
	(void)state;
	set_stdin(CA_SEED "\n");
	assert_int_equal(run("pubkey", NULL), 0);
	assert_memory_equal(run_out, ca_pub, KEY_B64_LEN);

	set_stdin("hello\n");
	assert_int_equal(run("pubkey", NULL), 1);
	assert_string_equal(run_out, "");
	assert_string_equal(run_err, "ovlctl: pubkey: standard input: not a key "
			    "(expected 32 bytes in standard base64)\n");
	set_stdin("");
	assert_int_equal(run("pubkey", NULL), 1);
	set_stdin(CA_SEED CA_SEED CA_SEED CA_SEED CA_SEED CA_SEED CA_SEED);
	assert_int_equal(run("pubkey", NULL), 1);
	assert_string_equal(run_err, "ovlctl: pubkey: standard input: not a key "
			    "(too long)\n");
	assert_int_equal(run("pubkey", "node.key", NULL), 2);
}

/* Run "cert sign" with the test CA, node key and @args; save to @name. */
static int sign(const char *name, ...)
{
	char *argv[32];
	int argc = 0, status;
	va_list ap;
	const char *a;
	FILE *f;

	argv[argc++] = "--ca-key";
	argv[argc++] = (char *)tmp_path("ca.key");
	argv[argc++] = "--pubkey";
	argv[argc++] = node_pub;
	va_start(ap, name);
	while ((a = va_arg(ap, const char *)))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	status = run("cert", "sign", argv[0], argv[1], argv[2], argv[3],
		     argc > 4 ? argv[4] : NULL, argc > 5 ? argv[5] : NULL,
		     argc > 6 ? argv[6] : NULL, argc > 7 ? argv[7] : NULL,
		     argc > 8 ? argv[8] : NULL, argc > 9 ? argv[9] : NULL,
		     argc > 10 ? argv[10] : NULL, argc > 11 ? argv[11] : NULL,
		     argc > 12 ? argv[12] : NULL, argc > 13 ? argv[13] : NULL,
		     NULL);
	if (!status && name) {
		f = fopen(tmp_path(name), "w");
		assert_non_null(f);
		fputs(run_out, f);
		fclose(f);
	}
	return status;
}

/* The certificate in file @name, decoded. */
static void load(const char *name, struct cert *c)
{
	assert_int_equal(cert_read(tmp_path(name), c), 0);
}

static void test_sign_show(void **state)
{
	uint64_t now = time(NULL);
	char want[1024], t0[CERT_TIME_STRLEN], t1[CERT_TIME_STRLEN];
	struct cert c;

	(void)state;
	assert_int_equal(sign("n.crt", "--node-id", "2", "--address",
			      "fd00:77::2/128", "--address=10.77.0.2/32",
			      NULL), 0);
	assert_string_equal(run_err, "");
	assert_true(!strncmp(run_out, CERT_ARMOR_BEGIN "\n", 32));
	assert_int_equal(fake_nreqs(), 0);
	load("n.crt", &c);
	assert_int_equal(c.node_id, 2);
	assert_int_equal(c.flags, 0);
	assert_int_equal(c.n_addrs, 2);
	assert_true(c.not_before >= now && c.not_before <= now + 5);
	assert_true(c.not_after == c.not_before + 365 * DAY);
	assert_int_equal(cert_verify(&c, c.issuer, now), CERT_OK);

	assert_int_equal(run("cert", "show", tmp_path("n.crt"), NULL), 0);
	cert_time_str(c.not_before, t0);
	cert_time_str(c.not_after, t1);
	snprintf(want, sizeof(want),
		 "certificate %s\n"
		 "  node id: 2\n"
		 "  public key: %s\n"
		 "  addresses: 10.77.0.2/32, fd00:77::2/128\n"
		 "  flags: (none)\n"
		 "  not before: %s\n"
		 "  not after: %s\n"
		 "  issuer: %s\n"
		 "  status: valid (issuer not checked: no --ca)\n",
		 tmp_path("n.crt"), node_pub, t0, t1, ca_pub);
	assert_string_equal(run_out, want);
	assert_string_equal(run_err, "");

	assert_int_equal(run("-j", "cert", "show", "--ca", ca_pub,
			     tmp_path("n.crt"), NULL), 0);
	snprintf(want, sizeof(want),
		 "{\"node_id\":2,\"public_key\":\"%s\","
		 "\"addresses\":[\"10.77.0.2/32\",\"fd00:77::2/128\"],"
		 "\"relay_only\":false,\"not_before\":\"%s\","
		 "\"not_after\":\"%s\",\"issuer\":\"%s\","
		 "\"status\":\"valid\",\"ca_checked\":true}\n",
		 node_pub, t0, t1, ca_pub);
	assert_string_equal(run_out, want);

	/* Another CA's key. */
	assert_int_equal(run("-j", "cert", "show", tmp_path("n.crt"),
			     "--ca", other_pub, NULL), 0);
	assert_non_null(strstr(run_out, "\"status\":\"wrong_issuer\""));
	assert_int_equal(run("cert", "show", tmp_path("n.crt"),
			     "--ca", other_pub, NULL), 0);
	assert_non_null(strstr(run_out, "\n  status: wrong issuer\n"));
}

static void test_sign_options(void **state)
{
	struct cert c;

	(void)state;
	assert_int_equal(sign("r.crt", "--node-id", "4294967295",
			      "--address", "10.77.0.0/24", "--relay-only",
			      "--valid-for", "1", NULL), 0);
	load("r.crt", &c);
	assert_int_equal(c.node_id, UINT32_MAX);
	assert_int_equal(c.flags, CERT_F_RELAY_ONLY);
	assert_true(c.not_after == c.not_before + DAY);
	assert_int_equal(run("-j", "cert", "show", tmp_path("r.crt"), NULL), 0);
	assert_non_null(strstr(run_out, "\"relay_only\":true"));
	assert_non_null(strstr(run_out, "\"ca_checked\":false"));
	assert_int_equal(run("cert", "show", tmp_path("r.crt"), NULL), 0);
	assert_non_null(strstr(run_out, "\n  flags: relay-only\n"));

	/* Explicit times: an expired certificate, one not yet valid. */
	assert_int_equal(sign("old.crt", "--node-id", "3", "--address",
			      "10.77.0.3", "--not-before",
			      "2020-01-01T00:00:00Z", "--not-after",
			      "2020-01-02T00:00:00Z", NULL), 0);
	load("old.crt", &c);
	assert_true(c.not_before == 1577836800 && c.not_after == 1577923200);
	assert_int_equal(c.addrs[0].prefix, 32);
	assert_int_equal(run("cert", "show", "--ca", ca_pub,
			     tmp_path("old.crt"), NULL), 0);
	assert_non_null(strstr(run_out, "\n  not before: 2020-01-01T00:00:00Z\n"
				"  not after: 2020-01-02T00:00:00Z\n"));
	assert_non_null(strstr(run_out, "\n  status: expired\n"));
	assert_int_equal(sign("new.crt", "--node-id", "3", "--address",
			      "10.77.0.3/32", "--not-before",
			      "9000-01-01T00:00:00Z", "--valid-for", "2",
			      NULL), 0);
	assert_int_equal(run("-j", "cert", "show", "--ca", ca_pub,
			     tmp_path("new.crt"), NULL), 0);
	assert_non_null(strstr(run_out, "\"not_after\":\"9000-01-03T00:00:00Z\""));
	assert_non_null(strstr(run_out, "\"status\":\"not_yet_valid\""));
}

struct usage_case {
	const char *args[12];
	int status;
	const char *err;
};

#define SIGN_USAGE "Usage: ovlctl cert sign " \
	"--ca-key FILE --node-id ID --pubkey B64 --address CIDR " \
	"[--address CIDR]... [--relay-only] " \
	"[--valid-for DAYS | --not-after TIME] [--not-before TIME]\n"

static void test_sign_errors(void **state)
{
	static const struct usage_case cases[] = {
		{ { "--address", "10.0.0.1" }, 2,
		  "ovlctl: cert sign: missing '--node-id'\n" SIGN_USAGE },
		{ { "--node-id", "2" }, 2,
		  "ovlctl: cert sign: missing '--address'\n" SIGN_USAGE },
		{ { "--node-id", "2", "--node-id", "3" }, 2,
		  "ovlctl: cert sign: '--node-id' given twice\n" SIGN_USAGE },
		{ { "--node-id" }, 2,
		  "ovlctl: cert sign: missing value for '--node-id'\n"
		  SIGN_USAGE },
		{ { "--node-id", "2", "--frobnicate" }, 2,
		  "ovlctl: cert sign: unknown option '--frobnicate'\n"
		  SIGN_USAGE },
		{ { "--node-id", "2", "10.0.0.1" }, 2,
		  "ovlctl: cert sign: unknown option '10.0.0.1'\n" SIGN_USAGE },
		{ { "--node-id", "0", "--address", "10.0.0.1" }, 2,
		  "ovlctl: invalid node-id '0': expected 1..4294967295\n" },
		{ { "--node-id", "2", "--address", "10.0.0.1/24" }, 2,
		  "ovlctl: invalid address '10.0.0.1/24': host bits set "
		  "(an address is a prefix, e.g. 10.77.0.2/32)\n" },
		{ { "--node-id", "2", "--address", "10.0.0.1/33" }, 2,
		  "ovlctl: invalid address '10.0.0.1/33': expected "
		  "ADDR[/LEN]\n" },
		{ { "--node-id", "2", "--address", "10.0.0.1",
		    "--address", "10.0.0.1/32" }, 2,
		  "ovlctl: cert sign: invalid certificate: addresses "
		  "repeated or out of order\n" },
		{ { "--node-id", "2", "--address", "10.0.0.1",
		    "--valid-for", "0" }, 2,
		  "ovlctl: invalid valid-for '0': expected 1..3650000\n" },
		{ { "--node-id", "2", "--address", "10.0.0.1",
		    "--valid-for", "1", "--not-after",
		    "2030-01-01T00:00:00Z" }, 2,
		  "ovlctl: cert sign: '--not-after' and '--valid-for' "
		  "exclude each other\n" SIGN_USAGE },
		{ { "--node-id", "2", "--address", "10.0.0.1",
		    "--not-after", "2030-01-01" }, 2,
		  "ovlctl: invalid not-after '2030-01-01': expected "
		  "YYYY-MM-DDTHH:MM:SSZ (UTC)\n" },
		{ { "--node-id", "2", "--address", "10.0.0.1",
		    "--not-before", "2030-01-01T00:00:00Z",
		    "--not-after", "2029-01-01T00:00:00Z" }, 2,
		  "ovlctl: cert sign: invalid certificate: not-after is not "
		  "after not-before\n" },
		{ { "--node-id", "2", "--address", "10.0.0.1",
		    "--not-before", "9999-12-31T00:00:00Z" }, 2,
		  "ovlctl: cert sign: invalid certificate: not-after beyond "
		  "year 9999\n" },
	};
	size_t i;
	const char *const *a;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		a = cases[i].args;
		if (sign(NULL, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7],
			 a[8], a[9], NULL) != cases[i].status ||
		    strcmp(run_err, cases[i].err) || *run_out)
			fail_msg("case %zu: status, or '%s' != '%s'", i,
				 run_err, cases[i].err);
	}
	assert_int_equal(fake_nreqs(), 0);
}

static void test_sign_too_many(void **state)
{
	char *argv[2 * (CERT_MAX_ADDRS + 1) + 10], addr[CERT_MAX_ADDRS + 1][32];
	struct ovlctl ctl = { .obj = &cert_object, .cmd = &cert_cmds[1] };
	struct sign_req req = {};
	int argc = 0, i, saved, null;

	(void)state;
	for (i = 0; i <= CERT_MAX_ADDRS; i++) {
		snprintf(addr[i], sizeof(addr[i]), "10.0.0.%d", i);
		argv[argc++] = "--address";
		argv[argc++] = addr[i];
	}
	saved = dup(STDERR_FILENO);
	null = open("/dev/null", O_WRONLY);
	assert_true(saved >= 0 && null >= 0);
	dup2(null, STDERR_FILENO);
	close(null);
	assert_int_equal(sign_parse(&ctl, argc, argv, &req), 2);
	assert_int_equal(req.n_addrs, CERT_MAX_ADDRS);
	memset(&req, 0, sizeof(req));
	assert_int_equal(sign_parse(&ctl, argc - 2, argv, &req), 2);
	assert_int_equal(req.n_addrs, CERT_MAX_ADDRS);
	dup2(saved, STDERR_FILENO);
	close(saved);
}

static void test_sign_ca_key(void **state)
{
	char want[256];

	(void)state;
	write_file("open.key", CA_SEED "\n", 0644);
	assert_int_equal(run("cert", "sign", "--ca-key", tmp_path("open.key"),
			     "--node-id", "2", "--pubkey", node_pub,
			     "--address", "10.0.0.1", NULL), 1);
	snprintf(want, sizeof(want), "ovlctl: %s: key file readable or writable by group or others (mode 0644): chmod 600 it\n",
		 tmp_path("open.key"));
	assert_string_equal(run_err, want);
	assert_string_equal(run_out, "");
	assert_int_equal(run("cert", "sign", "--ca-key", tmp_path("none.key"),
			     "--node-id", "2", "--pubkey", node_pub,
			     "--address", "10.0.0.1", NULL), 1);
	snprintf(want, sizeof(want), "ovlctl: %s: No such file or directory\n",
		 tmp_path("none.key"));
	assert_string_equal(run_err, want);
	assert_int_equal(run("cert", "sign", "--ca-key", tmp_path("ca.key"),
			     "--node-id", "2", "--pubkey", "AAAA",
			     "--address", "10.0.0.1", NULL), 2);
	assert_string_equal(run_err, "ovlctl: invalid pubkey: expected 32 "
			    "bytes in standard base64 with padding\n");
}

/* Rewrite the certificate in @from into @to with byte @off xor @x. */
static void tamper(const char *from, const char *to, size_t off, uint8_t x)
{
	char text[CERT_ARMOR_MAX];
	uint8_t bin[CERT_MAX_LEN];
	struct cert c;
	int len;

	load(from, &c);
	len = cert_encode(&c, bin, sizeof(bin));
	assert_true(len > 0 && off < (size_t)len);
	bin[off] ^= x;
	assert_true(cert_armor(bin, len, text, sizeof(text)) > 0);
	write_file(to, text, 0644);
}

static void test_show_errors(void **state)
{
	char want[512];

	(void)state;
	assert_int_equal(sign("s.crt", "--node-id", "2", "--address",
			      "10.77.0.2", NULL), 0);
	/* A flipped signature byte: shown, with the verdict. */
	tamper("s.crt", "sig.crt", CERT_HDR_LEN + 6 + 3, 0x10);
	assert_int_equal(run("-j", "cert", "show", tmp_path("sig.crt"), NULL),
			 0);
	assert_non_null(strstr(run_out, "\"status\":\"bad_signature\""));
	assert_int_equal(run("cert", "show", "--ca", ca_pub,
			     tmp_path("sig.crt"), NULL), 0);
	assert_non_null(strstr(run_out, "\n  status: bad signature\n"));
	/* An unknown version: refused, exit 1. */
	tamper("s.crt", "v2.crt", 4, 0x03);
	assert_int_equal(run("cert", "show", tmp_path("v2.crt"), NULL), 1);
	snprintf(want, sizeof(want),
		 "ovlctl: %s: malformed certificate: unknown version\n",
		 tmp_path("v2.crt"));
	assert_string_equal(run_err, want);
	assert_string_equal(run_out, "");

	write_file("junk.crt", "hello\n", 0644);
	assert_int_equal(run("cert", "show", tmp_path("junk.crt"), NULL), 1);
	snprintf(want, sizeof(want),
		 "ovlctl: %s: malformed certificate: no '" CERT_ARMOR_BEGIN
		 "' line\n", tmp_path("junk.crt"));
	assert_string_equal(run_err, want);
	assert_int_equal(run("cert", "show", tmp_path("none.crt"), NULL), 1);
	snprintf(want, sizeof(want), "ovlctl: %s: No such file or directory\n",
		 tmp_path("none.crt"));
	assert_string_equal(run_err, want);

	/* Standard input. */
	set_stdin("-----BEGIN OVL CERTIFICATE-----\nT1ZMQw==\n"
		  "-----END OVL CERTIFICATE-----\n");
	assert_int_equal(run("cert", "show", "-", NULL), 1);
	assert_string_equal(run_err,
			    "ovlctl: -: malformed certificate: truncated\n");

	assert_int_equal(run("cert", "show", NULL), 2);
	assert_string_equal(run_err, "ovlctl: cert show: missing certificate "
			    "file\nUsage: ovlctl cert show FILE|- [--ca B64]\n");
	assert_int_equal(run("cert", "show", "a", "b", NULL), 2);
	assert_int_equal(run("cert", "show", "a", "--ca", NULL), 2);
	assert_int_equal(run("cert", "show", tmp_path("s.crt"), "--ca", "x",
			     NULL), 2);
	assert_string_equal(run_err, "ovlctl: invalid ca: expected 32 bytes "
			    "in standard base64 with padding\n");
	assert_int_equal(fake_nreqs(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_genkey, setup),
		cmocka_unit_test_setup(test_genkey_mode, setup),
		cmocka_unit_test_setup(test_pubkey, setup),
		cmocka_unit_test_setup(test_sign_show, setup),
		cmocka_unit_test_setup(test_sign_options, setup),
		cmocka_unit_test_setup(test_sign_errors, setup),
		cmocka_unit_test_setup(test_sign_too_many, setup),
		cmocka_unit_test_setup(test_sign_ca_key, setup),
		cmocka_unit_test_setup(test_show_errors, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
