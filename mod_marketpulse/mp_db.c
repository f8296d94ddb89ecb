/* The database layer.  Connections come from mod_dbd's pool; statements
 * run through libpq on the pooled connection's native handle as unnamed
 * parameterized statements.  Why not apr_dbd's prepared statements:
 * docs/architecture.md ("Database access"). */
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "httpd.h"
#include "apr_dbd.h"
#include "apr_optional.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"
#include "http_config.h"
#include "mod_dbd.h"
#include "unixd.h"

#include "mp_config.h"
#include "mp_db.h"
#include "mp_gate.h"
#include "mp_log.h"

static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;

/* Sessions this child has configured (statement_timeout, TimeZone), by
 * connection and backend pid, with the statements prepared on each.  A
 * direct-mapped table: a collision or a stale entry only costs one more
 * set-up or PREPARE (an existing one is taken as it is), never a wrong
 * answer, and a reset connection (new backend pid) starts afresh. */
#define SESSION_SLOTS 256
#define SESSION_PLANS 32       /* more than the MP_PLAN_CACHED statements */
typedef struct {
    const PGconn *conn;
    int backend_pid;
    int timeout_ms;
    int nplans;
    const mp_stmt_t *plans[SESSION_PLANS];
} session_t;
static session_t sessions[SESSION_SLOTS];
static apr_thread_mutex_t *sessions_lock;

/* What a request holds: a slot of the gate, then a pooled connection.
 * Both go back in release_conn, as soon as the handler has its rows
 * (mp_db_release) or at the latest when the request pool goes. */
typedef struct {
    request_rec *r;
    mp_gate_t *gate;           /* entered, to leave */
    ap_dbd_t *dbd;             /* from mod_dbd's pool, to give back */
    PGconn *conn;              /* its native handle */
    int cleanup_registered;
    int txn_lost;              /* released inside BEGIN: rolled back */
} db_request_t;

/* The request's state, made on first use when create is set.  The one
 * place that knows where it is kept (r->request_config). */
static db_request_t *db_request(request_rec *r, int create)
{
    db_request_t *dr = ap_get_module_config(r->request_config,
                                            &marketpulse_module);

    if (dr == NULL && create) {
        dr = apr_pcalloc(r->pool, sizeof(*dr));
        dr->r = r;
        ap_set_module_config(r->request_config, &marketpulse_module, dr);
    }
    return dr;
}

static const mp_stmt_t session_setup = {
    "session_setup",
    "SELECT set_config('statement_timeout', $1, false),"
    "       set_config('TimeZone', 'UTC', false),"
    "       set_config('DateStyle', 'ISO, YMD', false),"
    /* JIT compiles for ~30 ms before a query whose estimate (inflated by
     * subplans never run) passes jit_above_cost: far more than our
     * statements take */
    "       set_config('jit', 'off', false)",
    1, MP_PLAN_PER_CALL
};

/* Each server's gate, made in the parent so that all its children share
 * it, and handed to httpd's User when the parent runs as root. */
static int create_gates(apr_pool_t *pconf, server_rec *s)
{
    for (; s; s = s->next) {
        mp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                                 &marketpulse_module);
        apr_status_t rv = mp_gate_create(&sc->gate, mp_conf_db_slots(sc),
                                         pconf);

        if (rv == APR_SUCCESS && geteuid() == 0) {
            rv = mp_gate_set_owner(sc->gate, (long)ap_unixd_config.user_id,
                                   (long)ap_unixd_config.group_id);
        }
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, MPLOGNO(01102)
                         "cannot create the database gate (a System V "
                         "semaphore: see ipcs -l)");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

int mp_db_post_config(apr_pool_t *p, server_rec *s)
{
    dbd_open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    if (dbd_open == NULL || dbd_close == NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, MPLOGNO(01101)
                     "mod_dbd is not loaded: add LoadModule dbd_module "
                     "before mod_marketpulse");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return create_gates(p, s);
}

void mp_db_child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t rv = apr_thread_mutex_create(&sessions_lock,
                                              APR_THREAD_MUTEX_DEFAULT, p);

    if (rv != APR_SUCCESS) {
        /* without it no request may touch the session table: request_conn
         * refuses, every request gets a 500 and the log says why */
        sessions_lock = NULL;
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, MPLOGNO(01112)
                     "cannot create the session table's mutex");
    }
}

static session_t *session_slot(const PGconn *conn)
{
    return &sessions[((apr_uintptr_t)conn >> 4) % SESSION_SLOTS];
}

