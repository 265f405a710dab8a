// SPDX-License-Identifier: GPL-2.0
/*
 * The SQLite backend of db.h: one connection, a busy timeout so that the
 * command-line tools and a running server share the file.  Statements are
 * prepared once and kept (SQLITE_CACHE of them, by their text): parsing
 * and planning cost more than running most of the registry's statements.
 * A connection is used by one thread at a time (the server's one thread),
 * so it is opened without SQLite's own mutex.
 */

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db_int.h"

#define BUSY_MS		5000
#define SQLITE_CACHE	64

struct sq_stmt {
	const char *key;	/* the caller's string: tried first */
	char *sql;
	sqlite3_stmt *st;
};

struct sq_conn {
	sqlite3 *h;
	int n;
	struct sq_stmt cache[SQLITE_CACHE];
};

static sqlite3 *sq_h(const struct db *db)
{
	return ((struct sq_conn *)db->conn)->h;
}

static void sq_close(struct db *db)
{
	struct sq_conn *c = db->conn;
	int i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		sqlite3_finalize(c->cache[i].st);
		free(c->cache[i].sql);
	}
	sqlite3_close(c->h);
	free(c);
}

static void sq_err(struct db *db)
{
	int ext = sqlite3_extended_errcode(sq_h(db));

	snprintf(db->err, DB_ERR_LEN, "sqlite: %s", sqlite3_errmsg(sq_h(db)));
	db->conflict = ext == SQLITE_CONSTRAINT_PRIMARYKEY ||
		       ext == SQLITE_CONSTRAINT_UNIQUE;
}

static int sq_bind(struct db *db, sqlite3_stmt *st, int n,
		   const struct db_param *p)
{
	int i, rc;

	for (i = 0; i < n; i++) {
		if (p[i].is_int)
			rc = sqlite3_bind_int64(st, i + 1, p[i].i);
		else if (p[i].s)
			/* The parameters outlive the statement's run. */
			rc = sqlite3_bind_text(st, i + 1, p[i].s, -1,
					       SQLITE_STATIC);
		else
			rc = sqlite3_bind_null(st, i + 1);
		if (rc != SQLITE_OK) {
			sq_err(db);
			return -1;
		}
	}
	return 0;
}

/* Append the current row of @st to *@res (grown by doubling). */
static int sq_row(sqlite3_stmt *st, struct db_res **res, int *cap)
{
	struct db_res *r = *res;
	int cols = sqlite3_column_count(st), c;
	char **vals;

	if (!r) {
		r = db_res_new(0, cols);
		if (!r)
			return -1;
		*res = r;
	}
	if (r->rows == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		vals = realloc(r->vals, (size_t)*cap * cols * sizeof(char *));
		if (!vals)
			return -1;
		r->vals = vals;
	}
	for (c = 0; c < cols; c++) {
		r->vals[(size_t)r->rows * cols + c] = NULL;
		if (sqlite3_column_type(st, c) == SQLITE_NULL)
			continue;
		if (db_res_set(r, r->rows, c,
			       (const char *)sqlite3_column_text(st, c),
			       sqlite3_column_bytes(st, c))) {
			r->rows++;
			return -1;
		}
	}
	r->rows++;
	return 0;
}

/* The statement of @sql: kept (*@kept) or, the cache full, a new one. */
static sqlite3_stmt *sq_prepare(struct db *db, const char *sql, bool *kept)
{
	struct sq_conn *c = db->conn;
	struct sq_stmt *s;
	sqlite3_stmt *st;
	int i;

	*kept = true;
	for (i = 0; i < c->n; i++)
		if (c->cache[i].key == sql && !strcmp(c->cache[i].sql, sql))
			return c->cache[i].st;
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->cache[i].sql, sql))
			return c->cache[i].st;
	if (sqlite3_prepare_v3(sq_h(db), sql, -1,
			       c->n < SQLITE_CACHE ? SQLITE_PREPARE_PERSISTENT : 0,
			       &st, NULL) != SQLITE_OK) {
		sq_err(db);
		return NULL;
	}
	*kept = false;
	if (c->n == SQLITE_CACHE)
		return st;
	s = &c->cache[c->n];
	s->sql = strdup(sql);
	if (!s->sql)
		return st;
	s->key = sql;
	s->st = st;
	c->n++;
	*kept = true;
	return st;
}

static int sq_exec(struct db *db, const char *sql, int n,
		   const struct db_param *params, struct db_res **res)
{
	sqlite3_stmt *st;
	int rc, cap = 0, ret = -1;
	bool kept;

	st = sq_prepare(db, sql, &kept);
	if (!st)
		return -1;
	if (sq_bind(db, st, n, params))
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (res && sq_row(st, res, &cap)) {
			snprintf(db->err, DB_ERR_LEN, "out of memory");
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		sq_err(db);
		goto out;
	}
	if (res && !*res)
		*res = db_res_new(0, sqlite3_column_count(st));
	ret = 0;
out:
	if (ret && res) {
		db_res_free(*res);
		*res = NULL;
	}
	if (kept) {
		/* Reset: a statement left stepping holds its transaction. */
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else {
		sqlite3_finalize(st);
	}
	return ret;
}

static const struct db_ops sqlite_ops = {
	.kind = "sqlite",
	.close = sq_close,
	.exec = sq_exec,
	.begin_sql = "BEGIN IMMEDIATE",
	.local = true,
};

/* Create the directory of @path (one level, 0700), e.g. /var/lib/ovl. */
static int make_parent(const char *path)
{
	char dir[4096];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -1;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return -1;
	*slash = '\0';
	return mkdir(dir, 0700);
}

int db_sqlite_open(struct db *db, const char *path)
{
	struct sq_conn *c;
	sqlite3 *conn;
	int fd;

	/* The database holds the CA's key: create it 0600. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT && make_parent(path) == 0)
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(db->err, DB_ERR_LEN, "%s: %m", path);
		return -1;
	}
	close(fd);
	if (sqlite3_open_v2(path, &conn, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(db->err, DB_ERR_LEN, "%s: %s", path,
			 conn ? sqlite3_errmsg(conn) : "cannot open");
		sqlite3_close(conn);
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(db->err, DB_ERR_LEN, "out of memory");
		sqlite3_close(conn);
		return -1;
	}
	c->h = conn;
	db->conn = c;
	db->ops = &sqlite_ops;
	sqlite3_busy_timeout(conn, BUSY_MS);
	if (sq_exec(db, "PRAGMA journal_mode=WAL", 0, NULL, NULL) ||
	    sq_exec(db, "PRAGMA synchronous=NORMAL", 0, NULL, NULL))
		return -1;
	return 0;
}
