// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line contract of ovlctl: help, version, and the usage errors
 * (exit status 2) that are all detected before netlink is touched, so
 * they hold with or without the ovl module.  Runs the sanitizer build
 * OVLCTL_BIN; sanitizer reports would show up on its standard error.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define HELP		"Usage: ovlctl [OPTIONS] OBJECT COMMAND [ARGUMENTS]\n..."
#define SHOW_USAGE	"Usage: ovlctl dev show [DEV]\n"
#define SET_USAGE	"Usage: ovlctl dev set DEV [node-id ID] [listen-port PORT]\n"
#define DEV_USAGE	SHOW_USAGE \
			"       ovlctl dev set DEV [node-id ID] [listen-port PORT]\n"

/**
 * struct cli_case - one ovlctl run and what it must print
 * @name: test name
 * @args: the arguments, NULL-terminated
 * @status: exit status
 * @out: standard output; a trailing "..." matches any rest
 * @err: standard error, likewise
 */
struct cli_case {
	const char *name;
	const char *args[10];
	int status;
	const char *out;
	const char *err;
};

static const struct cli_case cases[] = {
	{ "no arguments", { NULL }, 2, "", HELP },
	{ "help", { "help" }, 0, HELP, "" },
	{ "-h", { "-h" }, 0, HELP, "" },
	{ "--help", { "--help", "dev" }, 0, HELP, "" },
	{ "-V", { "-V" }, 0, "ovlctl ...", "" },
	{ "--version", { "--version" }, 0, "ovlctl ...", "" },
	{ "unknown long option", { "--bogus", "dev", "show" }, 2, "",
	  "ovlctl: unrecognized option '--bogus'\n" HELP },
	{ "unknown short option", { "-x" }, 2, "",
	  "ovlctl: invalid option -- 'x'\n" HELP },
	{ "unknown object", { "bogus" }, 2, "",
	  "ovlctl: unknown object 'bogus'\n" HELP },
	{ "dev help", { "dev", "help" }, 0, DEV_USAGE, "" },
	{ "unknown command", { "dev", "bogus" }, 2, "",
	  "ovlctl: dev: unknown command 'bogus'\n" DEV_USAGE },
	{ "option after object", { "dev", "-j", "show" }, 2, "",
	  "ovlctl: dev: unknown command '-j'\n" DEV_USAGE },
	{ "show: extra argument", { "dev", "show", "ovl0", "ovl1" }, 2, "",
	  "ovlctl: dev show: unexpected argument 'ovl1'\n" SHOW_USAGE },
	{ "show: long name", { "dev", "show", "0123456789abcdef" }, 2, "",
	  "ovlctl: invalid device name '0123456789abcdef': "
	  "expected 1..15 characters\n" },
	{ "show: empty name", { "-j", "dev", "show", "" }, 2, "",
	  "ovlctl: invalid device name '': expected 1..15 characters\n" },
	{ "set: no device", { "-j", "dev", "set" }, 2, "",
	  "ovlctl: dev set: missing device name\n" SET_USAGE },
	{ "set: nothing", { "dev", "set", "ovl0" }, 2, "",
	  "ovlctl: dev set: nothing to set: need node-id and/or listen-port\n"
	  SET_USAGE },
	{ "set: unknown keyword", { "dev", "set", "ovl0", "foo", "1" }, 2, "",
	  "ovlctl: dev set: unknown option 'foo'\n" SET_USAGE },
	{ "set: missing value", { "dev", "set", "ovl0", "node-id" }, 2, "",
	  "ovlctl: dev set: missing value for 'node-id'\n" SET_USAGE },
	{ "set: repeated keyword",
	  { "dev", "set", "ovl0", "node-id", "1", "node-id", "2" }, 2, "",
	  "ovlctl: dev set: 'node-id' given twice\n" SET_USAGE },
	{ "set: node-id abc", { "dev", "set", "ovl0", "node-id", "abc" }, 2,
	  "", "ovlctl: invalid node-id 'abc': expected 1..4294967295\n" },
	{ "set: node-id 0", { "dev", "set", "ovl0", "node-id", "0" }, 2, "",
	  "ovlctl: invalid node-id '0': expected 1..4294967295\n" },
	{ "set: node-id -1", { "dev", "set", "ovl0", "node-id", "-1" }, 2, "",
	  "ovlctl: invalid node-id '-1': expected 1..4294967295\n" },
	{ "set: node-id 2^32",
	  { "dev", "set", "ovl0", "node-id", "4294967296" }, 2, "",
	  "ovlctl: invalid node-id '4294967296': expected 1..4294967295\n" },
	{ "set: listen-port 65536",
	  { "dev", "set", "ovl0", "listen-port", "65536" }, 2, "",
	  "ovlctl: invalid listen-port '65536': expected 0..65535\n" },
	{ "set: keywords in any order",
	  { "dev", "set", "ovl0", "listen-port", "0", "node-id", "1x" }, 2, "",
	  "ovlctl: invalid node-id '1x': expected 1..4294967295\n" },
	{ "set: long name", { "dev", "set", "0123456789abcdef", "node-id", "1" },
	  2, "", "ovlctl: invalid device name '0123456789abcdef': "
	  "expected 1..15 characters\n" },
};

/* Read all of @fd into @buf as a string. */
static void slurp(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while ((n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	assert_true(n == 0);
	buf[len] = '\0';
	close(fd);
}

static void run_ovlctl(const char *const *args, int *status, char *out,
		       char *err, size_t size)
{
	const char *argv[ARRAY_SIZE(cases[0].args) + 1] = { "ovlctl" };
	int pout[2], perr[2];
	pid_t pid;
	size_t i;

	for (i = 0; args[i]; i++)
		argv[i + 1] = args[i];
	assert_int_equal(pipe(pout), 0);
	assert_int_equal(pipe(perr), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(pout[1], STDOUT_FILENO);
		dup2(perr[1], STDERR_FILENO);
		execv(OVLCTL_BIN, (char **)argv);
		_exit(127);
	}
	close(pout[1]);
	close(perr[1]);
	slurp(pout[0], out, size);
	slurp(perr[0], err, size);
	assert_int_equal(waitpid(pid, status, 0), pid);
}

static void assert_output(const char *want, const char *got)
{
	size_t len = strlen(want);

	if (len >= 3 && !strcmp(want + len - 3, "...") &&
	    !strncmp(got, want, len - 3))
		return;
	assert_string_equal(got, want);
}

static void test_case(void **state)
{
	const struct cli_case *c = *state;
	char out[8192], err[8192];
	int status;

	run_ovlctl(c->args, &status, out, err, sizeof(out));
	assert_output(c->err, err);
	assert_output(c->out, out);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), c->status);
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(cases)];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		tests[i] = (struct CMUnitTest) {
			.name = cases[i].name,
			.test_func = test_case,
			.initial_state = (void *)&cases[i],
		};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
