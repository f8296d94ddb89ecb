/* A request's hold on the database: a slot of the server's gate (the
 * exports' own gate for a stream), then a connection from mod_dbd's
 * pool, both given back as soon as the handler has its rows or, at the
 * latest, before the request pool goes. */
#include <string.h>
#include <unistd.h>

#include "httpd.h"
#include "apr_dbd.h"
#include "apr_optional.h"
#include "http_config.h"
#include "ap_mpm.h"
#include "mod_dbd.h"
#include "unixd.h"

#include "mp_config.h"
#include "mp_ctx.h"
#include "mp_pg.h"
#include "mp_gate.h"
#include "mp_log.h"
#include "mp_metrics.h"
#include "mp_stats.h"
#include "queries/queries.h"

static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close;

/* What a request holds: a slot of the gate, then a pooled connection.
 * Both go back in release_conn, as soon as the handler has its rows
 * (mp_db_release) or at the latest when the request pool goes. */
typedef struct mp_db_req {
    request_rec *r;
    mp_gate_t *gate;           /* entered, to leave */
    ap_dbd_t *dbd;             /* from mod_dbd's pool, to give back */
    PGconn *conn;              /* its native handle */
    int cleanup_registered;
    int txn_lost;              /* released inside BEGIN: rolled back */
    int stream;                /* held for a whole download: its slot is
                                  the exports' gate's */
} db_request_t;

/* The request's state, made on first use when create is set.  The one
 * place that knows where it is kept (the request's record, mp_ctx). */
static db_request_t *db_request(request_rec *r, int create)
{
    mp_ctx_t *ctx = mp_ctx(r);

    if (ctx->db == NULL && create) {
        ctx->db = apr_pcalloc(r->pool, sizeof(*ctx->db));
        ctx->db->r = r;
    }
    return ctx->db;
}

/* A gate of slots, made in the parent so that all the children share
 * it, and handed to httpd's User when the parent runs as root. */
static apr_status_t make_gate(apr_pool_t *pconf, int slots, mp_gate_t **gate)
{
    apr_status_t rv = mp_gate_create(gate, slots, pconf);

    if (rv == APR_SUCCESS && geteuid() == 0) {
        rv = mp_gate_set_owner(*gate, (long)ap_unixd_config.user_id,
                               (long)ap_unixd_config.group_id);
    }
    return rv;
}

/* What a child may hold at once is a connection per slot of either gate
 * (both are the host's: one child may hold them all), at most one per
 * thread.  A DBDMax below it makes a request wait inside mod_dbd, without
 * bound (MOD_DBD.md): said at start-up, not refused, since a site may
 * size its threads below it (docs/directives.md). */
static void check_pool_size(server_rec *s, const mp_srv_conf_t *sc)
{
    int threads = 1, need = mp_conf_db_slots(sc) + mp_conf_export_slots(sc);

    if (ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS
        || threads < 1) {
        threads = 1;
    }
    if (threads < need) {
        need = threads;
    }
    if (sc->dbd_pool.persist && sc->dbd_pool.max < need) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, MPLOGNO(01702)
                     "DBDMax %d is below the connections one child may "
                     "hold at once (%d: MarketPulseDBSlots %d + "
                     "MarketPulseExportSlots %d, at most one per thread): "
                     "a request past it waits inside mod_dbd without "
                     "bound", sc->dbd_pool.max, need, mp_conf_db_slots(sc),
                     mp_conf_export_slots(sc));
    }
}

/* Each server's gates: the reads' (and writes') and the exports'. */
static int create_gates(apr_pool_t *pconf, server_rec *s)
{
    for (; s; s = s->next) {
        mp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                                 &marketpulse_module);
        apr_status_t rv = make_gate(pconf, mp_conf_db_slots(sc), &sc->gate);

        if (rv == APR_SUCCESS) {
            rv = make_gate(pconf, mp_conf_export_slots(sc),
                           &sc->export_gate);
        }
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, MPLOGNO(01102)
                         "cannot create the database gates (System V "
                         "semaphores: see ipcs -l)");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        /* what the health shows of the pool this server was given */
        mp_dbd_conf_read(ap_conftree, s->is_virtual ? s->defn_name : NULL,
                         s->defn_line_number, &sc->dbd_pool);
        check_pool_size(s, sc);
    }
    return OK;
}

int mp_db_conn_post_config(apr_pool_t *p, server_rec *s)
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
        PQclear(PQexec(dr->conn, mp_q_rollback.sql));
        dr->txn_lost = 1;
    }
    if (dr->dbd) {
        dbd_close(dr->r->server, dr->dbd);
        mp_stat_sub(MP_STAT_DB_CONNECTIONS, 1);
    }
    if (dr->gate) {
        mp_gate_leave(dr->gate);
    }
    dr->gate = NULL;
    dr->dbd = NULL;
    dr->conn = NULL;
    return APR_SUCCESS;
}

