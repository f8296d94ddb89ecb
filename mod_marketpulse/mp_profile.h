/* Query profiling: per statement of the registry, count, errors, min,
 * max and total time, a histogram for the p95, slow and very slow counts
 * (MarketPulseSlowQueryMs, MarketPulseVerySlowQueryMs), and a ring of the
 * latest slow statements with their request ids, never their values.
 * Shared by every child (a segment made at post_config), so
 * /api/health/profiling shows the whole host; unlike the Prometheus
 * counters (mp_metrics) it can be reset.  A restart, graceful or not,
 * makes a new segment: the profile starts empty. */
#ifndef MP_PROFILE_H
#define MP_PROFILE_H

#include "httpd.h"

#include "mp_metrics.h"

#define MP_PROFILE_RING 32
#define MP_PROFILE_ID_LEN 128      /* request ids are at most 128 chars */

typedef struct {
    apr_uint64_t count, errors, slow, very_slow;
    apr_uint64_t sum_us, min_us, max_us;   /* min: 0 while count is 0 */
    apr_uint64_t buckets[MP_METRICS_BUCKETS + 1];
} mp_profile_stmt_t;

typedef struct {
    int slot;
    apr_uint64_t took_us;
    apr_time_t at;
    char request_id[MP_PROFILE_ID_LEN + 1];
} mp_profile_slow_t;

int mp_profile_post_config(apr_pool_t *pconf, server_rec *s,
                           int nstatements);

/* A statement of the registry ran for took (failed: it failed); a slow
 * one is logged at warn with the request id and kept in the ring. */
void mp_profile_statement(request_rec *r, int slot, const char *label,
                          apr_interval_time_t took, int failed);

/* Copies of the figures: 0 when the profile is not there. */
int mp_profile_read(int slot, mp_profile_stmt_t *out);
/* The latest slow statements, newest first; returns how many. */
int mp_profile_latest(mp_profile_slow_t *out, int max);
/* The p95 of a statement in microseconds, interpolated in its bucket. */
apr_uint64_t mp_profile_p95(const mp_profile_stmt_t *st);
apr_time_t mp_profile_since(void);

/* Empties the profile and the ring (the metrics stay monotonic). */
void mp_profile_reset(void);

#endif
