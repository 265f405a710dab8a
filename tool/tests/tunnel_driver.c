// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the control daemon, to test the tunnel engine's API
 * (tunnel/tunnel.h) as the daemon uses it: "tunnel_driver NAME FILE"
 * reads the [tunnel NAME] sections of FILE with libinih, forwarding each
 * key to tunnel_conf_set(), serves them with the stats on NAME.sock,
 * applies FILE again on SIGHUP (tunnel_reload() for a tunnel that stays,
 * tunnel_add() and tunnel_remove() for those that come and go) and drains
 * on SIGTERM.  It prints "ready" and "reloaded" (or "reload failed: ...")
 * on standard output for the test to wait on.  With a third argument
 * "retire" it removes tunnels as the daemon does: tunnel_retire(), and
 * tunnel_engine_reap() four times a second.
 */

#include <ini.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tunnel/tunnel.h"

#define MAX_TUNNELS	16

struct parsed {
	struct tunnel_conf conf[MAX_TUNNELS];
	unsigned int n;
	char err[TUNNEL_ERR_LEN + 64];
};

static int on_key(void *user, const char *section, const char *key,
		  const char *value)
{
	struct parsed *p = user;
	int line = p->n;	/* Debian's libinih passes no line number */
	struct tunnel_conf *c;
	char err[TUNNEL_ERR_LEN];

	if (strncmp(section, "tunnel ", 7)) {
		snprintf(p->err, sizeof(p->err), "section %d: not a tunnel", line);
		return 0;
	}
	c = p->n ? &p->conf[p->n - 1] : NULL;
	if (!c || strcmp(c->name, section + 7)) {
		if (p->n == MAX_TUNNELS) {
			snprintf(p->err, sizeof(p->err), "section %d: too many", line);
			return 0;
		}
		c = &p->conf[p->n++];
		if (tunnel_conf_init(c, section + 7)) {
			snprintf(p->err, sizeof(p->err), "section %d: bad name", line);
			return 0;
		}
	}
	if (tunnel_conf_set(c, key, value, err, sizeof(err))) {
		snprintf(p->err, sizeof(p->err), "section %d: %s", line, err);
		return 0;
	}
	return 1;
}

static int load(const char *path, struct parsed *p)
{
	char err[TUNNEL_ERR_LEN];
	unsigned int i;

	memset(p, 0, sizeof(*p));
	if (ini_parse(path, on_key, p)) {
		if (!p->err[0])
			snprintf(p->err, sizeof(p->err), "cannot parse");
		return -1;
	}
	for (i = 0; i < p->n; i++)
		if (tunnel_conf_check(&p->conf[i], err, sizeof(err))) {
			snprintf(p->err, sizeof(p->err), "%s", err);
			return -1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	static struct parsed p;
	char *names[MAX_TUNNELS] = {};
	struct tunnel_engine *e;
	char err[TUNNEL_ERR_LEN];
	struct timespec tick = { 0, 250 * 1000 * 1000 };
	unsigned int i, j, n = 0;
	bool retire;
	sigset_t sigs;
	int sig;

	if (argc != 3 && (argc != 4 || strcmp(argv[3], "retire"))) {
		fprintf(stderr, "usage: tunnel_driver NAME FILE [retire]\n");
		return 2;
	}
	retire = argc == 4;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (load(argv[2], &p)) {
		fprintf(stderr, "%s: %s\n", argv[2], p.err);
		return 1;
	}
	e = tunnel_engine_new(0, err, sizeof(err));
	if (!e) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (i = 0; i < p.n; i++) {
		if (!tunnel_add(e, &p.conf[i], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		names[n++] = strdup(p.conf[i].name);
	}
	if (tunnel_ctl_open(e, argv[1], err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (retire) {
			sig = sigtimedwait(&sigs, NULL, &tick);
			tunnel_engine_reap(e);
			if (sig < 0)
				continue;
		} else if (sigwait(&sigs, &sig)) {
			continue;
		}
		if (sig == SIGINT || sig == SIGTERM)
			break;
		if (sig != SIGHUP)
			continue;
		if (load(argv[2], &p)) {
			printf("reload failed: %s\n", p.err);
			fflush(stdout);
			continue;
		}
		/* gone: removed (drained); staying: reloaded; new: added */
		for (j = 0; j < n; j++) {
			for (i = 0; i < p.n; i++)
				if (!strcmp(names[j], p.conf[i].name))
					break;
			if (i == p.n) {
				if (retire)
					tunnel_retire(tunnel_find(e, names[j]));
				else
					tunnel_remove(tunnel_find(e, names[j]));
				free(names[j]);
				names[j--] = names[--n];
			}
		}
		err[0] = '\0';
		for (i = 0; i < p.n; i++) {
			struct tunnel *t = tunnel_find(e, p.conf[i].name);

			if (t) {
				if (tunnel_reload(t, &p.conf[i], err,
						  sizeof(err)))
					break;
			} else if (tunnel_add(e, &p.conf[i], err,
					      sizeof(err))) {
				names[n++] = strdup(p.conf[i].name);
			} else {
				break;
			}
		}
		if (i < p.n)
			printf("reload failed: %s\n", err);
		else
			printf("reloaded\n");
		fflush(stdout);
	}
	tunnel_engine_drain(e);
	tunnel_engine_free(e);
	for (j = 0; j < n; j++)
		free(names[j]);
	return 0;
}
