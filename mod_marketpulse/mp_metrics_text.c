/* The /metrics handler (SetHandler marketpulse-metrics): every figure in
 * Prometheus' text format 0.0.4, read from shared memory, so any child
 * answers for all of them.  Series of labelled counters appear once they
 * have counted something; label values come from bounded sets (route
 * patterns, statement names, the methods and codes of mp_metrics.h). */
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "mp_cache.h"
#include "mp_config.h"
#include "mp_gate.h"
#include "mp_metrics.h"
#include "mp_stats.h"
#include "queries/queries.h"

#define HANDLER "marketpulse-metrics"
/* the API's version: info.version of docs/openapi.json (a test holds
 * them together) */
#define API_VERSION "1.0.0"

static void family(request_rec *r, const char *name, const char *type,
                   const char *help)
{
    ap_rprintf(r, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void scalar(request_rec *r, const char *name, const char *type,
                   const char *help, apr_uint64_t value)
{
    family(r, name, type, help);
    ap_rprintf(r, "%s %" APR_UINT64_T_FMT "\n", name, value);
}

/* Microseconds as seconds, without trailing zeros: 2500 -> "0.0025". */
static const char *seconds(apr_pool_t *p, apr_interval_time_t us)
{
    char *text = apr_psprintf(p, "%" APR_TIME_T_FMT ".%06d",
                              apr_time_sec(us), (int)apr_time_usec(us));
    char *end = text + strlen(text) - 1;

    while (*end == '0') {
        *end-- = '\0';
    }
    if (*end == '.') {
        *end = '\0';
    }
    return text;
}

/* One histogram's series under labels ("route=\"/x\"", or "" for none):
 * cumulative buckets, then sum and count; nothing for one that counted
 * nothing. */
static void histogram(request_rec *r, const char *name, const char *labels,
                      const mp_histogram_t *h)
{
    apr_uint64_t cumulative = 0, total = 0;

    for (int b = 0; b <= MP_METRICS_BUCKETS; b++) {
        total += h->buckets[b];
    }
    if (total == 0) {
        return;
    }
    for (int b = 0; b <= MP_METRICS_BUCKETS; b++) {
        cumulative += h->buckets[b];
        ap_rprintf(r, "%s_bucket{%s%sle=\"%s\"} %" APR_UINT64_T_FMT "\n",
                   name, labels, *labels ? "," : "",
                   b < MP_METRICS_BUCKETS
                       ? seconds(r->pool, mp_metrics_bounds[b]) : "+Inf",
                   cumulative);
    }
    if (*labels) {
        ap_rprintf(r, "%s_sum{%s} %.6f\n%s_count{%s} %" APR_UINT64_T_FMT
                   "\n", name, labels, (double)h->sum_us / APR_USEC_PER_SEC,
                   name, labels, cumulative);
    }
    else {
        ap_rprintf(r, "%s_sum %.6f\n%s_count %" APR_UINT64_T_FMT "\n", name,
                   (double)h->sum_us / APR_USEC_PER_SEC, name, cumulative);
    }
}

static const char *route_label(int i)
{
    const mp_route_t *rt = mp_metrics_route(i);

    return rt ? rt->pattern : "none";
}

static void http_figures(request_rec *r)
{
    mp_histogram_t h;

    family(r, "marketpulse_http_requests_total", "counter", "Requests of "
           "the API answered, by route pattern, method and status code.");
    for (int rt = 0; rt < mp_metrics_nroutes(); rt++) {
        for (int m = 0; m < MP_METRICS_METHODS; m++) {
            for (int c = 0; c < MP_METRICS_CODES; c++) {
                apr_uint64_t n = mp_metrics_requests(rt, m, c);

                if (n == 0) {
                    continue;
                }
                ap_rprintf(r, "marketpulse_http_requests_total{route=\"%s\","
                           "method=\"%s\",code=\"%s\"} %" APR_UINT64_T_FMT
                           "\n", route_label(rt), mp_metrics_methods[m],
                           c ? apr_itoa(r->pool, mp_metrics_codes[c])
                             : "other", n);
            }
        }
    }
    family(r, "marketpulse_http_request_duration_seconds", "histogram",
           "Time from the request line to the end of logging, by route.");
    for (int rt = 0; rt < mp_metrics_nroutes(); rt++) {
        mp_metrics_request_histogram(rt, &h);
        histogram(r, "marketpulse_http_request_duration_seconds",
                  apr_psprintf(r->pool, "route=\"%s\"", route_label(rt)),
                  &h);
    }
    scalar(r, "marketpulse_http_requests_in_flight", "gauge", "Requests of "
           "the API begun and not yet logged.",
           mp_stat_get(MP_STAT_REQUESTS_IN_FLIGHT));
}

static void db_figures(request_rec *r)
{
    const mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                                   &marketpulse_module);
    mp_histogram_t h;

    family(r, "marketpulse_db_statement_duration_seconds", "histogram",
           "Time PostgreSQL took to answer a statement, by statement.");
    for (int s = 0; s < mp_metrics_nstatements(); s++) {
        mp_metrics_statement_histogram(s, &h);
        histogram(r, "marketpulse_db_statement_duration_seconds",
                  apr_psprintf(r->pool, "statement=\"%s\"",
                               mp_stmt_registry[s]->label), &h);
    }
    family(r, "marketpulse_db_errors_total", "counter", "Database failures "
           "by class.");
    for (int c = 0; c < MP_DBERR_CLASSES; c++) {
        ap_rprintf(r, "marketpulse_db_errors_total{class=\"%s\"} %"
                   APR_UINT64_T_FMT "\n", mp_dberr_names[c],
                   mp_metrics_db_errors((mp_dberr_t)c));
    }
    scalar(r, "marketpulse_db_gate_waits_total", "counter", "Statements "
           "that found no database slot free and waited.",
           mp_stat_get(MP_STAT_GATE_WAITS));
    scalar(r, "marketpulse_db_gate_timeouts_total", "counter", "Waits for "
           "a database slot that ran out (503).",
           mp_stat_get(MP_STAT_GATE_TIMEOUTS));
    if (sc->gate) {
        scalar(r, "marketpulse_db_gate_waiting", "gauge", "Requests waiting "
               "for a database slot now, all children.",
               (apr_uint64_t)mp_gate_waiting(sc->gate));
        scalar(r, "marketpulse_db_gate_slots", "gauge", "Database slots of "
               "this server (MarketPulseDBSlots).",
               (apr_uint64_t)mp_conf_db_slots(sc));
    }
    scalar(r, "marketpulse_db_export_gate_waits_total", "counter", "Exports "
           "that found no export slot free and waited.",
           mp_stat_get(MP_STAT_EXPORT_GATE_WAITS));
    scalar(r, "marketpulse_db_export_gate_timeouts_total", "counter",
           "Waits for an export slot that ran out (503).",
           mp_stat_get(MP_STAT_EXPORT_GATE_TIMEOUTS));
    if (sc->export_gate) {
        int slots = mp_conf_export_slots(sc);

        scalar(r, "marketpulse_db_export_gate_waiting", "gauge", "Exports "
               "waiting for an export slot now, all children.",
               (apr_uint64_t)mp_gate_waiting(sc->export_gate));
        scalar(r, "marketpulse_db_export_gate_in_use", "gauge", "Exports "
               "streaming now, all children.",
               (apr_uint64_t)(slots - mp_gate_free(sc->export_gate)));
        scalar(r, "marketpulse_db_export_gate_slots", "gauge", "Export "
               "slots of this server (MarketPulseExportSlots).",
               (apr_uint64_t)slots);
    }
    family(r, "marketpulse_db_acquire_duration_seconds", "histogram",
           "Time a request waited for its database connection: a slot of "
           "the gate, then one from mod_dbd's pool.");
    mp_metrics_acquire_histogram(&h);
    histogram(r, "marketpulse_db_acquire_duration_seconds", "", &h);
    scalar(r, "marketpulse_db_connections_in_use", "gauge", "Pooled "
           "connections held by requests, all children.",
           mp_stat_get(MP_STAT_DB_CONNECTIONS));
}

static void cache_figures(request_rec *r)
{
    static const struct { const char *name, *help; mp_stat_t stat; } c[] = {
        {"hits", "Answers served from the cache.", MP_STAT_CACHE_HITS},
        {"misses", "Lookups that found no fresh answer.",
         MP_STAT_CACHE_MISSES},
        {"stores", "Answers stored.", MP_STAT_CACHE_STORES},
        {"errors", "Backend calls that failed.", MP_STAT_CACHE_ERRORS},
        {"fallbacks", "Requests moved from Redis to shared memory.",
         MP_STAT_CACHE_FALLBACKS},
        {"lock_waits", "Misses that waited for another's fill.",
         MP_STAT_CACHE_LOCK_WAITS},
        {"invalidations", "Invalidations after writes and clears.",
         MP_STAT_CACHE_INVALIDATIONS},
        {"local_hits", "Hits served from this host's memory without "
         "asking Redis (MarketPulseCacheCoherence notified).",
         MP_STAT_CACHE_LOCAL_HITS},
    };
    const char *state = mp_cache_state(r);

    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        scalar(r, apr_pstrcat(r->pool, "marketpulse_cache_", c[i].name,
                              "_total", NULL), "counter", c[i].help,
               mp_stat_get(c[i].stat));
    }
    family(r, "marketpulse_cache_backend_info", "gauge", "The cache state: "
           "redis, fallback (Redis configured, not answering), shm or off.");
    ap_rprintf(r, "marketpulse_cache_backend_info{state=\"%s\"} 1\n", state);
}

