// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's registry client thread and its enrollment at start
 * (regworker.h).
 */

#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "regworker.h"
#include "../registry/client.h"

struct rw_msg {
	struct reg_sync s;
	struct rw_msg *next;
};

struct regworker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;		/* under lock */
	bool resync;		/* under lock */
	bool pub_changed;	/* under lock */
	struct sockaddr_storage pub;	/* under lock; family 0: none */
	struct rw_msg *head, **tail;	/* under lock */
	int efd;
	struct reg_client *c;
	regworker_log_fn log;
	char ifname[IFNAMSIZ];
	uint16_t port;
	bool relay_only;
	unsigned int sync_s;
	int64_t since;
	char last_err[REG_CLIENT_ERR_LEN];	/* logged once until it changes */
};

static void rlog(regworker_log_fn log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void rlog(regworker_log_fn log, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "registry: ");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	if (log)
		log(msg);
	else
		fprintf(stderr, "%s\n", msg);
}

/* The token: the file's first line, blank space around it dropped. */
static int read_token(const char *path, char *tok, size_t size)
{
	char buf[REG_TOKEN_MAX + 64], *s, *e;
	FILE *f = fopen(path, "re");

	if (!f) {
		fprintf(stderr, "ovlctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	for (s = buf; *s == ' ' || *s == '\t'; s++)
		;
	e = s + strlen(s);
	while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' ||
			 e[-1] == '\t'))
		*--e = '\0';
	if (!*s || strlen(s) > REG_TOKEN_MAX || strlen(s) >= size) {
		fprintf(stderr, "ovlctl: %s: not a join token (1..%u characters on the first line)\n",
			path, REG_TOKEN_MAX);
		sodium_memzero(buf, sizeof(buf));
		return -1;
	}
	memcpy(tok, s, strlen(s) + 1);
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

int regworker_enroll(const struct config *cfg, const struct identity *id,
		     regworker_log_fn log)
{
	char tok[REG_TOKEN_MAX + 1], err[KEY_ERR_LEN], addr[ADDR_STRLEN];
	struct reg_enrollment *e = NULL;
	struct reg_client *c = NULL;
	enum cert_err ce;
	unsigned int round;
	long status;
	int ret = -1;

	if (!cfg->n_registries || !access(cfg->certificate, F_OK) ||
	    errno != ENOENT)
		return 0;	/* cert_load() says what is wrong, if anything */
	if (!cfg->join_token) {
		fprintf(stderr, "ovlctl: %s: no certificate yet, and no join-token to enroll with\n",
			cfg->certificate);
		return -1;
	}
	if (read_token(cfg->join_token, tok, sizeof(tok)))
		return -1;
	e = calloc(1, sizeof(*e));
	c = reg_client_new((const char *const *)cfg->registries,
			   cfg->n_registries, NULL);
	if (!e || !c) {
		fprintf(stderr, "ovlctl: enroll: out of memory\n");
		goto out;
	}
	reg_client_identity(c, id, 0);
	reg_client_timeout(c, REGWORKER_TIMEOUT_MS);
	for (round = 1;; round++) {
		if (!reg_enroll(c, tok, cfg->relay_only, e))
			break;
		status = reg_client_status(c);
		/* A refusal (4xx) will not change; the network may. */
		if ((status >= 400 && status < 500) ||
		    round == REGWORKER_ENROLL_ROUNDS) {
			fprintf(stderr, "ovlctl: enroll with %s: %s\n",
				cfg->join_token, reg_client_error(c));
			goto out;
		}
		rlog(log, "enroll, round %u of %u: %s; again in %u s", round,
		     REGWORKER_ENROLL_ROUNDS, reg_client_error(c),
		     REGWORKER_ENROLL_PAUSE_S);
		sleep(REGWORKER_ENROLL_PAUSE_S);
	}
	/* The CA given out of band decides, not the answer's. */
	ce = cert_verify(&e->cert, cfg->ca, time(NULL));
	if (ce) {
		fprintf(stderr, "ovlctl: enroll: the registry's certificate: %s\n",
			cert_strerror(ce));
		goto out;
	}
	if (memcmp(e->cert.public_key, id->pk, CERT_KEY_LEN)) {
		fprintf(stderr, "ovlctl: enroll: the registry's certificate is for another key\n");
		goto out;
	}
	if (reg_save_cert(cfg->certificate, e->cert_armor, err)) {
		fprintf(stderr, "ovlctl: %s\n", err);
		goto out;
	}
	rlog(log, "enrolled as node %u, address %s; certificate in %s",
	     e->node_id, cidr_fmt(&e->address, addr), cfg->certificate);
	ret = 0;
out:
	sodium_memzero(tok, sizeof(tok));
	reg_client_free(c);
	free(e);
	return ret;
}

/*
 * The endpoints to register: @port on each address of the interfaces
 * that are up, loopback, IPv6 link-local and @ifname's excepted, IPv4
 * first; at most REG_MAX_ENDPOINTS.
 */
static size_t local_endpoints(const char *ifname, uint16_t port,
			      char eps[REG_MAX_ENDPOINTS][ADDR_STRLEN])
{
	struct ifaddrs *ifa, *i;
	struct sockaddr_storage ss;
	size_t n = 0, k;
	int pass;

	if (getifaddrs(&ifa))
		return 0;
	for (pass = 0; pass < 2; pass++) {
		for (i = ifa; i && n < REG_MAX_ENDPOINTS; i = i->ifa_next) {
			if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) ||
			    (i->ifa_flags & IFF_LOOPBACK) ||
			    !strcmp(i->ifa_name, ifname))
				continue;
			memset(&ss, 0, sizeof(ss));
			if (pass == 0 && i->ifa_addr->sa_family == AF_INET) {
				memcpy(&ss, i->ifa_addr,
				       sizeof(struct sockaddr_in));
				((struct sockaddr_in *)&ss)->sin_port =
					htons(port);
			} else if (pass == 1 &&
				   i->ifa_addr->sa_family == AF_INET6) {
				struct sockaddr_in6 *s6 = (void *)&ss;

				memcpy(&ss, i->ifa_addr,
				       sizeof(struct sockaddr_in6));
				if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
					continue;
				s6->sin6_scope_id = 0;
				s6->sin6_port = htons(port);
			} else {
				continue;
			}
			if (!endpoint_str(&ss, eps[n]))
				continue;
			for (k = 0; k < n; k++)
				if (!strcmp(eps[k], eps[n]))
					break;
			if (k == n)
				n++;
		}
	}
	freeifaddrs(ifa);
	return n;
}

