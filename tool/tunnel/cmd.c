// SPDX-License-Identifier: GPL-2.0
/*
 * "ovlctl tunnel listen" and "ovlctl tunnel show" (issue 12).
 *
 * listen runs one tunnel in the foreground, logging to standard error,
 * until SIGINT or SIGTERM, which drain it; its stats are served on
 * DIR/listen-PID.sock.  show reads the control sockets: with a device,
 * DIR/DEV.sock (the daemon of that device), else every socket in DIR.
 */

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../ovlctl.h"
#include "tunnel.h"

static const struct option listen_opts[] = {
	{ "backend",		required_argument, NULL, 'b' },
	{ "idle-timeout",	required_argument, NULL, 'i' },
	{ "max-conns",		required_argument, NULL, 'm' },
	{ "dial-timeout",	required_argument, NULL, 'd' },
	{ "drain-timeout",	required_argument, NULL, 'D' },
	{ "pool",		required_argument, NULL, 'p' },
	{ "tls-cert",		required_argument, NULL, 'c' },
	{ "tls-key",		required_argument, NULL, 'k' },
	{ "tls-client-ca",	required_argument, NULL, 'a' },
	{}
};

static void log_stderr(const char *msg)
{
	fprintf(stderr, PROG ": tunnel: %s\n", msg);
}

