/* The database layer's public calls: reads retried once after a
 * reconnect, and transactions.  Connections come from mod_dbd's pool
 * (mp_db_conn.c); statements run through libpq on the pooled connection's
 * native handle (mp_db_session.c).  Why not apr_dbd's prepared
 * statements: docs/architecture.md ("Database access"). */
#include "apr_strings.h"

#include "mp_db.h"
#include "mp_pg.h"
#include "mp_log.h"
#include "queries/queries.h"

static void copy_rows(apr_pool_t *p, const PGresult *res, mp_rows_t *rows)
{
    rows->nrows = PQntuples(res);
    rows->ncols = PQnfields(res);
    rows->cells = apr_palloc(p, sizeof(char *) * (apr_size_t)
                             (rows->nrows * rows->ncols + 1));
    for (int i = 0; i < rows->nrows; i++) {
        for (int c = 0; c < rows->ncols; c++) {
            rows->cells[i * rows->ncols + c] = PQgetisnull(res, i, c) ? NULL
                : apr_pstrmemdup(p, PQgetvalue(res, i, c),
                                 (apr_size_t)PQgetlength(res, i, c));
        }
    }
}

/* Runs stmt on this request's connection.  A pooled connection whose
 * server restarted fails its first statement; when stmt is safe to run
 * again (a read, or BEGIN: nothing of ours has happened yet), one reset
 * gives a new session and stmt runs once more. */
static mp_db_status_t run(request_rec *r, const mp_stmt_t *stmt,
                          const char *const *params, int may_retry,
                          PGresult **res)
{
    for (int attempt = 0; ; attempt++) {
        PGconn *conn = NULL;
        mp_db_status_t status = mp_db_conn_get(r, &conn);

        *res = NULL;
        if (status == MP_DB_OK) {
            status = mp_db_session_set_up(r, conn);
        }
        if (status == MP_DB_OK) {
            status = mp_db_session_exec(r, conn, stmt, params, res);
        }
        if (status != MP_DB_UNAVAILABLE || !may_retry || attempt > 0
            || conn == NULL || PQstatus(conn) == CONNECTION_OK) {
            return status;
        }
        PQreset(conn);
        mp_db_session_forget(conn);
        if (PQstatus(conn) != CONNECTION_OK) {
            mp_rlog(APLOG_ERR, 0, r, MPLOGNO(01108),
                    "reconnect failed: PostgreSQL unavailable");
            return MP_DB_UNAVAILABLE;
        }
        mp_rlog(APLOG_INFO, 0, r, MPLOGNO(01109),
                "connection was broken; reconnected, retrying %s",
                stmt->label);
    }
}

static mp_db_status_t run_rows(request_rec *r, const mp_stmt_t *stmt,
                               const char *const *params, int may_retry,
                               mp_rows_t **rows)
{
    PGresult *res;
    mp_db_status_t status = run(r, stmt, params, may_retry, &res);

    if (status == MP_DB_OK && rows) {
        *rows = apr_pcalloc(r->pool, sizeof(mp_rows_t));
        copy_rows(r->pool, res, *rows);
    }
    PQclear(res);
    return status;
}

mp_db_status_t mp_db_select(request_rec *r, const mp_stmt_t *stmt,
                            const char *const *params, mp_rows_t **rows)
{
    return run_rows(r, stmt, params, 1, rows);
}

mp_db_status_t mp_db_begin(request_rec *r)
{
    mp_db_conn_txn_begins(r);
    return run_rows(r, &mp_q_begin, NULL, 1, NULL);
}

/* A statement meant for a transaction that mp_db_release already rolled
 * back must not run on a fresh connection in autocommit. */
static int txn_was_lost(request_rec *r, const mp_stmt_t *stmt)
{
    if (mp_db_conn_txn_lost(r)) {
        mp_rlog(APLOG_ERR, 0, r, MPLOGNO(01113), "statement %s after the "
                "connection was released inside its transaction",
                stmt->label);
        return 1;
    }
    return 0;
}

mp_db_status_t mp_db_exec(request_rec *r, const mp_stmt_t *stmt,
                          const char *const *params, mp_rows_t **rows)
{
    if (txn_was_lost(r, stmt)) {
        return MP_DB_ERROR;
    }
    return run_rows(r, stmt, params, 0, rows);
}

mp_db_status_t mp_db_commit(request_rec *r)
{
    mp_db_status_t status;

    if (txn_was_lost(r, &mp_q_commit)) {
        return MP_DB_ERROR;
    }
    status = run_rows(r, &mp_q_commit, NULL, 0, NULL);

    if (status == MP_DB_UNAVAILABLE) {
        mp_rlog(APLOG_ERR, 0, r, MPLOGNO(01110), "the connection broke "
                "during COMMIT: the transaction may or may not have "
                "committed");
    }
    return status;
}

void mp_db_rollback(request_rec *r)
{
    PGconn *conn = mp_db_conn_held(r);

    if (conn && PQstatus(conn) == CONNECTION_OK
        && PQtransactionStatus(conn) != PQTRANS_IDLE) {
        run_rows(r, &mp_q_rollback, NULL, 0, NULL);
    }
}

void mp_db_release(request_rec *r)
{
    mp_db_conn_release(r);
}

int mp_db_post_config(apr_pool_t *p, server_rec *s)
{
    return mp_db_conn_post_config(p, s);
}

void mp_db_child_init(apr_pool_t *p, server_rec *s)
{
    mp_db_session_child_init(p, s);
}