/*
 * The endpoints to register: the local ones, then @pub (the reflected
 * one) unless it is one of them or has no family; at most
 * REG_MAX_ENDPOINTS, the last place kept for @pub.
 */
static size_t endpoints(const char *ifname, uint16_t port,
			const struct sockaddr_storage *pub,
			char eps[REG_MAX_ENDPOINTS][ADDR_STRLEN])
{
	char p[ADDR_STRLEN] = "";	/* all of it compared with memcmp() */
	size_t n = local_endpoints(ifname, port, eps), k;

	if (!pub->ss_family || !endpoint_str(pub, p))
		return n;
	for (k = 0; k < n; k++)
		if (!strcmp(eps[k], p))
			return n;
	if (n == REG_MAX_ENDPOINTS)
		n--;
	memcpy(eps[n], p, sizeof(p));
	return n + 1;
}

static void push(struct regworker *w, struct reg_sync *s)
{
	struct rw_msg *m = calloc(1, sizeof(*m));
	uint64_t one = 1;

	if (!m) {
		reg_sync_free(s);
		return;
	}
	m->s = *s;
	pthread_mutex_lock(&w->lock);
	*w->tail = m;
	w->tail = &m->next;
	pthread_mutex_unlock(&w->lock);
	if (write(w->efd, &one, sizeof(one)) < 0)
		rlog(w->log, "eventfd: %s", strerror(errno));
}

static uint64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* One sync: every page of the answer, queued for the loop. */
static void sync_once(struct regworker *w)
{
	struct reg_sync s;
	unsigned int pages = 0;
	bool resync;

	pthread_mutex_lock(&w->lock);
	resync = w->resync;
	w->resync = false;
	pthread_mutex_unlock(&w->lock);
	if (resync)
		w->since = 0;
	do {
		bool full = !w->since;

		memset(&s, 0, sizeof(s));
		if (reg_sync(w->c, w->since, &s)) {
			if (strcmp(w->last_err, reg_client_error(w->c)))
				rlog(w->log, "sync since %" PRId64 ": %s (logged once, tried again every %u s)",
				     w->since, reg_client_error(w->c),
				     w->sync_s);
			snprintf(w->last_err, sizeof(w->last_err), "%s",
				 reg_client_error(w->c));
			return;
		}
		if (w->last_err[0])
			rlog(w->log, "sync since %" PRId64 ": answered again",
			     w->since);
		w->last_err[0] = '\0';
		w->since = s.version;
		/* A full list replaces what the loop holds. */
		if (full && !pages)
			s.reset = true;
		push(w, &s);
	} while (s.more && ++pages < 1000);
}

