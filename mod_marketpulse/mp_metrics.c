/* The labelled figures in shared memory (mp_metrics.h).  The layout is
 * fixed at post_config from the route table and the statement registry:
 * one segment per configuration cycle (a restart starts the figures at 0,
 * as Prometheus expects of a restarted process); a child that is recycled
 * leaves its counts in the segment. */
#include <string.h>

#include "httpd.h"
#include "apr_atomic.h"
#include "apr_strings.h"
#include "http_config.h"

#include "mp_config.h"
#include "mp_ctx.h"
#include "mp_log.h"
#include "mp_metrics.h"
#include "mp_shm.h"
#include "mp_stats.h"

const apr_interval_time_t mp_metrics_bounds[MP_METRICS_BUCKETS] = {
    500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
    1000000, 2500000, 5000000, 10000000
};
const char *const mp_metrics_methods[MP_METRICS_METHODS] = {
    "GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "other"
};
const int mp_metrics_codes[MP_METRICS_CODES] = {
    0, 200, 201, 204, 304, 400, 401, 403, 404, 405, 408, 409, 413, 415,
    422, 429, 500, 502, 503, 504
};
const char *const mp_dberr_names[MP_DBERR_CLASSES] = {
    "unavailable", "timeout", "busy", "conflict", "constraint", "other"
};

typedef struct {
    apr_time_t started;
    apr_uint64_t db_errors[MP_DBERR_CLASSES];
    mp_histogram_t acquire;
    apr_uint64_t acquire_max_us;
    /* then: requests[nroutes][METHODS][CODES], request histograms
     * [nroutes], statement histograms[nstatements] */
} head_t;

static const mp_route_t *route_table;
static int nroutes;                /* with "none" */
static int nstatements;
static head_t *head;
static apr_uint64_t *requests;
static mp_histogram_t *request_hist;
static mp_histogram_t *statement_hist;