static int session_is_set_up(const PGconn *conn, int timeout_ms)
{
    session_t *slot = session_slot(conn);
    int yes;

    apr_thread_mutex_lock(sessions_lock);
    yes = slot->conn == conn && slot->backend_pid == PQbackendPID(conn)
          && slot->timeout_ms == timeout_ms;
    apr_thread_mutex_unlock(sessions_lock);
    return yes;
}

static void session_mark_set_up(const PGconn *conn, int timeout_ms)
{
    session_t *slot = session_slot(conn);

    apr_thread_mutex_lock(sessions_lock);
    if (slot->conn != conn || slot->backend_pid != PQbackendPID(conn)) {
        slot->nplans = 0;
    }
    slot->conn = conn;
    slot->backend_pid = PQbackendPID(conn);
    slot->timeout_ms = timeout_ms;
    apr_thread_mutex_unlock(sessions_lock);
}

static int session_has_plan(const PGconn *conn, const mp_stmt_t *stmt)
{
    session_t *slot = session_slot(conn);
    int yes = 0;

    apr_thread_mutex_lock(sessions_lock);
    if (slot->conn == conn && slot->backend_pid == PQbackendPID(conn)) {
        for (int i = 0; i < slot->nplans && !yes; i++) {
            yes = slot->plans[i] == stmt;
        }
    }
    apr_thread_mutex_unlock(sessions_lock);
    return yes;
}

/* After PQreset: the new backend may have the old one's pid. */
static void session_forget(const PGconn *conn)
{
    session_t *slot = session_slot(conn);

    apr_thread_mutex_lock(sessions_lock);
    if (slot->conn == conn) {
        slot->conn = NULL;
        slot->nplans = 0;
    }
    apr_thread_mutex_unlock(sessions_lock);
}

/* Forgets every plan of the session when stmt is NULL. */
static void session_note_plan(const PGconn *conn, const mp_stmt_t *stmt)
{
    session_t *slot = session_slot(conn);

    apr_thread_mutex_lock(sessions_lock);
    if (slot->conn == conn && slot->backend_pid == PQbackendPID(conn)) {
        if (stmt == NULL) {
            slot->nplans = 0;
        }
        else if (slot->nplans < SESSION_PLANS) {
            slot->plans[slot->nplans++] = stmt;
        }
    }
    apr_thread_mutex_unlock(sessions_lock);
}

/* A transaction must never reach the next user of the connection:
 * mod_dbd sends no ROLLBACK when it takes the connection back.  Runs as
 * a pre-cleanup of the request pool: with DBDPersist Off the connection
 * lives in a subpool of it, which is gone by the time ordinary cleanups
 * run.  Safe to call again: it clears what it gave back. */
static apr_status_t release_conn(void *data)
{
    db_request_t *dr = data;

    if (dr->conn && PQtransactionStatus(dr->conn) != PQTRANS_IDLE
        && PQstatus(dr->conn) == CONNECTION_OK) {
        PQclear(PQexec(dr->conn, "ROLLBACK"));
        dr->txn_lost = 1;
    }
    if (dr->dbd) {
        dbd_close(dr->r->server, dr->dbd);
    }
    if (dr->gate) {
        mp_gate_leave(dr->gate);
    }
    dr->gate = NULL;
    dr->dbd = NULL;
    dr->conn = NULL;
    return APR_SUCCESS;
}

void mp_db_release(request_rec *r)
{
    db_request_t *dr = db_request(r, 0);

    if (dr) {
        release_conn(dr);
    }
}

/* SQLSTATE classes that mean "the server is not there", as opposed to a
 * statement that is wrong. */
static int sqlstate_unavailable(const char *state)
{
    return state && (strncmp(state, "08", 2) == 0      /* connection */
                     || strncmp(state, "53", 2) == 0   /* resources */
                     || strcmp(state, "57P01") == 0    /* admin shutdown */
                     || strcmp(state, "57P02") == 0    /* crash shutdown */
                     || strcmp(state, "57P03") == 0);  /* starting up */
}

static mp_db_status_t classify(const PGresult *res, const PGconn *conn)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    const char *state;

    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        return MP_DB_OK;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        return MP_DB_UNAVAILABLE;
    }
    state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state && strcmp(state, "57014") == 0) {
        return MP_DB_TIMEOUT;
    }
    if (state && (strncmp(state, "23", 2) == 0        /* constraint */
                  || strncmp(state, "22", 2) == 0)) { /* data: range */
        return MP_DB_CONSTRAINT;
    }
    if (state && strncmp(state, "40", 2) == 0) {
        return MP_DB_BUSY;           /* deadlock or serialization: retry */
    }
    return sqlstate_unavailable(state) ? MP_DB_UNAVAILABLE : MP_DB_ERROR;
}

