/* Counters shared by every child process: one anonymous shared-memory
 * segment made before the fork, updated with atomic adds, so a figure
 * read from any child is the sum over all of them. */
#ifndef MP_STATS_H
#define MP_STATS_H

#include "httpd.h"

typedef enum {
    MP_STAT_CACHE_HITS,
    MP_STAT_CACHE_MISSES,
    MP_STAT_CACHE_STORES,
    MP_STAT_CACHE_ERRORS,          /* a backend call that failed */
    MP_STAT_CACHE_FALLBACKS,       /* requests served by shm while Redis is configured */
    MP_STAT_CACHE_LOCK_WAITS,      /* misses that waited for another's fill */
    MP_STAT_CACHE_INVALIDATIONS,
    MP_STAT_CACHE_LOCAL_HITS,      /* of the hits, served without asking Redis (notified) */
    MP_STAT_REDIS_UP,              /* gauge: 1 when the last Redis call worked */
    MP_STAT_REQUESTS_IN_FLIGHT,    /* gauge: API requests begun, not logged */
    MP_STAT_DB_CONNECTIONS,        /* gauge: pooled connections held */
    MP_STAT_GATE_WAITS,            /* statements that found no slot free */
    MP_STAT_GATE_TIMEOUTS,         /* of those, given up: 503 busy */
    MP_STAT_EXPORT_GATE_WAITS,     /* exports that found no export slot free */
    MP_STAT_EXPORT_GATE_TIMEOUTS,  /* of those, given up: 503 */
    MP_STAT_TXN_INSERTED,          /* transactions written by POST */
    MP_STAT_TXN_BATCHES,           /* POSTs that wrote (one or a batch) */
    MP_STAT_TXN_UPDATED,           /* PATCHes that wrote */
    MP_STAT_IDEM_REPLAYS,          /* answers given again for a key */
    MP_STAT_IDEM_CONFLICTS,        /* keys refused (409) */
    MP_STAT_EXPORT_ROWS,
    MP_STAT_EXPORT_BYTES,
    MP_STAT_RL_LIMITED,            /* requests refused with 429 */
    MP_STAT_RL_LOCAL,              /* counted per host: Redis could not */
    MP_STAT_RL_OPEN,               /* let through uncounted (fallback open) */
    MP_STAT_RL_CLOSED,             /* refused with 503 (fallback closed) */
    MP_STAT_COUNT
} mp_stat_t;

/* Made in post_config, before the fork; OK, or an HTTP status that
 * stops start-up (logged). */
int mp_stats_post_config(apr_pool_t *pconf, server_rec *s);
void mp_stat_add(mp_stat_t which, apr_uint64_t n);
void mp_stat_sub(mp_stat_t which, apr_uint64_t n);
void mp_stat_set(mp_stat_t which, apr_uint64_t value);
apr_uint64_t mp_stat_get(mp_stat_t which);

#endif
