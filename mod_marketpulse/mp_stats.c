/* Shared counters: an anonymous shm segment inherited by the children. */
#include "apr_atomic.h"
#include "apr_shm.h"
#include "apr_time.h"

#include "mp_stats.h"

static volatile apr_uint64_t *counters;
static apr_uint64_t local[MP_STAT_COUNT];   /* when shm is not available */

static apr_status_t forget(void *unused)
{
    (void)unused;
    counters = NULL;               /* the segment goes with pconf */
    return APR_SUCCESS;
}

/* Called from post_config, which runs again on every restart with a
 * fresh pconf: each run makes its own segment (figures restart at 0). */
apr_status_t mp_stats_create(apr_pool_t *pconf)
{
    apr_shm_t *shm;
    apr_status_t rv;

    apr_pool_cleanup_register(pconf, NULL, forget, apr_pool_cleanup_null);
    rv = apr_shm_create(&shm, sizeof(apr_uint64_t) * MP_STAT_COUNT, NULL,
                        pconf);
    if (rv != APR_SUCCESS) {
        counters = local;
        return rv;
    }
    counters = apr_shm_baseaddr_get(shm);
    for (int i = 0; i < MP_STAT_COUNT; i++) {
        counters[i] = 0;
    }
    /* generations start at the clock (microseconds): never a number used
     * before, nor one the Redis generation (also clock-seeded) will reach
     * by counting */
    counters[MP_STAT_SHM_GENERATION] = (apr_uint64_t)apr_time_now();
    return APR_SUCCESS;
}

void mp_stat_add(mp_stat_t which, apr_uint64_t n)
{
    if (counters) {
        apr_atomic_add64(&counters[which], n);
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
