// SPDX-License-Identifier: GPL-2.0
/*
 * TCP tunnels: stats, and the unix control socket that serves them.  A
 * thread of its own accepts on DIR/NAME.sock and writes each client one
 * JSON document (tunnel_engine_stats()) then closes: "ovlctl tunnel show"
 * reads it.  The socket is mode 0660 in a 0755 directory.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

static struct json_object *backend_json(struct backend *b, long pool_idle)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "address", json_object_new_string(b->name));
	json_object_object_add(o, "weight", json_object_new_int(b->weight));
	json_object_object_add(o, "up",
			       json_object_new_boolean(!atomic_load(&b->down)));
	json_object_object_add(o, "active",
			       json_object_new_int64(atomic_load(&b->active)));
	json_object_object_add(o, "total",
			       json_object_new_int64(atomic_load(&b->total)));
	json_object_object_add(o, "failed",
			       json_object_new_int64(atomic_load(&b->failed)));
	json_object_object_add(o, "pool_idle",
			       json_object_new_int64(pool_idle));
	return o;
}

static void add_i64(struct json_object *o, const char *k, long long v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static struct json_object *tunnel_json(struct tunnel *t)
{
	struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	unsigned int i;

	json_object_object_add(o, "name", json_object_new_string(t->name));
	json_object_object_add(o, "listen",
			       json_object_new_string(t->listen_str));
	json_object_object_add(o, "tls", json_object_new_boolean(!!t->ssl));
	json_object_object_add(o, "mtls",
			       json_object_new_boolean(!!*t->tls_client_ca));
	add_i64(o, "active", atomic_load(&t->active));
	add_i64(o, "total", atomic_load(&t->total));
	add_i64(o, "refused", atomic_load(&t->refused));
	add_i64(o, "failed", atomic_load(&t->failed));
	add_i64(o, "bytes_in", atomic_load(&t->bytes_in));
	add_i64(o, "bytes_out", atomic_load(&t->bytes_out));
	add_i64(o, "idle_timeout", atomic_load(&t->idle_timeout));
	add_i64(o, "max_conns", atomic_load(&t->max_conns));
	add_i64(o, "dial_timeout", atomic_load(&t->dial_timeout));
	add_i64(o, "pool", atomic_load(&t->pool));
	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->n_backends; i++) {
		struct backend *b = t->backends[i];
		long idle;

		pthread_mutex_lock(&b->lock);
		idle = b->n_idle;
		pthread_mutex_unlock(&b->lock);
		json_object_array_add(arr, backend_json(b, idle));
	}
	pthread_mutex_unlock(&t->lock);
	json_object_object_add(o, "backends", arr);
	return o;
}

struct json_object *tunnel_engine_stats(struct tunnel_engine *e)
{
	struct json_object *arr = json_object_new_array();
	struct tunnel *t;
	size_t n, i;

	pthread_mutex_lock(&e->lock);
	for (t = e->tunnels; t; t = t->next)
		json_object_array_add(arr, tunnel_json(t));
	pthread_mutex_unlock(&e->lock);
	/* The list is newest first: give them in the order they came. */
	n = json_object_array_length(arr);
	for (i = 0; i < n / 2; i++) {
		struct json_object *a = json_object_get(
			json_object_array_get_idx(arr, i));
		struct json_object *b = json_object_get(
			json_object_array_get_idx(arr, n - 1 - i));

		json_object_array_put_idx(arr, i, b);
		json_object_array_put_idx(arr, n - 1 - i, a);
	}
	return arr;
}

const char *tunnel_ctl_dir(void)
{
	const char *d = getenv(TUNNEL_CTL_DIR_ENV);

	return d && *d ? d : TUNNEL_CTL_DIR;
}

/* mkdir -p for @path (at most TUNNEL_PATH_MAX). */
static int mkdirs(const char *path)
{
	char buf[TUNNEL_PATH_MAX];
	char *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -1;
	return 0;
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		s += n;
		len -= n;
	}
}

static void *ctl_main(void *arg)
{
	struct tunnel_engine *e = arg;
	struct pollfd p[2] = {
		{ .fd = e->ctl_fd, .events = POLLIN },
		{ .fd = e->ctl_wake, .events = POLLIN },
	};
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		struct json_object *j;
		const char *s;
		int fd;

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents)
			break;
		fd = accept4(e->ctl_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		j = tunnel_engine_stats(e);
		s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
		write_all(fd, s, strlen(s));
		write_all(fd, "\n", 1);
		json_object_put(j);
		close(fd);
	}
	return NULL;
}

int tunnel_ctl_open(struct tunnel_engine *e, const char *name, char *err,
		    size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *dir = tunnel_ctl_dir();
	int fd;

	if (e->ctl_running) {
		snprintf(err, errlen, "control socket already open");
		return -1;
	}
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s.sock",
			     dir, name) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s/%s.sock: name too long", dir, name);
		return -1;
	}
	if (mkdirs(dir)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* A socket left by a process that died is replaced. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(fd);
		snprintf(err, errlen, "%s: in use by another process",
			 sun.sun_path);
		return -1;
	}
	unlink(sun.sun_path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(sun.sun_path, 0660) || listen(fd, 16))
		goto fail;
	e->ctl_wake = eventfd(0, EFD_CLOEXEC);
	if (e->ctl_wake < 0)
		goto fail;
	e->ctl_fd = fd;
	snprintf(e->ctl_path, sizeof(e->ctl_path), "%s", sun.sun_path);
	if (pthread_create(&e->ctl_thread, NULL, ctl_main, e)) {
		errno = EAGAIN;
		close(e->ctl_wake);
		e->ctl_wake = e->ctl_fd = -1;
		unlink(e->ctl_path);
		goto fail;
	}
	e->ctl_running = true;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", sun.sun_path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

void tunnel_ctl_close(struct tunnel_engine *e)
{
	uint64_t one = 1;

	if (!e->ctl_running)
		return;
	if (write(e->ctl_wake, &one, sizeof(one)) < 0)
		return;
	pthread_join(e->ctl_thread, NULL);
	unlink(e->ctl_path);
	close(e->ctl_fd);
	close(e->ctl_wake);
	e->ctl_fd = e->ctl_wake = -1;
	e->ctl_running = false;
}
