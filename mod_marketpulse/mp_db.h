/* Database access for handlers: run a named statement with text
 * parameters on this request's pooled connection and get rows or a typed
 * error.  Handlers never see mod_dbd, apr_dbd, libpq or SQL text. */
#ifndef MP_DB_H
#define MP_DB_H

#include "httpd.h"

#include "mp_rows.h"
#include "mp_stmt.h"


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
 * transaction with its own statement timeout (ms, 0 for none), on a
 * connection whose slot is one of the exports' gate
 * (MarketPulseExportSlots): a stream holds it for the whole download,
 * which a slow or throttled client makes long, and must not take the
 * reads' slots (MP_DB_BUSY: none free in time). */
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
