// SPDX-License-Identifier: GPL-2.0
/*
 * The PostgreSQL backend of db.h (libpq): several "ovl-registry serve"
 * instances may share one server.  '?' placeholders become $1, $2, ...
 */

#include <ctype.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"

#define PG_MAX_PARAMS	32

static void pg_close(struct db *db)
{
	PQfinish(db->conn);
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
	const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(db->conn);
	size_t len;

	snprintf(db->err, DB_ERR_LEN, "postgresql: %s", msg);
	len = strlen(db->err);
	while (len && isspace((unsigned char)db->err[len - 1]))
		db->err[--len] = '\0';
	db->conflict = state && !strcmp(state, "23505");
}

static int pg_exec(struct db *db, const char *sql, int n,
		   const struct db_param *params, struct db_res **res)
{
	char ints[PG_MAX_PARAMS][24];
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
	if (PQstatus(db->conn) == CONNECTION_BAD)
		PQreset(db->conn);
	q = pg_rewrite(sql);
	if (!q) {
		snprintf(db->err, DB_ERR_LEN, "out of memory");
		return -1;
	}
	r = PQexecParams(db->conn, q, n, NULL, vals, NULL, NULL, 0);
	free(q);
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
	db->conn = conn;
	db->ops = &pg_ops;
	return 0;
}