static void write_figures(request_rec *r)
{
    static const struct { const char *name, *help; mp_stat_t stat; } w[] = {
        {"marketpulse_transactions_inserted_total", "Transactions written "
         "by POST.", MP_STAT_TXN_INSERTED},
        {"marketpulse_transaction_batches_total", "POSTs that wrote.",
         MP_STAT_TXN_BATCHES},
        {"marketpulse_transactions_updated_total", "PATCHes that wrote.",
         MP_STAT_TXN_UPDATED},
        {"marketpulse_idempotent_replays_total", "Answers given again for "
         "an Idempotency-Key.", MP_STAT_IDEM_REPLAYS},
        {"marketpulse_idempotency_conflicts_total", "Idempotency-Keys "
         "refused with 409.", MP_STAT_IDEM_CONFLICTS},
        {"marketpulse_export_rows_total", "Rows streamed by exports.",
         MP_STAT_EXPORT_ROWS},
        {"marketpulse_export_bytes_total", "Bytes of exports before "
         "compression.", MP_STAT_EXPORT_BYTES},
    };

    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
        scalar(r, w[i].name, "counter", w[i].help, mp_stat_get(w[i].stat));
    }
}

static void ratelimit_figures(request_rec *r)
{
    family(r, "marketpulse_ratelimit_limited_total", "counter", "Requests "
           "refused with 429: a rate limit's quota was used up.");
    ap_rprintf(r, "marketpulse_ratelimit_limited_total %" APR_UINT64_T_FMT
               "\n", mp_stat_get(MP_STAT_RL_LIMITED));
    family(r, "marketpulse_ratelimit_fallback_total", "counter", "Limited "
           "requests that Redis could not count, by what "
           "MarketPulseRateLimitFallback did: local (counted per host), "
           "open (let through), closed (503).");
    ap_rprintf(r, "marketpulse_ratelimit_fallback_total{mode=\"local\"} %"
               APR_UINT64_T_FMT "\n", mp_stat_get(MP_STAT_RL_LOCAL));
    ap_rprintf(r, "marketpulse_ratelimit_fallback_total{mode=\"open\"} %"
               APR_UINT64_T_FMT "\n", mp_stat_get(MP_STAT_RL_OPEN));
    ap_rprintf(r, "marketpulse_ratelimit_fallback_total{mode=\"closed\"} %"
               APR_UINT64_T_FMT "\n", mp_stat_get(MP_STAT_RL_CLOSED));
}

int mp_metrics_handler(request_rec *r)
{
    if (r->handler == NULL || strcmp(r->handler, HANDLER) != 0) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        r->allowed = AP_METHOD_BIT << M_GET;
        return HTTP_METHOD_NOT_ALLOWED;
    }
    ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (r->header_only) {
        return OK;
    }
    family(r, "marketpulse_build_info", "gauge", "The module's build.");
    ap_rprintf(r, "marketpulse_build_info{version=\"%s\",httpd=\"%s\"} 1\n",
               API_VERSION, ap_get_server_banner());
    family(r, "marketpulse_start_time_seconds", "gauge", "When httpd "
           "(this generation) started, in seconds since the epoch.");
    ap_rprintf(r, "marketpulse_start_time_seconds %" APR_TIME_T_FMT "\n",
               apr_time_sec(mp_metrics_started()));
    http_figures(r);
    db_figures(r);
    cache_figures(r);
    write_figures(r);
    ratelimit_figures(r);
    return OK;
}
