// SPDX-License-Identifier: GPL-2.0
/*
 * The control daemon's event socket (events.h).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "events.h"
#include "status.h"

int events_open(struct events *e, const char *ifname)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *dir = status_rundir();
	unsigned int i;
	int n;

	e->fd = -1;
	e->lost = 0;
	for (i = 0; i < EVENTS_MAX_CLIENTS; i++)
		e->clients[i] = -1;
	n = snprintf(e->path, sizeof(e->path), "%s/%s.events", dir, ifname);
	if (n < 0 || (size_t)n >= sizeof(e->path) ||
	    (size_t)n >= sizeof(sun.sun_path)) {
		e->path[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, e->path, n + 1);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	e->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (e->fd < 0)
		return -1;
	/*
	 * The daemon of a device is one process (the kernel takes one
	 * control listener per device), so a socket already there is a
	 * killed daemon's.
	 */
	unlink(e->path);
	/*
	 * chmod() last: a monitor that watches RUNDIR (inotify) connects
	 * when the mode changes, by then the socket listens.
	 */
	if (bind(e->fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(e->fd, EVENTS_MAX_CLIENTS) || chmod(e->path, 0660)) {
		int err = errno;

		close(e->fd);
		e->fd = -1;
		unlink(e->path);
		e->path[0] = '\0';
		errno = err;
		return -1;
	}
	return 0;
}

void events_accept(struct events *e)
{
	unsigned int i;
	int fd;

	while ((fd = accept4(e->fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < EVENTS_MAX_CLIENTS; i++)
			if (e->clients[i] < 0)
				break;
		if (i == EVENTS_MAX_CLIENTS) {
			close(fd);
			continue;
		}
		/* Listeners only listen. */
		shutdown(fd, SHUT_RD);
		e->clients[i] = fd;
	}
}

void events_emit(struct events *e, struct json_object *ev)
{
	const char *text;
	unsigned int i;
	size_t len;

	if (e->fd < 0)
		return;
	text = json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN);
	len = strlen(text);
	if (len > EVENTS_MAX_LEN)
		return;
	for (i = 0; i < EVENTS_MAX_CLIENTS; i++) {
		if (e->clients[i] < 0)
			continue;
		if (send(e->clients[i], text, len,
			 MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
			e->lost++;
		} else {
			close(e->clients[i]);
			e->clients[i] = -1;
		}
	}
}

void events_close(struct events *e)
{
	unsigned int i;

	/* Listeners exist only while the socket is open. */
	if (e->fd < 0)
		return;
	for (i = 0; i < EVENTS_MAX_CLIENTS; i++) {
		if (e->clients[i] >= 0)
			close(e->clients[i]);
		e->clients[i] = -1;
	}
	close(e->fd);
	e->fd = -1;
	unlink(e->path);
	e->path[0] = '\0';
}
