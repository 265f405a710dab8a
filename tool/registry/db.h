/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The registry's one storage interface over two backends: SQLite
 * ("sqlite:PATH", embedded) and PostgreSQL ("postgresql://...", libpq).
 * Statements are written once, with '?' placeholders (rewritten to $N for
 * PostgreSQL) and typed parameters; results come back as strings.  The
 * SQL used by store.c is the subset both dialects share.
 */
#ifndef _OVL_REG_DB_H
#define _OVL_REG_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DB_ERR_LEN	256

struct db;
struct db_res;

/* A statement parameter: an integer, a string, or (s NULL, !is_int) NULL. */
struct db_param {
	bool is_int;
	int64_t i;
	const char *s;
};

#define DB_I(v)	((struct db_param){ .is_int = true, .i = (v) })
#define DB_S(v)	((struct db_param){ .s = (v) })

/* Open @url; 0, or -1 with a message in @err (DB_ERR_LEN bytes). */
int db_open(const char *url, struct db **out, char *err);
void db_close(struct db *db);

/* "sqlite" or "postgresql". */
const char *db_kind(const struct db *db);

/*
 * Run @sql with its @n parameters.  With @res, the rows (possibly none)
 * are returned there, to be freed with db_res_free().  Returns 0, or -1:
 * db_error() says why and db_conflict() whether a unique or primary key
 * constraint refused it.
 */
int db_exec(struct db *db, const char *sql, int n,
	    const struct db_param *params, struct db_res **res);
const char *db_error(const struct db *db);
bool db_conflict(const struct db *db);

/*
 * Whether statements run in this process (SQLite), not a round trip away
 * (PostgreSQL): whether a transaction of several statements is cheap.
 */
bool db_local(const struct db *db);

/* Transactions: SQLite takes the write lock at BEGIN (IMMEDIATE). */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/*
 * Notifications of a change (PostgreSQL's NOTIFY, sent at the commit of
 * the open transaction; nothing on SQLite, whose reads are in-process):
 * db_notify() in a writer's transaction, and a watch, a connection of its
 * own that waits for them, in the reader.  db_watch_open() returns 0, 1
 * if the backend has none (SQLite), or -1 with @err.  db_watch_wait()
 * returns 1 when notified, 0 after @timeout_ms without, -1 when the
 * connection broke (close it and open another).
 */
struct db_watch;

int db_notify(struct db *db);
int db_watch_open(const char *url, struct db_watch **out, char *err);
int db_watch_wait(struct db_watch *w, int timeout_ms);
void db_watch_close(struct db_watch *w);

int db_rows(const struct db_res *res);
/* Column @col of row @row; NULL for SQL NULL. */
const char *db_val(const struct db_res *res, int row, int col);
/* The same as a signed integer (0 for NULL or not a number). */
int64_t db_int(const struct db_res *res, int row, int col);
void db_res_free(struct db_res *res);

#endif /* _OVL_REG_DB_H */
