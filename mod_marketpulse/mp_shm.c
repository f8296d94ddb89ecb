/* Anonymous shared segments made before the fork (mp_shm.h). */
#include <string.h>

#include "apr_shm.h"

#include "mp_log.h"
#include "mp_shm.h"

static apr_status_t forget(void *home)
{
    *(void **)home = NULL;         /* the segment goes with pconf */
    return APR_SUCCESS;
}

void *mp_shm_make(apr_pool_t *pconf, server_rec *s, apr_size_t size,
                  void *home, const char *what)
{
    apr_shm_t *shm;
    apr_status_t rv = apr_shm_create(&shm, size, NULL, pconf);
    void *base;

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, MPLOGNO(01005)
                     "cannot create the shared memory of %s", what);
        return NULL;
    }
    base = apr_shm_baseaddr_get(shm);
    memset(base, 0, size);
    *(void **)home = base;
    apr_pool_cleanup_register(pconf, home, forget, apr_pool_cleanup_null);
    return base;
}
