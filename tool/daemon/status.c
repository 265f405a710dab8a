// SPDX-License-Identifier: GPL-2.0
/*
 * The control daemon's status file (status.h).
 */

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "status.h"

const char *status_rundir(void)
{
	const char *dir = getenv("OVL_RUNDIR");

	return dir && *dir ? dir : STATUS_RUNDIR;
}

static struct json_object *status_json(const struct status *st)
{
	struct json_object *o = json_object_new_object();
	struct json_object *hs = json_object_new_object();
	struct json_object *ref = json_object_new_object();
	unsigned int r;

	json_object_object_add(o, "ifname", json_object_new_string(st->ifname));
	json_object_object_add(o, "pid", json_object_new_int64(getpid()));
	json_object_object_add(o, "config", json_object_new_string(st->config));
	json_object_object_add(o, "node_id", json_object_new_int64(st->node_id));
	json_object_object_add(o, "cert_expires",
			       json_object_new_int64(st->cert_expires));
	json_object_object_add(hs, "initiated",
			       json_object_new_int64(st->initiated));
	json_object_object_add(hs, "completed",
			       json_object_new_int64(st->completed));
	json_object_object_add(hs, "answered",
			       json_object_new_int64(st->answered));
	json_object_object_add(hs, "cookies", json_object_new_int64(st->cookies));
	json_object_object_add(hs, "frames_lost",
			       json_object_new_int64(st->frames_lost));
	json_object_object_add(hs, "key_id_clashes",
			       json_object_new_int64(st->key_id_clashes));
	for (r = HS_OK + 1; r < HS_R_COUNT; r++)
		if (r != HS_R_COOKIE_NEEDED)
			json_object_object_add(ref, hs_result_name(r),
					       json_object_new_int64(st->refused[r]));
	json_object_object_add(hs, "refused", ref);
	json_object_object_add(o, "handshakes", hs);
	if (st->beacons)
		json_object_object_add(o, "beacons",
				       json_object_get(st->beacons));
	if (st->beacon_reg)
		json_object_object_add(o, "beacon_registration",
				       json_object_get(st->beacon_reg));
	return o;
}

int status_write(const struct status *st)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	const char *dir = status_rundir();
	struct json_object *o;
	const char *text;
	FILE *f;
	int err = 0;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s.json", dir, st->ifname);
	snprintf(tmp, sizeof(tmp), "%s/.%s.json.tmp", dir, st->ifname);
	o = status_json(st);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%s\n", text) < 0)
		err = -1;
	if (f && fclose(f))
		err = -1;
	json_object_put(o);
	if (!err && rename(tmp, path))
		err = -1;
	if (err)
		unlink(tmp);
	return err;
}

struct json_object *status_read(const char *ifname)
{
	char path[PATH_MAX];
	struct json_object *o, *pid;

	snprintf(path, sizeof(path), "%s/%s.json", status_rundir(), ifname);
	o = json_object_from_file(path);
	if (!o)
		return NULL;
	/* A daemon that was killed leaves its file behind: ignore it. */
	if (!json_object_object_get_ex(o, "pid", &pid) ||
	    !json_object_is_type(pid, json_type_int) ||
	    json_object_get_int64(pid) <= 0 ||
	    (kill(json_object_get_int64(pid), 0) && errno == ESRCH)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

void status_remove(const char *ifname)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.json", status_rundir(), ifname);
	unlink(path);
}
