/* Shared counters: an anonymous shm segment inherited by the children. */
#include "apr_atomic.h"

#include "mp_shm.h"
#include "mp_stats.h"

static volatile apr_uint64_t *counters;

/* post_config runs again on every restart with a fresh pconf: each run
 * makes its own segment (figures restart at 0).  Per-process figures
 * would jump between requests, so without the segment httpd does not
 * start. */
int mp_stats_post_config(apr_pool_t *pconf, server_rec *s)
{
    return mp_shm_make(pconf, s, sizeof(apr_uint64_t) * MP_STAT_COUNT,
                       &counters, "the figures")
           ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

void mp_stat_add(mp_stat_t which, apr_uint64_t n)
{
    if (counters) {
        apr_atomic_add64(&counters[which], n);
    }
}

void mp_stat_sub(mp_stat_t which, apr_uint64_t n)
{
    if (counters) {
        apr_atomic_sub64(&counters[which], n);
    }
}

void mp_stat_set(mp_stat_t which, apr_uint64_t value)
{
    if (counters) {
        apr_atomic_set64(&counters[which], value);
    }
}

apr_uint64_t mp_stat_get(mp_stat_t which)
{
    return counters ? apr_atomic_read64(&counters[which]) : 0;
}