static void *worker(void *arg)
{
	struct regworker *w = arg;
	char eps[REG_MAX_ENDPOINTS][ADDR_STRLEN], last[REG_MAX_ENDPOINTS][ADDR_STRLEN];
	char pub_str[ADDR_STRLEN], last_pub[ADDR_STRLEN] = "";
	const char *ptrs[REG_MAX_ENDPOINTS];
	struct sockaddr_storage pub;
	size_t n, n_last = (size_t)-1, i;
	uint64_t next_reg = 0, next_sync = 0, now, wake;
	struct timespec ts;
	bool registered_ok = false;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		if (w->stop) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		pub = w->pub;
		w->pub_changed = false;
		pthread_mutex_unlock(&w->lock);

		now = now_s();
		n = endpoints(w->ifname, w->port, &pub, eps);
		pub_str[0] = '\0';
		if (pub.ss_family)
			endpoint_str(&pub, pub_str);
		if (n != n_last || memcmp(eps, last, n * sizeof(eps[0])))
			next_reg = 0;
		if (now >= next_reg) {
			for (i = 0; i < n; i++)
				ptrs[i] = eps[i];
			if (reg_register(w->c, ptrs, n, w->relay_only)) {
				rlog(w->log, "register: %s",
				     reg_client_error(w->c));
				next_reg = now + 5;
				registered_ok = false;
			} else {
				if (!registered_ok || n != n_last ||
				    memcmp(eps, last, n * sizeof(eps[0])) ||
				    strcmp(pub_str, last_pub))
					rlog(w->log, "registered %zu endpoints%s%s%s%s",
					     n, n ? ", the first " : "",
					     n ? eps[0] : "",
					     pub_str[0] ? ", public " : "",
					     pub_str);
				memcpy(last_pub, pub_str, sizeof(last_pub));
				registered_ok = true;
				memcpy(last, eps, n * sizeof(eps[0]));
				n_last = n;
				next_reg = now + REGWORKER_REGISTER_S;
			}
		}
		if (now >= next_sync) {
			sync_once(w);
			next_sync = now_s() + w->sync_s;
		}

		/* Sleep until the next due time, or a stop or resync. */
		wake = next_sync < next_reg ? next_sync : next_reg;
		/* Addresses are looked at again every few seconds. */
		if (wake > now_s() + 5)
			wake = now_s() + 5;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += wake > now_s() ? wake - now_s() : 0;
		pthread_mutex_lock(&w->lock);
		while (!w->stop && !w->resync && !w->pub_changed &&
		       pthread_cond_timedwait(&w->cond, &w->lock, &ts) !=
		       ETIMEDOUT)
			;
		if (w->resync)
			next_sync = 0;
		pthread_mutex_unlock(&w->lock);
	}
	return NULL;
}

struct regworker *regworker_start(const struct config *cfg,
				  const struct identity *id, uint32_t node_id,
				  bool relay_only, const char *ifname,
				  regworker_log_fn log)
{
	struct regworker *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	sigset_t all, old;
	int err;

	if (!w)
		return NULL;
	w->efd = -1;
	w->tail = &w->head;
	w->log = log;
	w->port = cfg->listen_port;
	w->relay_only = relay_only;
	w->sync_s = cfg->sync_seconds ?: CONFIG_SYNC_DEFAULT;
	snprintf(w->ifname, sizeof(w->ifname), "%s", ifname);
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	w->c = reg_client_new((const char *const *)cfg->registries,
			      cfg->n_registries, NULL);
	if (w->efd < 0 || !w->c)
		goto err;
	reg_client_identity(w->c, id, node_id);
	reg_client_timeout(w->c, REGWORKER_TIMEOUT_MS);
	/* The thread takes no signal: they stay the loop's signalfd's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&w->thread, NULL, worker, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		goto err;
	return w;
err:
	if (w->efd >= 0)
		close(w->efd);
	reg_client_free(w->c);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
	return NULL;
}

int regworker_fd(const struct regworker *w)
{
	return w->efd;
}

void regworker_ack(struct regworker *w)
{
	uint64_t v;

	if (read(w->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		rlog(w->log, "eventfd: %s", strerror(errno));
}

bool regworker_pop(struct regworker *w, struct reg_sync *s)
{
	struct rw_msg *m;

	pthread_mutex_lock(&w->lock);
	m = w->head;
	if (m) {
		w->head = m->next;
		if (!w->head)
			w->tail = &w->head;
	}
	pthread_mutex_unlock(&w->lock);
	if (!m)
		return false;
	*s = m->s;
	free(m);
	return true;
}

void regworker_resync(struct regworker *w)
{
	pthread_mutex_lock(&w->lock);
	w->resync = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void regworker_public(struct regworker *w, const struct sockaddr_storage *pub)
{
	struct sockaddr_storage none = { 0 };

	if (!pub)
		pub = &none;
	pthread_mutex_lock(&w->lock);
	if (!endpoint_equal(&w->pub, pub)) {
		w->pub = *pub;
		w->pub_changed = true;
		pthread_cond_signal(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
}

void regworker_stop(struct regworker *w)
{
	struct reg_sync s;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	while (regworker_pop(w, &s))
		reg_sync_free(&s);
	reg_client_free(w->c);
	close(w->efd);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}
