/* /api/health/database: what the module knows of its database, for the
 * on-call engineer.  The pool as configured (mod_dbd's directives and
 * the gates), the gates' slots and waiters now (the reads' and the
 * exports'), how long requests waited
 * for a connection, errors by class and statement counts (all children:
 * the shared figures), then three bounded questions to PostgreSQL: is it
 * there (its version and connections), is its schema the one this build
 * needs, and have the rollups kept up with the newest day.  Internals:
 * answered only where MarketPulseAdmin On. */
#include <string.h>

#include "apr_strings.h"

#include "api.h"
#include "mp_gate.h"
#include "mp_metrics.h"
#include "mp_stats.h"

static json_t *ms(double us)
{
    return json_real(us / 1000.0);
}

static json_t *pool_settings(const mp_srv_conf_t *sc)
{
    const mp_dbd_conf_t *d = &sc->dbd_pool;

    return json_pack("{s:s?, s:b, s:i, s:i, s:i, s:i}",
                     "driver", d->driver, "persist", d->persist,
                     "min", d->min, "keep", d->keep, "max", d->max,
                     "exptime_s", d->exptime);
}

/* What a gate holds now and what it counted: slots, in use, waiting,
 * waits and timeouts (the reads' gate and the exports' alike). */
static json_t *gate_state(const mp_gate_t *gate, int slots, mp_stat_t waits,
                          mp_stat_t timeouts)
{
    int free_slots = gate ? mp_gate_free(gate) : slots;

    return json_pack("{s:i, s:i, s:i, s:I, s:I}",
        "slots", slots, "in_use", slots - free_slots,
        "waiting", gate ? mp_gate_waiting(gate) : 0,
        "waits", (json_int_t)mp_stat_get(waits),
        "timeouts", (json_int_t)mp_stat_get(timeouts));
}

static json_t *gate_figures(const mp_srv_conf_t *sc)
{
    json_t *o = gate_state(sc->gate, mp_conf_db_slots(sc),
                           MP_STAT_GATE_WAITS, MP_STAT_GATE_TIMEOUTS);

    json_object_set_new(o, "wait_ms", json_integer(mp_conf_db_wait_ms(sc)));
    return o;
}

/* The exports' own gate (MarketPulseExportSlots), which waits as long */
static json_t *export_gate_figures(const mp_srv_conf_t *sc)
{
    return gate_state(sc->export_gate, mp_conf_export_slots(sc),
                      MP_STAT_EXPORT_GATE_WAITS, MP_STAT_EXPORT_GATE_TIMEOUTS);
}

static apr_uint64_t histogram_count(const mp_histogram_t *h)
{
    apr_uint64_t n = 0;

    for (int b = 0; b <= MP_METRICS_BUCKETS; b++) {
        n += h->buckets[b];
    }
    return n;
}

/* How long requests waited for their connection: the gate, then
 * mod_dbd's pool (which may open a new connection). */
static json_t *acquire_figures(void)
{
    mp_histogram_t h;
    apr_uint64_t n, max = mp_metrics_acquire_max(), p95;

    mp_metrics_acquire_histogram(&h);
    n = histogram_count(&h);
    p95 = mp_histogram_quantile(h.buckets, 0.95);
    return json_pack("{s:I, s:o, s:o, s:o}", "count", (json_int_t)n,
                     "avg_ms", ms(n ? (double)h.sum_us / (double)n : 0),
                     "p95_ms", ms((double)(p95 < max ? p95 : max)),
                     "max_ms", ms((double)max));
}

static json_t *statement_figures(void)
{
    json_t *errors = json_object();
    apr_uint64_t count = 0, failed = 0;
    mp_histogram_t h;

    for (int s = 0; s < mp_metrics_nstatements(); s++) {
        mp_metrics_statement_histogram(s, &h);
        count += histogram_count(&h);
    }
    for (int c = 0; c < MP_DBERR_CLASSES; c++) {
        apr_uint64_t n = mp_metrics_db_errors((mp_dberr_t)c);

        failed += n;
        json_object_set_new(errors, mp_dberr_names[c],
                            json_integer((json_int_t)n));
    }
    return json_pack("{s:I, s:I, s:o}", "statements", (json_int_t)count,
                     "errors_total", (json_int_t)failed, "errors", errors);
}

