/* SPDX-License-Identifier: GPL-2.0 */
/* Between db.c and its backends, db_sqlite.c and db_pg.c. */
#ifndef _OVL_REG_DB_INT_H
#define _OVL_REG_DB_INT_H

#include "db.h"

struct db_ops {
	const char *kind;
	void (*close)(struct db *db);
	int (*exec)(struct db *db, const char *sql, int n,
		    const struct db_param *params, struct db_res **res);
	const char *begin_sql;
	bool local;	/* in-process: a statement costs no round trip */
};

struct db {
	const struct db_ops *ops;
	void *conn;
	char err[DB_ERR_LEN];
	bool conflict;
};

struct db_res {
	int rows, cols;
	char **vals;		/* rows * cols, NULL for SQL NULL */
};

struct db_res *db_res_new(int rows, int cols);
/* Store a copy of @len bytes at @v (NULL: SQL NULL); -1 on no memory. */
int db_res_set(struct db_res *res, int row, int col, const char *v,
	       size_t len);

int db_sqlite_open(struct db *db, const char *path);
int db_pg_open(struct db *db, const char *url);
int db_pg_watch_open(const char *url, struct db_watch **out, char *err);
int db_pg_watch_wait(struct db_watch *w, int timeout_ms);
void db_pg_watch_close(struct db_watch *w);

#define DB_CHANNEL	"ovl_registry"

#endif /* _OVL_REG_DB_INT_H */