int mp_metrics_post_config(apr_pool_t *pconf, server_rec *s,
                           const mp_route_t *routes, int statements)
{
    apr_size_t nreq, size;
    char *base;

    route_table = routes;
    for (nroutes = 0; routes[nroutes].pattern; nroutes++) {
    }
    nroutes++;
    nstatements = statements;
    nreq = (apr_size_t)nroutes * MP_METRICS_METHODS * MP_METRICS_CODES;
    size = APR_ALIGN_DEFAULT(sizeof(head_t))
           + nreq * sizeof(apr_uint64_t)
           + (apr_size_t)(nroutes + nstatements) * sizeof(mp_histogram_t);
    base = mp_shm_make(pconf, s, size, &head, "the metrics");
    if (base == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    head->started = apr_time_now();
    requests = (apr_uint64_t *)(base + APR_ALIGN_DEFAULT(sizeof(head_t)));
    request_hist = (mp_histogram_t *)(requests + nreq);
    statement_hist = request_hist + nroutes;
    return OK;
}

static int method_index(const char *method)
{
    for (int i = 0; i < MP_METRICS_METHODS - 1; i++) {
        if (strcmp(method, mp_metrics_methods[i]) == 0) {
            return i;
        }
    }
    return MP_METRICS_METHODS - 1;
}

static int code_index(int status)
{
    for (int i = 1; i < MP_METRICS_CODES; i++) {
        if (mp_metrics_codes[i] == status) {
            return i;
        }
    }
    return 0;
}

static void observe(mp_histogram_t *h, apr_interval_time_t took)
{
    int b = 0;

    while (b < MP_METRICS_BUCKETS && took > mp_metrics_bounds[b]) {
        b++;
    }
    apr_atomic_add64(&h->buckets[b], 1);
    apr_atomic_add64(&h->sum_us, took > 0 ? (apr_uint64_t)took : 0);
}

/* Only the first request of a chain: log_transaction sees that one
 * (not its internal redirects or subrequests). */
void mp_metrics_request_begins(request_rec *r)
{
    if (r->prev == NULL && r->main == NULL
        && mp_conf_metrics(ap_get_module_config(r->server->module_config,
                                                &marketpulse_module))) {
        mp_stat_add(MP_STAT_REQUESTS_IN_FLIGHT, 1);
        mp_ctx(r)->in_flight = 1;
    }
}

int mp_metrics_log_transaction(request_rec *r)
{
    const mp_ctx_t *ctx = ap_get_module_config(r->request_config,
                                               &marketpulse_module);
    const request_rec *last = r;
    int route;

    if (ctx == NULL || !ctx->ours || head == NULL) {
        return DECLINED;
    }
    if (!mp_conf_metrics(ap_get_module_config(r->server->module_config,
                                              &marketpulse_module))) {
        return DECLINED;           /* (nothing was begun either) */
    }
    if (ctx->in_flight) {
        mp_stat_sub(MP_STAT_REQUESTS_IN_FLIGHT, 1);
    }
    while (last->next) {
        last = last->next;         /* the status the client got */
    }
    route = ctx->route ? (int)(ctx->route - route_table) : nroutes - 1;
    if (route < 0 || route >= nroutes) {
        route = nroutes - 1;
    }
    apr_atomic_add64(&requests[((apr_size_t)route * MP_METRICS_METHODS
                                + (apr_size_t)method_index(r->method))
                               * MP_METRICS_CODES
                               + (apr_size_t)code_index(last->status)], 1);
    observe(&request_hist[route], apr_time_now() - r->request_time);
    return DECLINED;
}

void mp_metrics_statement(int slot, apr_interval_time_t took)
{
    if (head && slot >= 0 && slot < nstatements) {
        observe(&statement_hist[slot], took);
    }
}

void mp_metrics_db_error(mp_dberr_t which)
{
    if (head && which < MP_DBERR_CLASSES) {
        apr_atomic_add64(&head->db_errors[which], 1);
    }
}

int mp_metrics_nroutes(void)
{
    return head ? nroutes : 0;
}

const mp_route_t *mp_metrics_route(int i)
{
    return i < nroutes - 1 ? &route_table[i] : NULL;
}

apr_uint64_t mp_metrics_requests(int route, int method, int code)
{
    return apr_atomic_read64(&requests[((apr_size_t)route
                                        * MP_METRICS_METHODS
                                        + (apr_size_t)method)
                                       * MP_METRICS_CODES
                                       + (apr_size_t)code]);
}

static void read_histogram(mp_histogram_t *from, mp_histogram_t *h)
{
    for (int b = 0; b <= MP_METRICS_BUCKETS; b++) {
        h->buckets[b] = apr_atomic_read64(&from->buckets[b]);
    }
    h->sum_us = apr_atomic_read64(&from->sum_us);
}

void mp_metrics_request_histogram(int route, mp_histogram_t *h)
{
    read_histogram(&request_hist[route], h);
}

int mp_metrics_nstatements(void)
{
    return head ? nstatements : 0;
}

void mp_metrics_statement_histogram(int slot, mp_histogram_t *h)
{
    read_histogram(&statement_hist[slot], h);
}

apr_uint64_t mp_metrics_db_errors(mp_dberr_t which)
{
    return head ? apr_atomic_read64(&head->db_errors[which]) : 0;
}

void mp_metrics_acquire(apr_interval_time_t took)
{
    if (head) {
        observe(&head->acquire, took);
        mp_atomic_keep_max(&head->acquire_max_us,
                           took > 0 ? (apr_uint64_t)took : 0);
    }
}

apr_uint64_t mp_metrics_acquire_max(void)
{
    return head ? apr_atomic_read64(&head->acquire_max_us) : 0;
}

void mp_atomic_keep_min(volatile apr_uint64_t *v, apr_uint64_t x)
{
    apr_uint64_t cur = apr_atomic_read64(v);

    while ((cur == 0 || x < cur)
           && apr_atomic_cas64(v, x, cur) != cur) {
        cur = apr_atomic_read64(v);
    }
}

void mp_atomic_keep_max(volatile apr_uint64_t *v, apr_uint64_t x)
{
    apr_uint64_t cur = apr_atomic_read64(v);

    while (x > cur && apr_atomic_cas64(v, x, cur) != cur) {
        cur = apr_atomic_read64(v);
    }
}

void mp_metrics_acquire_histogram(mp_histogram_t *h)
{
    if (head) {
        read_histogram(&head->acquire, h);
    }
    else {
        memset(h, 0, sizeof(*h));
    }
}

apr_uint64_t mp_histogram_quantile(const apr_uint64_t *buckets, double q)
{
    apr_uint64_t total = 0, seen = 0, lower = 0;
    double rank;

    for (int b = 0; b <= MP_METRICS_BUCKETS; b++) {
        total += buckets[b];
    }
    rank = q * (double)total;
    for (int b = 0; b < MP_METRICS_BUCKETS && total > 0; b++) {
        apr_uint64_t upper = (apr_uint64_t)mp_metrics_bounds[b];

        if (buckets[b] > 0 && (double)(seen + buckets[b]) >= rank) {
            return lower + (apr_uint64_t)((double)(upper - lower)
                                          * (rank - (double)seen)
                                          / (double)buckets[b]);
        }
        seen += buckets[b];
        lower = upper;
    }
    return total ? (apr_uint64_t)mp_metrics_bounds[MP_METRICS_BUCKETS - 1]
                 : 0;
}

apr_time_t mp_metrics_started(void)
{
    return head ? head->started : 0;
}
