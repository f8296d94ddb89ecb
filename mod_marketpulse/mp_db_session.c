/* The per-child session table: which sessions (connection and backend
 * pid) this child has set up, and the MP_PLAN_CACHED statements prepared
 * on each, so a statement is prepared once per session and run by name.
 * docs/architecture.md ("Database access"). */
#include "httpd.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"
#include "http_config.h"

#include "mp_config.h"
#include "mp_pg.h"
#include "mp_log.h"
#include "queries/queries.h"

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

void mp_db_session_child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t rv = apr_thread_mutex_create(&sessions_lock,
                                              APR_THREAD_MUTEX_DEFAULT, p);

    if (rv != APR_SUCCESS) {
        /* without it no request may touch the session table:
         * mp_db_conn_get refuses, every request gets a 500 and the log
         * says why */
        sessions_lock = NULL;
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, MPLOGNO(01112)
                     "cannot create the session table's mutex");
    }
}

int mp_db_session_ready(void)
{
    return sessions_lock != NULL;
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
void mp_db_session_forget(const PGconn *conn)
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
            if (mp_db_classify(res, conn) != MP_DB_OK
                && !mp_db_sqlstate_is(res, "42P05")) {  /* already prepared */
                return res;
            }
            PQclear(res);
            session_note_plan(conn, stmt);
        }
        res = PQexecPrepared(conn, name, stmt->nparams, params, NULL, NULL,
                             0);
        if (attempt > 0 || !mp_db_sqlstate_is(res, "26000")) {
            return res;
        }
        PQclear(res);
        session_note_plan(conn, NULL);
    }
}

mp_db_status_t mp_db_session_exec(request_rec *r, PGconn *conn,
                                  const mp_stmt_t *stmt,
                                  const char *const *params, PGresult **out)
{
    /* Inside a transaction a failed PREPARE (42P05 when the session
     * table lost track of a plan) would abort it: run unnamed there. */
    int cached = stmt->plan == MP_PLAN_CACHED
                 && PQtransactionStatus(conn) == PQTRANS_IDLE;
    apr_time_t start = apr_time_now();
    PGresult *res = cached
        ? exec_cached(r, conn, stmt, params)
        : PQexecParams(conn, stmt->sql, stmt->nparams, NULL, params, NULL,
                       NULL, 0);
    mp_db_status_t status = mp_db_classify(res, conn);

    mp_db_timed(r, stmt, apr_time_now() - start, status);

    if (status != MP_DB_OK) {
        mp_db_log_failure(r, stmt, res, conn);
        PQclear(res);
        res = NULL;
    }
    *out = res;
    return status;
}

mp_db_status_t mp_db_session_set_up(request_rec *r, PGconn *conn)
{
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    int timeout_ms = mp_conf_stmt_timeout_ms(sc);
    const char *timeout;
    PGresult *res;
    mp_db_status_t status;

    if (session_is_set_up(conn, timeout_ms)) {
        return MP_DB_OK;
    }
    timeout = apr_itoa(r->pool, timeout_ms);
    status = mp_db_session_exec(r, conn, &mp_q_session_setup, &timeout, &res);
    PQclear(res);
    if (status == MP_DB_OK) {
        session_mark_set_up(conn, timeout_ms);
    }
    return status;
}