/* PostgreSQL itself, and how long one round trip took. */
static json_t *server_figures(request_rec *r, mp_db_status_t *st)
{
    apr_time_t start = apr_time_now();
    mp_rows_t *rows;

    *st = mp_db_select(r, &mp_q_server, NULL, &rows);
    if (*st != MP_DB_OK || rows->nrows != 1) {
        return json_pack("{s:s}", "status", mp_api_db_state(*st));
    }
    return json_pack("{s:s, s:o, s:s, s:s, s:b, s:I, s:I}",
        "status", "up",
        "latency_ms", ms((double)(apr_time_now() - start)),
        "version", mp_cell(rows, 0, MP_SERVER_COL_VERSION),
        "database", mp_cell(rows, 0, MP_SERVER_COL_DATABASE),
        "in_recovery",
        strcmp(mp_cell(rows, 0, MP_SERVER_COL_RECOVERY), "t") == 0,
        "connections", (json_int_t)apr_atoi64(
            mp_cell(rows, 0, MP_SERVER_COL_CONNECTIONS)),
        "max_connections", (json_int_t)apr_atoi64(
            mp_cell(rows, 0, MP_SERVER_COL_MAX_CONNECTIONS)));
}

/* The newest transaction's day, counted from both sides. */
static json_t *rollup_figures(request_rec *r, int *in_step)
{
    mp_rows_t *rows;
    mp_db_status_t st = mp_db_select(r, &mp_q_rollups_in_step, NULL, &rows);
    const char *day;

    *in_step = 0;
    if (st != MP_DB_OK || rows->nrows != 1) {
        return json_pack("{s:s}", "status", "unknown");
    }
    day = mp_cell(rows, 0, MP_ROLLUPS_COL_DAY);
    *in_step = day == NULL
        || (strcmp(mp_cell(rows, 0, MP_ROLLUPS_COL_ORDERS),
                   mp_cell(rows, 0, MP_ROLLUPS_COL_ROLLUP_ORDERS)) == 0
            && strcmp(mp_cell(rows, 0, MP_ROLLUPS_COL_AMOUNT),
                      mp_cell(rows, 0, MP_ROLLUPS_COL_ROLLUP_AMOUNT)) == 0);
    if (day == NULL) {
        return json_pack("{s:s, s:n}", "status", "in_step", "day");
    }
    return json_pack("{s:s, s:s, s:{s:I, s:s}, s:{s:I, s:s}}",
        "status", *in_step ? "in_step" : "behind", "day", day,
        "transactions", "orders", (json_int_t)apr_atoi64(
            mp_cell(rows, 0, MP_ROLLUPS_COL_ORDERS)),
        "amount", mp_cell(rows, 0, MP_ROLLUPS_COL_AMOUNT),
        "rollups", "orders", (json_int_t)apr_atoi64(
            mp_cell(rows, 0, MP_ROLLUPS_COL_ROLLUP_ORDERS)),
        "amount", mp_cell(rows, 0, MP_ROLLUPS_COL_ROLLUP_AMOUNT));
}

/* The figures of this host first (the gate as it is before this request
 * takes a slot of its own), then the questions to PostgreSQL. */
json_t *mp_api_database_part(mp_req_t *req, const char **status)
{
    request_rec *r = req->r;
    const mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                                   &marketpulse_module);
    mp_schema_state_t schema = {MP_DB_ERROR, 0, NULL, NULL};
    json_t *part = json_pack("{s:s, s:o, s:o, s:o, s:I, s:o, s:o, s:i}",
        "status", "",
        "pool", pool_settings(sc),
        "gate", gate_figures(sc),
        "export_gate", export_gate_figures(sc),
        "connections_in_use", (json_int_t)mp_stat_get(MP_STAT_DB_CONNECTIONS),
        "acquire", acquire_figures(),
        "queries", statement_figures(),
        "statement_timeout_ms", mp_conf_stmt_timeout_ms(sc));
    mp_db_status_t st;
    int in_step = 0;

    json_object_set_new(part, "postgresql", server_figures(r, &st));
    if (st == MP_DB_OK) {
        mp_api_schema_read(r, &schema);
        json_object_set_new(part, "schema", mp_api_schema_json(&schema));
        json_object_set_new(part, "rollups", rollup_figures(r, &in_step));
        mp_db_release(r);
    }
    /* down: no answers, or none this build can use; degraded: answers
     * that may be wrong (rollups behind the transactions) or slow (every
     * slot busy) */
    *status = st == MP_DB_BUSY ? "degraded"
        : st != MP_DB_OK ? "down"
        : strcmp(mp_api_schema_status(&schema), "current") != 0 ? "down"
        : !in_step ? "degraded" : "ok";
    json_object_set_new(part, "status", json_string(*status));
    return part;
}

int mp_api_health_database(mp_req_t *req)
{
    const char *status;
    mp_problem_t pb;

    if (!mp_api_admin_allowed(req, &pb)) {
        return mp_respond_problem(req->r, &pb);
    }
    return mp_respond_data(req->r, mp_api_database_part(req, &status), NULL);
}