static void log_failure(request_rec *r, const mp_stmt_t *stmt,
                        const PGresult *res, const PGconn *conn)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : 0;

    /* The server's message can quote parameter values: debug level only. */
    mp_rlog(APLOG_ERR, 0, r, MPLOGNO(01103),
            "statement %s failed: SQLSTATE %s, connection %s", stmt->label,
            state ? state : "none",
            PQstatus(conn) == CONNECTION_OK ? "ok" : "broken");
    mp_rlog(APLOG_DEBUG, 0, r, MPLOGNO(01104), "statement %s: %s",
            stmt->label, res ? PQresultErrorMessage(res)
                             : PQerrorMessage(conn));
}

static const mp_stmt_t stmt_begin = { "begin", "BEGIN", 0, MP_PLAN_PER_CALL };
static const mp_stmt_t stmt_commit = { "commit", "COMMIT", 0, MP_PLAN_PER_CALL };
static const mp_stmt_t stmt_rollback = { "rollback", "ROLLBACK", 0, MP_PLAN_PER_CALL };

static int sqlstate_is(const PGresult *res, const char *state)
{
    const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    return s && strcmp(s, state) == 0;
}

/* Runs a MP_PLAN_CACHED statement as "mp_<label>", preparing it first on
 * a session that does not have it.  A session can lose its statements
 * behind our back (DISCARD ALL from another user of the pool): the
 * "does not exist" error (26000) comes before anything ran, so prepare
 * and run once more. */
static PGresult *exec_cached(request_rec *r, PGconn *conn,
                             const mp_stmt_t *stmt,
                             const char *const *params)
{
    const char *name = apr_pstrcat(r->pool, "mp_", stmt->label, NULL);

    for (int attempt = 0; ; attempt++) {
        PGresult *res;

        if (!session_has_plan(conn, stmt)) {
            res = PQprepare(conn, name, stmt->sql, stmt->nparams, NULL);
            if (classify(res, conn) != MP_DB_OK
                && !sqlstate_is(res, "42P05")) {   /* already prepared */
                return res;
            }
            PQclear(res);
            session_note_plan(conn, stmt);
        }
        res = PQexecPrepared(conn, name, stmt->nparams, params, NULL, NULL,
                             0);
        if (attempt > 0 || !sqlstate_is(res, "26000")) {
            return res;
        }
        PQclear(res);
        session_note_plan(conn, NULL);
    }
}

static mp_db_status_t exec_raw(request_rec *r, PGconn *conn,
                               const mp_stmt_t *stmt,
                               const char *const *params, PGresult **out)
{
    /* Inside a transaction a failed PREPARE (42P05 when the session
     * table lost track of a plan) would abort it: run unnamed there. */
    int cached = stmt->plan == MP_PLAN_CACHED
                 && PQtransactionStatus(conn) == PQTRANS_IDLE;
    PGresult *res = cached
        ? exec_cached(r, conn, stmt, params)
        : PQexecParams(conn, stmt->sql, stmt->nparams, NULL, params, NULL,
                       NULL, 0);
    mp_db_status_t status = classify(res, conn);

    if (status != MP_DB_OK) {
        log_failure(r, stmt, res, conn);
        PQclear(res);
        res = NULL;
    }
    *out = res;
    return status;
}

static mp_db_status_t set_up_session(request_rec *r, PGconn *conn)
{
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    int timeout_ms = mp_conf_stmt_timeout_ms(sc);
    const char *params[1];
    PGresult *res;
    mp_db_status_t status;

    if (session_is_set_up(conn, timeout_ms)) {
        return MP_DB_OK;
    }
    params[0] = apr_itoa(r->pool, timeout_ms);
    status = exec_raw(r, conn, &session_setup, params, &res);
    PQclear(res);
    if (status == MP_DB_OK) {
        session_mark_set_up(conn, timeout_ms);
    }
    return status;
}

/* This request's connection: through the gate, then from mod_dbd's pool
 * (ap_dbd_open rather than ap_dbd_acquire, which would keep it until the
 * response has gone out to the client). */