void mp_db_conn_release(request_rec *r)
{
    db_request_t *dr = db_request(r, 0);

    if (dr) {
        release_conn(dr);
    }
}

/* A slot of the request's gate, at once if one is free, else after a
 * wait of at most MarketPulseDBWait (both counted for the metrics). */
static apr_status_t enter_gate(request_rec *r, const mp_srv_conf_t *sc,
                               int stream)
{
    mp_gate_t *gate = stream ? sc->export_gate : sc->gate;

    if (mp_gate_enter(gate, 0) == APR_SUCCESS) {
        return APR_SUCCESS;
    }
    mp_stat_add(stream ? MP_STAT_EXPORT_GATE_WAITS : MP_STAT_GATE_WAITS, 1);
    if (mp_gate_enter(gate, apr_time_from_msec(mp_conf_db_wait_ms(sc)))
        == APR_SUCCESS) {
        return APR_SUCCESS;
    }
    mp_stat_add(stream ? MP_STAT_EXPORT_GATE_TIMEOUTS
                       : MP_STAT_GATE_TIMEOUTS, 1);
    mp_db_count_error(MP_DB_BUSY);
    if (stream) {
        mp_rlog(APLOG_WARNING, 0, r, MPLOGNO(01703), "no export slot free "
                "after %d ms (MarketPulseExportSlots %d)",
                mp_conf_db_wait_ms(sc), mp_conf_export_slots(sc));
    }
    else {
        mp_rlog(APLOG_WARNING, 0, r, MPLOGNO(01105), "no database slot "
                "free after %d ms (MarketPulseDBSlots %d)",
                mp_conf_db_wait_ms(sc), mp_conf_db_slots(sc));
    }
    return APR_TIMEUP;
}

void mp_db_conn_stream(request_rec *r)
{
    db_request_t *dr = db_request(r, 1);

    if (!dr->stream) {
        release_conn(dr);      /* a read's slot is not an export's */
        dr->stream = 1;
    }
}

/* Through the gate, then from mod_dbd's pool (ap_dbd_open rather than
 * ap_dbd_acquire, which would keep the connection until the response
 * has gone out to the client). */
mp_db_status_t mp_db_conn_get(request_rec *r, PGconn **conn)
{
    db_request_t *dr = db_request(r, 0);
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    apr_time_t asked;

    if (dr && dr->conn) {
        *conn = dr->conn;
        return MP_DB_OK;
    }
    if (sc->gate == NULL || sc->export_gate == NULL || dbd_open == NULL
        || !mp_db_session_ready()) {
        return MP_DB_ERROR;
    }
    dr = db_request(r, 1);
    asked = apr_time_now();
    if (dr->gate == NULL) {
        if (enter_gate(r, sc, dr->stream) != APR_SUCCESS) {
            return MP_DB_BUSY;
        }
        dr->gate = dr->stream ? sc->export_gate : sc->gate;
    }
    if (!dr->cleanup_registered) {
        apr_pool_pre_cleanup_register(r->pool, dr, release_conn);
        dr->cleanup_registered = 1;
    }
    dr->dbd = dbd_open(r->pool, r->server);
    if (dr->dbd == NULL) {
        mp_rlog(APLOG_ERR, 0, r, MPLOGNO(01106),
                "mod_dbd gave no connection: is PostgreSQL up?");
        mp_db_count_error(MP_DB_UNAVAILABLE);
        return MP_DB_UNAVAILABLE;
    }
    mp_stat_add(MP_STAT_DB_CONNECTIONS, 1);
    if (mp_conf_metrics(sc)) {
        mp_metrics_acquire(apr_time_now() - asked);
    }
    if (strcmp(apr_dbd_name(dr->dbd->driver), "pgsql") != 0) {
        mp_rlog(APLOG_ERR, 0, r, MPLOGNO(01107),
                "DBDriver is %s; mod_marketpulse needs pgsql",
                apr_dbd_name(dr->dbd->driver));
        dbd_close(r->server, dr->dbd);
        mp_stat_sub(MP_STAT_DB_CONNECTIONS, 1);
        dr->dbd = NULL;
        return MP_DB_ERROR;
    }
    dr->conn = apr_dbd_native_handle(dr->dbd->driver, dr->dbd->handle);
    *conn = dr->conn;
    return MP_DB_OK;
}

PGconn *mp_db_conn_held(request_rec *r)
{
    db_request_t *dr = db_request(r, 0);

    return dr ? dr->conn : NULL;
}

void mp_db_conn_txn_begins(request_rec *r)
{
    db_request_t *dr = db_request(r, 0);

    if (dr) {
        dr->txn_lost = 0;
    }
}

int mp_db_conn_txn_lost(request_rec *r)
{
    db_request_t *dr = db_request(r, 0);

    return dr && dr->txn_lost;
}
