/* Streaming a large result (the export) row by row in libpq's
 * single-row mode, inside a read transaction with its own statement
 * timeout, instead of buffering it: docs/architecture.md ("Export"). */
#include "apr_strings.h"

#include "mp_db.h"
#include "mp_pg.h"
#include "mp_log.h"
#include "queries/queries.h"

/* Asks the server to stop the running statement; the results still have
 * to be read to the end before the connection is clean. */
static void cancel_statement(request_rec *r, PGconn *conn)
{
    PGcancel *cancel = PQgetCancel(conn);
    char err[256];

    if (cancel == NULL || !PQcancel(cancel, err, sizeof(err))) {
        mp_rlog(APLOG_WARNING, 0, r, MPLOGNO(01111),
                "could not cancel the streaming statement");
    }
    PQfreeCancel(cancel);
}

/* Reads every result of the statement sent on conn, one row at a time,
 * handing rows to on_row until it asks to stop. */
static mp_db_status_t stream_rows(request_rec *r, PGconn *conn,
                                  const mp_stmt_t *stmt, mp_db_row_fn on_row,
                                  void *ctx)
{
    mp_db_status_t status = MP_DB_OK;
    const char **cells = NULL;
    int stopped = 0;
    PGresult *res;

    while ((res = PQgetResult(conn)) != NULL) {
        ExecStatusType st = PQresultStatus(res);

        if (st == PGRES_SINGLE_TUPLE && !stopped) {
            int ncols = PQnfields(res);

            if (cells == NULL) {
                cells = apr_palloc(r->pool, sizeof(char *) * (apr_size_t)
                                   (ncols + 1));
            }
            for (int c = 0; c < ncols; c++) {
                cells[c] = PQgetisnull(res, 0, c) ? NULL
                                                  : PQgetvalue(res, 0, c);
            }
            if (on_row(ctx, cells, ncols) != 0) {
                stopped = 1;
                cancel_statement(r, conn);
            }
        }
        else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK
                 && !stopped && status == MP_DB_OK) {
            status = mp_db_classify(res, conn);
            mp_db_log_failure(r, stmt, res, conn);
        }
        PQclear(res);
    }
    return status;
}

mp_db_status_t mp_db_stream(request_rec *r, const mp_stmt_t *stmt,
                            const char *const *params, int timeout_ms,
                            mp_db_row_fn on_row, void *ctx)
{
    PGconn *conn;
    const char *timeout = apr_itoa(r->pool, timeout_ms);
    apr_time_t start;
    mp_db_status_t status;

    mp_db_conn_stream(r);
    status = mp_db_begin(r);
    if (status == MP_DB_OK) {
        status = mp_db_exec(r, &mp_q_local_timeout, &timeout, NULL);
    }
    if (status != MP_DB_OK) {
        mp_db_rollback(r);
        return status;
    }
    conn = mp_db_conn_held(r);
    start = apr_time_now();
    if (!PQsendQueryParams(conn, stmt->sql, stmt->nparams, NULL, params,
                           NULL, NULL, 0)) {
        mp_db_log_failure(r, stmt, NULL, conn);
        status = mp_db_classify(NULL, conn);
    }
    else {
        PQsetSingleRowMode(conn);
        status = stream_rows(r, conn, stmt, on_row, ctx);
    }
    /* the whole stream: a slow client makes a slow export */
    mp_db_timed(r, stmt, apr_time_now() - start, status);
    mp_db_rollback(r);         /* a read: nothing to keep */
    return status;
}
