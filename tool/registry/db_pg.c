// SPDX-License-Identifier: GPL-2.0
/*
 * The PostgreSQL backend of db.h (libpq): several "ovl-registry serve"
 * instances may share one server.  '?' placeholders become $1, $2, ...
 * SELECT, INSERT, UPDATE and DELETE statements are prepared on the
 * session once (PG_CACHE of them, by their text) and then only executed:
 * the server parses and plans each once, not per request.  They are
 * prepared again after the connection was reset.
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

#define PG_MAX_PARAMS	32
#define PG_CACHE	64

struct pg_stmt {
	const char *key;	/* the caller's string: tried first */
	char *sql;
};

struct pg_conn {
	PGconn *h;
	int n;
	struct pg_stmt cache[PG_CACHE];	/* prepared as "ovl_I" */
};

static PGconn *pg_h(const struct db *db)
{
	return ((struct pg_conn *)db->conn)->h;
}

static void pg_forget(struct pg_conn *c)
{
	int i;

	for (i = 0; i < c->n; i++)
		free(c->cache[i].sql);
	c->n = 0;
}

static void pg_close(struct db *db)
{
	struct pg_conn *c = db->conn;

	if (!c)
		return;
	pg_forget(c);
	PQfinish(c->h);
	free(c);
}

/* @sql with '?' rewritten to $N, in a new string. */
static char *pg_rewrite(const char *sql)
{
	size_t len = strlen(sql), i, o = 0;
	char *out = malloc(len * 4 + 1);
	int n = 0;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		if (sql[i] == '?')
			o += sprintf(out + o, "$%d", ++n);
		else
			out[o++] = sql[i];
	}
	out[o] = '\0';
	return out;
}

static void pg_err(struct db *db, PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(pg_h(db));
	size_t len;

	snprintf(db->err, DB_ERR_LEN, "postgresql: %s", msg);
	len = strlen(db->err);
	while (len && isspace((unsigned char)db->err[len - 1]))
		db->err[--len] = '\0';
	db->conflict = state && !strcmp(state, "23505");
}

static bool pg_cacheable(const char *sql)
{
	return !strncmp(sql, "SELECT ", 7) || !strncmp(sql, "INSERT ", 7) ||
	       !strncmp(sql, "UPDATE ", 7) || !strncmp(sql, "DELETE ", 7);
}

/*
 * Run @sql prepared: its statement's name into @name, prepared first if
 * new.  NULL result with *@name empty: not cacheable, run it unprepared.
 */
static PGresult *pg_run_prepared(struct db *db, const char *sql, int n,
				 const char *const *vals, char *name)
{
	struct pg_conn *c = db->conn;
	PGresult *r;
	char *q;
	int i;

	name[0] = '\0';
	for (i = 0; i < c->n; i++)
		if (c->cache[i].key == sql && !strcmp(c->cache[i].sql, sql))
			goto run;
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->cache[i].sql, sql))
			goto run;
	if (c->n == PG_CACHE || !pg_cacheable(sql))
		return NULL;
	q = pg_rewrite(sql);
	c->cache[i].sql = strdup(sql);
	if (!q || !c->cache[i].sql) {
		free(q);
		free(c->cache[i].sql);
		return NULL;
	}
	snprintf(name, 16, "ovl_%d", i);
	r = PQprepare(c->h, name, q, n, NULL);
	free(q);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		free(c->cache[i].sql);
		return r;	/* the error, as the statement's */
	}
	PQclear(r);
	c->cache[i].key = sql;
	c->n++;
run:
	snprintf(name, 16, "ovl_%d", i);
	return PQexecPrepared(c->h, name, n, vals, NULL, NULL, 0);
}

/*
 * Generic plans for the prepared statements: with "auto", PostgreSQL
 * plans the sync's statement again at every run (a plan for any "since"
 * looks costlier than one for the value at hand, though both scan the
 * version index the same way), which was most of its time per sync.
 */
static void pg_session_setup(PGconn *h)
{
	PQclear(PQexec(h, "SET plan_cache_mode = force_generic_plan"));
}