static mp_db_status_t request_conn(request_rec *r, PGconn **conn)
{
    db_request_t *dr = db_request(r, 0);
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);

    if (dr && dr->conn) {
        *conn = dr->conn;
        return MP_DB_OK;
    }
    if (sc->gate == NULL || dbd_open == NULL || sessions_lock == NULL) {
        return MP_DB_ERROR;
    }
    dr = db_request(r, 1);
    if (dr->gate == NULL) {
        if (mp_gate_enter(sc->gate, apr_time_from_msec(
                mp_conf_db_wait_ms(sc))) != APR_SUCCESS) {
            mp_rlog(APLOG_WARNING, 0, r, MPLOGNO(01105),
                    "no database slot free after %d ms (MarketPulseDBSlots "
                    "%d)", mp_conf_db_wait_ms(sc), mp_conf_db_slots(sc));
            return MP_DB_BUSY;
        }
        dr->gate = sc->gate;
    }
    if (!dr->cleanup_registered) {
        apr_pool_pre_cleanup_register(r->pool, dr, release_conn);
        dr->cleanup_registered = 1;
    }
    dr->dbd = dbd_open(r->pool, r->server);
    if (dr->dbd == NULL) {
        mp_rlog(APLOG_ERR, 0, r, MPLOGNO(01106),
                "mod_dbd gave no connection: is PostgreSQL up?");
        return MP_DB_UNAVAILABLE;
    }
    if (strcmp(apr_dbd_name(dr->dbd->driver), "pgsql") != 0) {
        mp_rlog(APLOG_ERR, 0, r, MPLOGNO(01107),
                "DBDriver is %s; mod_marketpulse needs pgsql",
                apr_dbd_name(dr->dbd->driver));
        dbd_close(r->server, dr->dbd);
        dr->dbd = NULL;
        return MP_DB_ERROR;
    }
    dr->conn = apr_dbd_native_handle(dr->dbd->driver, dr->dbd->handle);
    *conn = dr->conn;
    return MP_DB_OK;
}

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
        mp_db_status_t status = request_conn(r, &conn);

        *res = NULL;
        if (status == MP_DB_OK) {
            status = set_up_session(r, conn);
        }
        if (status == MP_DB_OK) {
            status = exec_raw(r, conn, stmt, params, res);
        }
        if (status != MP_DB_UNAVAILABLE || !may_retry || attempt > 0
            || conn == NULL || PQstatus(conn) == CONNECTION_OK) {
            return status;
        }
        PQreset(conn);
        session_forget(conn);
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
    db_request_t *dr = db_request(r, 0);

    if (dr) {
        dr->txn_lost = 0;
    }
    return run_rows(r, &stmt_begin, NULL, 1, NULL);
}

/* A statement meant for a transaction that mp_db_release already rolled
 * back must not run on a fresh connection in autocommit. */
static int txn_was_lost(request_rec *r, const mp_stmt_t *stmt)
{
    db_request_t *dr = db_request(r, 0);

    if (dr && dr->txn_lost) {
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

    if (txn_was_lost(r, &stmt_commit)) {
        return MP_DB_ERROR;
    }
    status = run_rows(r, &stmt_commit, NULL, 0, NULL);

    if (status == MP_DB_UNAVAILABLE) {
        mp_rlog(APLOG_ERR, 0, r, MPLOGNO(01110), "the connection broke "
                "during COMMIT: the transaction may or may not have "
                "committed");
    }
    return status;
}

void mp_db_rollback(request_rec *r)
{
    db_request_t *dr = db_request(r, 0);

    if (dr && dr->conn && PQstatus(dr->conn) == CONNECTION_OK
        && PQtransactionStatus(dr->conn) != PQTRANS_IDLE) {
        run_rows(r, &stmt_rollback, NULL, 0, NULL);
    }
}

static const mp_stmt_t stmt_local_timeout = {
    "local_timeout",
    "SELECT set_config('statement_timeout', $1, true)", 1, MP_PLAN_PER_CALL
};

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
            status = classify(res, conn);
            log_failure(r, stmt, res, conn);
        }
        PQclear(res);
    }
    return status;
}

mp_db_status_t mp_db_stream(request_rec *r, const mp_stmt_t *stmt,
                            const char *const *params, int timeout_ms,
                            mp_db_row_fn on_row, void *ctx)
{
    db_request_t *dr;
    const char *timeout = apr_itoa(r->pool, timeout_ms);
    mp_db_status_t status = mp_db_begin(r);

    if (status == MP_DB_OK) {
        status = mp_db_exec(r, &stmt_local_timeout, &timeout, NULL);
    }
    if (status != MP_DB_OK) {
        mp_db_rollback(r);
        return status;
    }
    dr = db_request(r, 0);
    if (!PQsendQueryParams(dr->conn, stmt->sql, stmt->nparams, NULL, params,
                           NULL, NULL, 0)) {
        log_failure(r, stmt, NULL, dr->conn);
        status = classify(NULL, dr->conn);
    }
    else {
        PQsetSingleRowMode(dr->conn);
        status = stream_rows(r, dr->conn, stmt, on_row, ctx);
    }
    mp_db_rollback(r);         /* a read: nothing to keep */
    return status;
}
