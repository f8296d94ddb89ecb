/* Timestamps as the API writes them, from PostgreSQL's own text.
 *
 * Row statements select a timestamp as `col AT TIME ZONE 'UTC'` (a UTC
 * `timestamp`), which every session of ours prints in DateStyle ISO
 * (mp_db pins it): "2025-11-20 13:45:07" or "2025-11-20 13:45:07.0123".
 * Rewriting that text here costs a few nanoseconds; PostgreSQL's to_char
 * cost a third of a list page's statement. */
#ifndef MP_TIMESTAMP_H
#define MP_TIMESTAMP_H

#include <stddef.h>

#include "apr_pools.h"
#include "apr_time.h"

/* Room for any result, with its NUL */
#define MP_TS_MAX 40

/* Writes pg as RFC 3339 into out: "2025-11-20T13:45:07Z", or with
 * micro "2025-11-20T13:45:07.012300Z" (the exact key a cursor keeps).
 * Returns the length written, or 0 when pg is not a finite timestamp of
 * the Common Era in that form ("infinity", "... BC"): callers show such
 * a value as PostgreSQL printed it. */
size_t mp_ts_rfc3339(const char *pg, int micro, char out[MP_TS_MAX]);

/* An APR time as RFC 3339 UTC to the millisecond:
 * "2026-12-02T21:05:07.123Z" (error bodies, the profile). */
const char *mp_ts_of_time(apr_pool_t *p, apr_time_t t);

#endif