static int pg_exec(struct db *db, const char *sql, int n,
		   const struct db_param *params, struct db_res **res)
{
	struct pg_conn *c = db->conn;
	char ints[PG_MAX_PARAMS][24], name[16];
	const char *vals[PG_MAX_PARAMS];
	PGresult *r;
	char *q;
	int i, row, col, st, ret = -1;

	if (n > PG_MAX_PARAMS) {
		snprintf(db->err, DB_ERR_LEN, "too many parameters");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (params[i].is_int) {
			snprintf(ints[i], sizeof(ints[i]), "%" PRId64,
				 params[i].i);
			vals[i] = ints[i];
		} else {
			vals[i] = params[i].s;
		}
	}
	/* The server restarted or the link broke: connect again. */
	if (PQstatus(c->h) == CONNECTION_BAD) {
		PQreset(c->h);
		pg_forget(c);	/* a new session has none prepared */
		pg_session_setup(c->h);
	}
	r = pg_run_prepared(db, sql, n, vals, name);
	if (!r && !name[0]) {
		q = pg_rewrite(sql);
		if (!q) {
			snprintf(db->err, DB_ERR_LEN, "out of memory");
			return -1;
		}
		r = PQexecParams(c->h, q, n, NULL, vals, NULL, NULL, 0);
		free(q);
	}
	st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pg_err(db, r);
		goto out;
	}
	if (res) {
		*res = db_res_new(PQntuples(r), PQnfields(r));
		if (!*res)
			goto nomem;
		for (row = 0; row < PQntuples(r); row++)
			for (col = 0; col < PQnfields(r); col++)
				if (!PQgetisnull(r, row, col) &&
				    db_res_set(*res, row, col,
					       PQgetvalue(r, row, col),
					       PQgetlength(r, row, col)))
					goto nomem;
	}
	ret = 0;
	goto out;
nomem:
	snprintf(db->err, DB_ERR_LEN, "out of memory");
	if (res) {
		db_res_free(*res);
		*res = NULL;
	}
out:
	PQclear(r);
	return ret;
}

static const struct db_ops pg_ops = {
	.kind = "postgresql",
	.close = pg_close,
	.exec = pg_exec,
	.begin_sql = "BEGIN",
};

static void pg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;	/* "relation already exists, skipping" and the like */
}

int db_pg_open(struct db *db, const char *url)
{
	PGconn *conn = PQconnectdb(url);

	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		snprintf(db->err, DB_ERR_LEN, "postgresql: %s",
			 conn ? PQerrorMessage(conn) : "out of memory");
		db->err[strcspn(db->err, "\n")] = '\0';
		PQfinish(conn);
		return -1;
	}
	PQsetNoticeProcessor(conn, pg_notice, NULL);
	pg_session_setup(conn);
	db->conn = calloc(1, sizeof(struct pg_conn));
	if (!db->conn) {
		snprintf(db->err, DB_ERR_LEN, "out of memory");
		PQfinish(conn);
		return -1;
	}
	((struct pg_conn *)db->conn)->h = conn;
	db->ops = &pg_ops;
	return 0;
}

/* A connection that LISTENs on DB_CHANNEL, for the reader's thread. */
struct db_watch {
	PGconn *h;
};

int db_pg_watch_open(const char *url, struct db_watch **out, char *err)
{
	struct db_watch *w = calloc(1, sizeof(*w));
	PGresult *r;

	if (!w) {
		snprintf(err, DB_ERR_LEN, "out of memory");
		return -1;
	}
	w->h = PQconnectdb(url);
	if (!w->h || PQstatus(w->h) != CONNECTION_OK) {
		snprintf(err, DB_ERR_LEN, "postgresql: %s",
			 w->h ? PQerrorMessage(w->h) : "out of memory");
		err[strcspn(err, "\n")] = '\0';
		db_pg_watch_close(w);
		return -1;
	}
	PQsetNoticeProcessor(w->h, pg_notice, NULL);
	r = PQexec(w->h, "LISTEN " DB_CHANNEL);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(err, DB_ERR_LEN, "postgresql: LISTEN: %s",
			 PQerrorMessage(w->h));
		err[strcspn(err, "\n")] = '\0';
		PQclear(r);
		db_pg_watch_close(w);
		return -1;
	}
	PQclear(r);
	*out = w;
	return 0;
}

int db_pg_watch_wait(struct db_watch *w, int timeout_ms)
{
	struct pollfd pfd = { .fd = PQsocket(w->h), .events = POLLIN };
	PGnotify *n;
	int got = 0, rc;

	if (pfd.fd < 0)
		return -1;
	rc = poll(&pfd, 1, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -1;
	if (!rc)
		return 0;
	if (!PQconsumeInput(w->h) || PQstatus(w->h) != CONNECTION_OK)
		return -1;
	while ((n = PQnotifies(w->h))) {
		got = 1;
		PQfreemem(n);
	}
	return got;
}

void db_pg_watch_close(struct db_watch *w)
{
	PQfinish(w->h);
	free(w);
}
