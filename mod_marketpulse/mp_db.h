/* Database access for handlers: run a named statement with text
 * parameters on this request's pooled connection and get rows or a typed
 * error.  Handlers never see mod_dbd, apr_dbd, libpq or SQL text. */
#ifndef MP_DB_H
#define MP_DB_H

#include "httpd.h"

#include "mp_rows.h"

typedef enum {
    MP_DB_OK,
    MP_DB_UNAVAILABLE,   /* no connection, or it broke and a retry failed */
    MP_DB_BUSY,          /* every connection busy past MarketPulseDBWait */
    MP_DB_TIMEOUT,       /* MarketPulseStatementTimeout cancelled it */
    MP_DB_CONSTRAINT,    /* a value broke a constraint or its type's range
                            (SQLSTATE 23xxx, 22xxx) */
    MP_DB_CONFLICT,      /* transaction aborted by a conflict with another
                            one (deadlock, serialization: SQLSTATE 40xxx);
                            safe to retry */
    MP_DB_ERROR          /* anything else: a bug or a schema mismatch */
} mp_db_status_t;

/* How PostgreSQL plans a statement.  MP_PLAN_PER_CALL (the default) sends
 * it unnamed, planned with each call's values: right for optional filters,
 * whose best plan depends on which are given.  MP_PLAN_CACHED prepares it
 * once per session under its label and lets PostgreSQL's plan cache reuse
 * the plan: for statements whose plan is the same for any values (the
 * rollup reads), where planning costs more than running. */
typedef enum {
    MP_PLAN_PER_CALL,
    MP_PLAN_CACHED
} mp_plan_t;

/* A statement: its label names it in logs and figures (and on the server
 * as "mp_<label>" when cached; labels are unique); slot is its index in
 * mp_stmt_registry (MP_STMT_<LABEL>, queries/queries.h), for figures
 * kept per statement; its SQL lives in queries/, one file per resource,
 * and takes $1..$n as parameters. */
typedef struct {
    const char *label;
    int slot;
    const char *sql;
    int nparams;
    mp_plan_t plan;
} mp_stmt_t;

/* params has stmt->nparams entries; NULL is SQL NULL.  A read is retried
 * once on a fresh session when the pooled connection turns out broken
 * (PostgreSQL restarted under it). */
mp_db_status_t mp_db_select(request_rec *r, const mp_stmt_t *stmt,
                            const char *const *params, mp_rows_t **rows);

/* Gives the connection and its gate slot back now rather than when the
 * request ends: once a handler has its rows, building and sending the
 * answer (to a client that may be slow) need neither.  A transaction
 * still open is rolled back.  A later statement takes a connection
 * again. */
void mp_db_release(request_rec *r);

/* Writes run in a transaction on the request's connection: BEGIN (which
 * is retried once on a fresh session, since nothing has happened yet),
 * statements that are never retried, then COMMIT.  A transaction still
 * open when the request ends is rolled back.  MP_DB_UNAVAILABLE from
 * mp_db_commit means the outcome is unknown. */
mp_db_status_t mp_db_begin(request_rec *r);
mp_db_status_t mp_db_exec(request_rec *r, const mp_stmt_t *stmt,
                          const char *const *params, mp_rows_t **rows);
mp_db_status_t mp_db_commit(request_rec *r);
void mp_db_rollback(request_rec *r);

/* Streams a large result row by row (libpq single-row mode) instead of
 * buffering it: on_row gets each row's cells (NULL for SQL NULL), valid
 * only during the call, and returns non-zero to stop, which cancels the
 * statement and drains the connection.  The statement runs in a read
 * transaction with its own statement timeout (ms, 0 for none). */
typedef int (*mp_db_row_fn)(void *ctx, const char *const *cells, int ncols);
mp_db_status_t mp_db_stream(request_rec *r, const mp_stmt_t *stmt,
                            const char *const *params, int timeout_ms,
                            mp_db_row_fn on_row, void *ctx);

/* Looks up mod_dbd's functions (start-up fails when it is not loaded)
 * and makes the servers' gates, which the children share. */
int mp_db_post_config(apr_pool_t *p, server_rec *s);
/* Creates the per-child session table. */
void mp_db_child_init(apr_pool_t *p, server_rec *s);

#endif