static int listen_cmd(struct ovlctl *ctl, int argc, char **argv)
{
	char err[TUNNEL_ERR_LEN], ctlname[64];
	struct tunnel_engine *e;
	struct tunnel_conf *c;
	const char *listen = NULL;
	sigset_t sigs;
	int opt, sig, i;

	c = malloc(sizeof(*c));
	if (!c) {
		pr_err("out of memory");
		return EXIT_FAILURE;
	}
	tunnel_conf_init(c, "listen");
	/* getopt_long wants a program name first: the verb's slot. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc + 1, argv - 1, ":", listen_opts,
				  NULL)) != -1) {
		const char *key = NULL;

		for (i = 0; listen_opts[i].name; i++)
			if (listen_opts[i].val == opt)
				key = listen_opts[i].name;
		if (opt == '?' || opt == ':' || !key) {
			free(c);
			return usage_err(ctl, "%s '%s'",
					 opt == ':' ? "missing value for" :
					 "unknown option",
					 argv[optind - 2 >= 0 ? optind - 2 : 0]);
		}
		if (tunnel_conf_set(c, key, optarg, err, sizeof(err))) {
			free(c);
			return usage_err(ctl, "%s", err);
		}
	}
	for (i = optind - 1; i < argc; i++) {
		if (listen) {
			free(c);
			return usage_err(ctl, "unexpected argument '%s'",
					 argv[i]);
		}
		listen = argv[i];
	}
	if (!listen) {
		free(c);
		return usage_err(ctl, "missing ADDR:PORT to listen on");
	}
	if (tunnel_conf_set(c, "listen", listen, err, sizeof(err)) ||
	    tunnel_conf_check(c, err, sizeof(err))) {
		free(c);
		return usage_err(ctl, "%s", err);
	}

	/* The engine's threads inherit this: signals come to sigwait(). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	tunnel_set_log(log_stderr);
	e = tunnel_engine_new(0, err, sizeof(err));
	if (!e) {
		pr_err("tunnel: %s", err);
		free(c);
		return EXIT_FAILURE;
	}
	if (!tunnel_add(e, c, err, sizeof(err))) {
		pr_err("tunnel: %s", err);
		tunnel_engine_free(e);
		free(c);
		return EXIT_FAILURE;
	}
	free(c);
	snprintf(ctlname, sizeof(ctlname), "listen-%d", (int)getpid());
	if (tunnel_ctl_open(e, ctlname, err, sizeof(err)))
		pr_err("tunnel: no stats socket: %s", err);
	(void)ctl;
	for (;;) {
		if (sigwait(&sigs, &sig))
			continue;
		if (sig == SIGINT || sig == SIGTERM)
			break;
	}
	tunnel_engine_drain(e);
	tunnel_engine_free(e);
	return EXIT_SUCCESS;
}

/* Read the JSON document served on @path; NULL (errno) if none. */
static struct json_object *ctl_read(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct json_object *j;
	size_t len = 0, cap = 65536;
	char *buf;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	buf = malloc(cap);
	for (;;) {
		ssize_t n;

		if (!buf)
			break;
		if (len + 1 == cap) {
			char *nb = cap < (64 << 20) ? realloc(buf, cap * 2) :
				   NULL;

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	if (!buf) {
		errno = ENOMEM;
		return NULL;
	}
	buf[len] = '\0';
	j = json_tokener_parse(buf);
	free(buf);
	if (!j || !json_object_is_type(j, json_type_array)) {
		json_object_put(j);
		errno = EPROTO;
		return NULL;
	}
	return j;
}

/* Append @src's tunnels to @all, each with "source": @source. */
static void merge(struct json_object *all, struct json_object *src,
		  const char *source)
{
	size_t i, n = json_object_array_length(src);

	for (i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(src, i);

		json_object_object_add(t, "source",
				       json_object_new_string(source));
		json_object_array_add(all, json_object_get(t));
	}
}

static long long i64(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
	       json_object_get_int64(v) : 0;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
	       json_object_get_string(v) : "";
}

static void print_text(struct json_object *all)
{
	size_t i, j, n = json_object_array_length(all);

	for (i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(all, i);
		struct json_object *bs, *tls;

		printf("tunnel %s (%s): listen %s%s\n", str(t, "name"),
		       str(t, "source"), str(t, "listen"),
		       json_object_object_get_ex(t, "tls", &tls) &&
		       json_object_get_boolean(tls) ? " tls" : "");
		printf("  active %lld  total %lld  refused %lld  bytes in %lld  out %lld\n",
		       i64(t, "active"), i64(t, "total"), i64(t, "refused"),
		       i64(t, "bytes_in"), i64(t, "bytes_out"));
		if (!json_object_object_get_ex(t, "backends", &bs))
			continue;
		for (j = 0; j < json_object_array_length(bs); j++) {
			struct json_object *b = json_object_array_get_idx(bs,
									  j);
			struct json_object *up;

			printf("  backend %s  weight %lld  %s  active %lld  total %lld\n",
			       str(b, "address"), i64(b, "weight"),
			       json_object_object_get_ex(b, "up", &up) &&
			       json_object_get_boolean(up) ? "up" : "down",
			       i64(b, "active"), i64(b, "total"));
		}
	}
}

static int show_cmd(struct ovlctl *ctl, int argc, char **argv)
{
	const char *dir = tunnel_ctl_dir();
	struct json_object *all, *j;
	char path[4096];

	if (argc > 1)
		return usage_err(ctl, "unexpected argument '%s'", argv[1]);
	all = json_object_new_array();
	if (argc == 1) {
		if (arg_ifname(argv[0])) {
			json_object_put(all);
			return EXIT_USAGE;
		}
		snprintf(path, sizeof(path), "%s/%s.sock", dir, argv[0]);
		j = ctl_read(path);
		if (!j) {
			pr_err("tunnel show: no tunnels of %s (%s: %s)",
			       argv[0], path, strerror(errno));
			json_object_put(all);
			return EXIT_FAILURE;
		}
		merge(all, j, argv[0]);
		json_object_put(j);
	} else {
		struct dirent **names;
		int n, i;

		n = scandir(dir, &names, NULL, alphasort);
		for (i = 0; i < n; i++) {
			const char *name = names[i]->d_name;
			size_t len = strlen(name);

			if (len > 5 && !strcmp(name + len - 5, ".sock")) {
				snprintf(path, sizeof(path), "%s/%s", dir,
					 name);
				/* A stale socket (its process died) is skipped. */
				j = ctl_read(path);
				if (j) {
					char src[256];

					snprintf(src, sizeof(src), "%.*s",
						 (int)(len - 5), name);
					merge(all, j, src);
					json_object_put(j);
				}
			}
			free(names[i]);
		}
		if (n >= 0)
			free(names);
	}
	if (ctl->json)
		json_print(all);
	else
		print_text(all);
	json_object_put(all);
	return EXIT_SUCCESS;
}

static const struct ctl_cmd tunnel_cmds[] = {
	{ "show", "[DEV]", show_cmd },
	{ "listen", "ADDR:PORT --backend ADDR:PORT[@WEIGHT]... "
		    "[--idle-timeout SECONDS] [--max-conns N] "
		    "[--dial-timeout SECONDS] [--drain-timeout SECONDS] "
		    "[--pool N] [--tls-cert FILE --tls-key FILE "
		    "[--tls-client-ca FILE]]", listen_cmd },
	{}
};

const struct ctl_object tunnel_object = {
	.name	= "tunnel",
	.cmds	= tunnel_cmds,
};
