// SPDX-License-Identifier: GPL-2.0
/*
 * The heartbeat thread of ovl-beacon --registry: POST /v1/beacons with the
 * beacon token and the --public address, at start and then every beat
 * (--heartbeat, or a third of the ttl the registry answers with, 20 s
 * until one has answered).  A failed announcement is logged at once, then
 * at most once a minute while it keeps failing, and once when one goes
 * through again; it is retried at the next beat.  Nothing here touches
 * the relay's table: the workers never wait on the registry.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "announce.h"
#include "../registry/client.h"

int announce_load_token(struct announce *a, const char *path, char *err)
{
	char buf[ANN_TOKEN_MAX + 2];
	struct stat st;
	ssize_t n, len = 0;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, ANN_ERR_LEN, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		snprintf(err, ANN_ERR_LEN, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, ANN_ERR_LEN, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & 0077) {
		snprintf(err, ANN_ERR_LEN,
			 "%s: token file readable or writable by group or others (mode %04o): chmod 600 it",
			 path, (unsigned int)(st.st_mode & 07777));
		goto out;
	}
	do {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, ANN_ERR_LEN, "%s: %s", path,
				 strerror(errno));
			goto out;
		}
		len += n;
	} while (n && (size_t)len < sizeof(buf) - 1);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
		       buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		len--;
	buf[len] = '\0';
	if (!len || len > ANN_TOKEN_MAX) {
		snprintf(err, ANN_ERR_LEN, "%s: %s", path,
			 len ? "not a token (too long)" : "empty");
		goto out;
	}
	for (n = 0; n < len; n++)
		if (buf[n] <= ' ' || buf[n] == 0x7f) {
			snprintf(err, ANN_ERR_LEN,
				 "%s: not a token (one line, no blanks)",
				 path);
			goto out;
		}
	memcpy(a->token, buf, len + 1);
	ret = 0;
out:
	memset(buf, 0, sizeof(buf));
	close(fd);
	return ret;
}

int announce_set_urls(struct announce *a, const char *urls, char *err)
{
	char *p, *save = NULL;

	free(a->urls_buf);
	a->n_urls = 0;
	a->urls_buf = strdup(urls);
	if (!a->urls_buf) {
		snprintf(err, ANN_ERR_LEN, "out of memory");
		return -1;
	}
	if (!*urls || urls[strlen(urls) - 1] == ',' || strstr(urls, ",,") ||
	    *urls == ',') {
		snprintf(err, ANN_ERR_LEN, "--registry: an empty URL");
		return -1;
	}
	for (p = strtok_r(a->urls_buf, ",", &save); p;
	     p = strtok_r(NULL, ",", &save)) {
		while (*p == ' ')
			p++;
		if (strncmp(p, "http://", 7) && strncmp(p, "https://", 8)) {
			snprintf(err, ANN_ERR_LEN,
				 "--registry: not an http:// or https:// URL: %s",
				 p);
			return -1;
		}
		if (a->n_urls == ANN_MAX_URLS) {
			snprintf(err, ANN_ERR_LEN,
				 "--registry: at most %d URLs", ANN_MAX_URLS);
			return -1;
		}
		a->urls[a->n_urls++] = p;
	}
	return 0;
}

/* One announcement; the registry's ttl into *@ttl when it says. */
static int beat(struct reg_client *c, const char *body, long *ttl,
		char *err, size_t errlen)
{
	char code[64], msg[256];
	struct json_object *o, *t;
	char *resp = NULL;
	size_t len = 0;
	long status;

	status = reg_call(c, "POST", REG_API "/beacons", body, strlen(body),
			  REG_SIGN_NONE, &resp, &len);
	if (status == 200) {
		o = json_tokener_parse(resp);
		if (o && json_object_object_get_ex(o, "ttl", &t) &&
		    json_object_is_type(t, json_type_int) &&
		    json_object_get_int64(t) > 0)
			*ttl = (long)json_object_get_int64(t);
		json_object_put(o);
		free(resp);
		return 0;
	}
	if (status < 0)
		snprintf(err, errlen, "failed: %s", reg_client_error(c));
	else if (resp && !reg_parse_error(resp, len, code, sizeof(code), msg,
					  sizeof(msg)))
		snprintf(err, errlen, "refused (HTTP %ld): %s: %s", status,
			 code, msg);
	else
		snprintf(err, errlen, "refused (HTTP %ld)", status);
	free(resp);
	return -1;
}

