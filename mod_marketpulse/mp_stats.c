/* Shared counters: an anonymous shm segment inherited by the children. */
#include "apr_atomic.h"
#include "apr_shm.h"

#include "mp_log.h"
#include "mp_stats.h"

static volatile apr_uint64_t *counters;

static apr_status_t forget(void *unused)
{
    (void)unused;
    counters = NULL;               /* the segment goes with pconf */
    return APR_SUCCESS;
}

/* post_config runs again on every restart with a fresh pconf: each run
 * makes its own segment (figures restart at 0).  Per-process figures
 * would jump between requests, so without the segment httpd does not
 * start. */
int mp_stats_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_shm_t *shm;
    apr_status_t rv;

    apr_pool_cleanup_register(pconf, NULL, forget, apr_pool_cleanup_null);
    rv = apr_shm_create(&shm, sizeof(apr_uint64_t) * MP_STAT_COUNT, NULL,
                        pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, MPLOGNO(01002)
                     "cannot create the shared memory of the figures");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    counters = apr_shm_baseaddr_get(shm);
    for (int i = 0; i < MP_STAT_COUNT; i++) {
        counters[i] = 0;
    }
    return OK;
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
