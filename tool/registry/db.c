// SPDX-License-Identifier: GPL-2.0
/*
 * The storage interface (db.h): the backend is chosen by the URL's scheme.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

int db_open(const char *url, struct db **out, char *err)
{
	struct db *db = calloc(1, sizeof(*db));
	int ret;

	if (!db) {
		snprintf(err, DB_ERR_LEN, "out of memory");
		return -1;
	}
	if (!strncmp(url, "sqlite:", 7) && url[7]) {
		ret = db_sqlite_open(db, url + 7);
	} else if (!strncmp(url, "postgresql://", 13) ||
		   !strncmp(url, "postgres://", 11)) {
		ret = db_pg_open(db, url);
	} else {
		snprintf(err, DB_ERR_LEN,
			 "invalid database '%s': expected sqlite:PATH or postgresql://...",
			 url);
		free(db);
		return -1;
	}
	if (ret) {
		snprintf(err, DB_ERR_LEN, "%s", db->err);
		db_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	if (db->ops)
		db->ops->close(db);
	free(db);
}

const char *db_kind(const struct db *db)
{
	return db->ops->kind;
}

int db_exec(struct db *db, const char *sql, int n,
	    const struct db_param *params, struct db_res **res)
{
	db->conflict = false;
	db->err[0] = '\0';
	if (res)
		*res = NULL;
	return db->ops->exec(db, sql, n, params, res);
}

const char *db_error(const struct db *db)
{
	return db->err[0] ? db->err : "database error";
}

bool db_conflict(const struct db *db)
{
	return db->conflict;
}

bool db_local(const struct db *db)
{
	return db->ops->local;
}

int db_begin(struct db *db)
{
	return db_exec(db, db->ops->begin_sql, 0, NULL, NULL);
}

int db_commit(struct db *db)
{
	return db_exec(db, "COMMIT", 0, NULL, NULL);
}

void db_rollback(struct db *db)
{
	char err[DB_ERR_LEN];

	/* Keep the error that made the caller roll back. */
	memcpy(err, db->err, sizeof(err));
	db_exec(db, "ROLLBACK", 0, NULL, NULL);
	memcpy(db->err, err, sizeof(err));
}

int db_notify(struct db *db)
{
	if (db->ops->local)
		return 0;
	return db_exec(db, "NOTIFY " DB_CHANNEL, 0, NULL, NULL);
}

int db_watch_open(const char *url, struct db_watch **out, char *err)
{
	*out = NULL;
	if (strncmp(url, "postgresql://", 13) && strncmp(url, "postgres://", 11))
		return 1;
	return db_pg_watch_open(url, out, err);
}

int db_watch_wait(struct db_watch *w, int timeout_ms)
{
	return db_pg_watch_wait(w, timeout_ms);
}

void db_watch_close(struct db_watch *w)
{
	if (w)
		db_pg_watch_close(w);
}

struct db_res *db_res_new(int rows, int cols)
{
	struct db_res *res = calloc(1, sizeof(*res));

	if (!res)
		return NULL;
	res->rows = rows;
	res->cols = cols;
	if (rows && cols) {
		res->vals = calloc((size_t)rows * cols, sizeof(char *));
		if (!res->vals) {
			free(res);
			return NULL;
		}
	}
	return res;
}

int db_res_set(struct db_res *res, int row, int col, const char *v,
	       size_t len)
{
	char *s;

	if (!v)
		return 0;
	s = malloc(len + 1);
	if (!s)
		return -1;
	memcpy(s, v, len);
	s[len] = '\0';
	res->vals[(size_t)row * res->cols + col] = s;
	return 0;
}

int db_rows(const struct db_res *res)
{
	return res ? res->rows : 0;
}

const char *db_val(const struct db_res *res, int row, int col)
{
	if (!res || row < 0 || row >= res->rows || col < 0 ||
	    col >= res->cols)
		return NULL;
	return res->vals[(size_t)row * res->cols + col];
}

int64_t db_int(const struct db_res *res, int row, int col)
{
	const char *v = db_val(res, row, col);

	return v ? strtoll(v, NULL, 10) : 0;
}

void db_res_free(struct db_res *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; i < (size_t)res->rows * res->cols; i++)
		free(res->vals[i]);
	free(res->vals);
	free(res);
}
