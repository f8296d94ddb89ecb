/* What a statement's outcome means: libpq's SQLSTATE turned into the
 * mp_db_status_t handlers act on, the log line that names the statement
 * and the SQLSTATE, never the values, and its time and failures counted
 * in the metrics and the query profile. */
#include <string.h>

#include "httpd.h"
#include "http_config.h"

#include "mp_config.h"
#include "mp_pg.h"
#include "mp_log.h"
#include "mp_metrics.h"
#include "mp_profile.h"

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

mp_db_status_t mp_db_classify(const PGresult *res, const PGconn *conn)
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
        return MP_DB_CONFLICT;       /* deadlock or serialization */
    }
    return sqlstate_unavailable(state) ? MP_DB_UNAVAILABLE : MP_DB_ERROR;
}

int mp_db_sqlstate_is(const PGresult *res, const char *state)
{
    const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    return s && strcmp(s, state) == 0;
}

void mp_db_count_error(mp_db_status_t status)
{
    switch (status) {
    case MP_DB_OK:          return;
    case MP_DB_UNAVAILABLE: mp_metrics_db_error(MP_DBERR_UNAVAILABLE); return;
    case MP_DB_TIMEOUT:     mp_metrics_db_error(MP_DBERR_TIMEOUT); return;
    case MP_DB_BUSY:        mp_metrics_db_error(MP_DBERR_BUSY); return;
    case MP_DB_CONFLICT:    mp_metrics_db_error(MP_DBERR_CONFLICT); return;
    case MP_DB_CONSTRAINT:  mp_metrics_db_error(MP_DBERR_CONSTRAINT); return;
    default:                mp_metrics_db_error(MP_DBERR_OTHER); return;
    }
}

void mp_db_timed(request_rec *r, const mp_stmt_t *stmt,
                 apr_interval_time_t took, mp_db_status_t status)
{
    if (!mp_conf_metrics(ap_get_module_config(r->server->module_config,
                                              &marketpulse_module))) {
        return;
    }
    mp_metrics_statement(stmt->slot, took);
    mp_profile_statement(r, stmt->slot, stmt->label, took,
                         status != MP_DB_OK);
}

void mp_db_log_failure(request_rec *r, const mp_stmt_t *stmt,
                       const PGresult *res, const PGconn *conn)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : 0;

    mp_db_count_error(mp_db_classify(res, conn));

    /* The server's message can quote parameter values: debug level only. */
    mp_rlog(APLOG_ERR, 0, r, MPLOGNO(01103),
            "statement %s failed: SQLSTATE %s, connection %s", stmt->label,
            state ? state : "none",
            PQstatus(conn) == CONNECTION_OK ? "ok" : "broken");
    mp_rlog(APLOG_DEBUG, 0, r, MPLOGNO(01104), "statement %s: %s",
            stmt->label, res ? PQresultErrorMessage(res)
                             : PQerrorMessage(conn));
}