static void *announce_run(void *arg)
{
	struct announce *a = arg;
	struct json_object *obj = json_object_new_object();
	long ttl = 0, interval;
	struct reg_client *c;
	time_t last_log = 0;
	bool failing = false, told = false;
	struct timespec ts;
	char err[REG_CLIENT_ERR_LEN + 64];
	char *body = NULL;

	c = reg_client_new(a->urls, a->n_urls, NULL);
	if (obj) {
		json_object_object_add(obj, "token",
				       json_object_new_string(a->token));
		json_object_object_add(obj, "address",
				       json_object_new_string(a->address));
		body = strdup(json_object_to_json_string_ext(obj,
					JSON_C_TO_STRING_PLAIN));
		json_object_put(obj);
	}
	if (!c || !body) {
		fprintf(stderr, "ovl-beacon: registry: out of memory, not announcing\n");
		goto out;
	}
	pthread_mutex_lock(&a->lock);
	while (!a->stop) {
		interval = a->heartbeat ? (long)a->heartbeat :
			   ttl >= 3 ? ttl / 3 : ttl ? 1 : ANN_DEFAULT_BEAT;
		pthread_mutex_unlock(&a->lock);

		/* a request never outlasts its beat (nor 5 s): a quick stop */
		reg_client_timeout(c, interval < 5 ? interval * 1000 : 5000);
		if (!beat(c, body, &ttl, err, sizeof(err))) {
			if (failing || !told)
				fprintf(stderr,
					"ovl-beacon: registry: %s %s (ttl %ld s)\n",
					failing ? "announcing again" :
						  "announced", a->address,
					ttl);
			failing = false;
			told = true;
		} else {
			time_t now = time(NULL);

			if (!failing || now - last_log >= ANN_FAIL_LOG_S) {
				fprintf(stderr,
					"ovl-beacon: registry: announcement of %s %s%s\n",
					a->address, err,
					failing ? " (still failing)" : "");
				last_log = now;
			}
			failing = true;
		}
		fflush(stderr);
		interval = a->heartbeat ? (long)a->heartbeat :
			   ttl >= 3 ? ttl / 3 : ttl ? 1 : ANN_DEFAULT_BEAT;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += interval;
		pthread_mutex_lock(&a->lock);
		while (!a->stop &&
		       pthread_cond_timedwait(&a->cond, &a->lock, &ts) !=
		       ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&a->lock);
out:
	free(body);
	reg_client_free(c);
	return NULL;
}

int announce_start(struct announce *a)
{
	pthread_condattr_t ca;
	int err;

	pthread_mutex_init(&a->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->cond, &ca);
	pthread_condattr_destroy(&ca);
	a->stop = false;
	err = pthread_create(&a->thread, NULL, announce_run, a);
	if (!err)
		a->started = true;
	return err;
}

void announce_stop(struct announce *a)
{
	if (a->started) {
		pthread_mutex_lock(&a->lock);
		a->stop = true;
		pthread_cond_signal(&a->cond);
		pthread_mutex_unlock(&a->lock);
		pthread_join(a->thread, NULL);
		a->started = false;
		pthread_cond_destroy(&a->cond);
		pthread_mutex_destroy(&a->lock);
	}
	memset(a->token, 0, sizeof(a->token));
	free(a->urls_buf);
	a->urls_buf = NULL;
	a->n_urls = 0;
}
