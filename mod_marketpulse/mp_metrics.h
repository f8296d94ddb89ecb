/* Figures by label for Prometheus, counted over every child: requests by
 * route, method and status with their durations, statements by registry
 * slot with theirs, database errors by class.  One anonymous shared
 * segment made at post_config and updated with atomic adds, so every
 * child counts into the same numbers and a scrape may land on any child;
 * scalar figures (cache, writes, gate) are mp_stats'.  Counted once per
 * request, in the log_transaction hook, which every answer passes: hits,
 * 304s and httpd's own errors included. */
#ifndef MP_METRICS_H
#define MP_METRICS_H

#include "httpd.h"

#include "mp_router.h"

/* Upper bounds of the duration histograms, in microseconds. */
#define MP_METRICS_BUCKETS 14
extern const apr_interval_time_t mp_metrics_bounds[MP_METRICS_BUCKETS];

/* The methods and status codes counted by name; others count as "other"
 * (label values stay a bounded set). */
#define MP_METRICS_METHODS 8
extern const char *const mp_metrics_methods[MP_METRICS_METHODS];
#define MP_METRICS_CODES 20
extern const int mp_metrics_codes[MP_METRICS_CODES];   /* 0: "other" */

/* Database errors by class. */
typedef enum {
    MP_DBERR_UNAVAILABLE,
    MP_DBERR_TIMEOUT,
    MP_DBERR_BUSY,
    MP_DBERR_CONFLICT,
    MP_DBERR_CONSTRAINT,
    MP_DBERR_OTHER,
    MP_DBERR_CLASSES
} mp_dberr_t;
extern const char *const mp_dberr_names[MP_DBERR_CLASSES];

/* A histogram: counts per bucket (not cumulative) and the sum in
 * microseconds.  Its count is the buckets' sum, so a scrape during an
 * observation cannot show a count that disagrees with them. */
typedef struct {
    apr_uint64_t buckets[MP_METRICS_BUCKETS + 1];    /* the last: +Inf */
    apr_uint64_t sum_us;
} mp_histogram_t;

/* Atomic updates of a shared minimum (0: none yet) and maximum. */
void mp_atomic_keep_min(volatile apr_uint64_t *v, apr_uint64_t x);
void mp_atomic_keep_max(volatile apr_uint64_t *v, apr_uint64_t x);

/* The q-quantile (0..1) of a histogram's buckets in microseconds,
 * linear within its bucket as Prometheus' histogram_quantile; the
 * largest finite bound when it falls in +Inf, 0 for an empty one. */
apr_uint64_t mp_histogram_quantile(const apr_uint64_t *buckets, double q);

/* Made before the fork: routes is the route table (ends with a NULL
 * pattern), nstatements the registry's size.  OK, or an HTTP status that
 * stops start-up (logged). */
int mp_metrics_post_config(apr_pool_t *pconf, server_rec *s,
                           const mp_route_t *routes, int nstatements);

/* The log_transaction hook: counts a request of the API. */
int mp_metrics_log_transaction(request_rec *r);
/* A request of the API begins (requests in flight). */
void mp_metrics_request_begins(request_rec *r);
/* A statement ran (slot of the registry) for took; status is not
 * counted here: errors go through mp_metrics_db_error. */
void mp_metrics_statement(int slot, apr_interval_time_t took);
void mp_metrics_db_error(mp_dberr_t which);
/* A request got its database connection (gate slot and mod_dbd's pool)
 * after took. */
void mp_metrics_acquire(apr_interval_time_t took);

/* The handler of /metrics (mp_metrics_text.c). */
int mp_metrics_handler(request_rec *r);

/* Reading, for the exposition (copies of atomic reads). */
int mp_metrics_nroutes(void);           /* routes + 1: the last is "none" */
const mp_route_t *mp_metrics_route(int i);   /* NULL for "none" */
apr_uint64_t mp_metrics_requests(int route, int method, int code);
void mp_metrics_request_histogram(int route, mp_histogram_t *h);
int mp_metrics_nstatements(void);
void mp_metrics_statement_histogram(int slot, mp_histogram_t *h);
apr_uint64_t mp_metrics_db_errors(mp_dberr_t which);
void mp_metrics_acquire_histogram(mp_histogram_t *h);
apr_uint64_t mp_metrics_acquire_max(void);     /* microseconds */
apr_time_t mp_metrics_started(void);

#endif
