// SPDX-License-Identifier: GPL-2.0
/*
 * beacons.json on disk (see beacons.h): atomic replace, bounded read.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beacons.h"

static int ferr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int ferr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int write_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= n;
	}
	return 0;
}

/* fsync() the directory of @path, so that the rename is on disk. */
static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int beacon_cache_save(const char *path, const struct beacon_list *l,
		      int64_t saved_at, char *err, size_t errlen)
{
	char *json = beacon_cache_encode(l, saved_at), *tmp = NULL;
	int fd = -1, ret = -1;

	if (!json || asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		ferr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);	/* 0600 */
	if (fd < 0) {
		ferr(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) || write_all(fd, json, strlen(json)) ||
	    fsync(fd)) {
		ferr(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	if (close(fd)) {
		fd = -1;
		ferr(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp, path)) {
		ferr(err, errlen, "%s: %s", path, strerror(errno));
		goto out_unlink;
	}
	sync_dir(path);
	ret = 0;
	goto out;
out_unlink:
	unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(json);
	return ret;
}

int beacon_cache_load(const char *path, struct beacon_list *out,
		      int64_t *saved_at, char *err, size_t errlen)
{
	char e[BEACON_ERR_LEN], *buf;
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, ret = -1;

	out->n = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0)
		return ferr(err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return ferr(err, errlen, "%s: not a regular file", path);
	}
	buf = malloc(BEACON_CACHE_MAX + 1);
	if (!buf) {
		close(fd);
		return ferr(err, errlen, "%s: out of memory", path);
	}
	for (;;) {
		n = read(fd, buf + len, BEACON_CACHE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ferr(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		len += n;
		if (!n || len > BEACON_CACHE_MAX)
			break;
	}
	if (beacon_cache_decode(buf, len, out, saved_at, e, sizeof(e))) {
		ferr(err, errlen, "%s: %s", path, e);
		goto out;
	}
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}
