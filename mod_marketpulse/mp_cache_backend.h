/* The operations a cache backend offers the cache policy (mp_cache.c).
 * Two backends: Redis through hiredis (shared by every host) and
 * mod_socache_shmcb (shared by the children of one host).  Values are
 * bytes; keys are text.  Every call may fail: the policy then falls back
 * or serves uncached, never fails the request. */
#ifndef MP_CACHE_BACKEND_H
#define MP_CACHE_BACKEND_H

#include "httpd.h"

typedef struct {
    const char *name;
    /* Reads n keys in one round trip; vals[i] is NULL when key i is
     * absent. */
    apr_status_t (*get)(request_rec *r, int n, const char *const *keys,
                        const char **vals, apr_size_t *lens);
    apr_status_t (*set)(request_rec *r, const char *key, const char *val,
                        apr_size_t len, apr_interval_time_t ttl);
    /* Sets key to val only when it is absent (ttl 0: no expiry):
     * APR_SUCCESS when this call set it, APR_EEXIST when it was there. */
    apr_status_t (*add)(request_rec *r, const char *key, const char *val,
                        apr_interval_time_t ttl);
    /* Deletes key only while it holds val: a lock only its owner frees. */
    apr_status_t (*del_if)(request_rec *r, const char *key, const char *val);
    /* Adds one to an integer key and returns the new value.  NULL where
     * the policy keeps the generation elsewhere (shared memory keeps its
     * in a shared counter that cannot be evicted). */
    apr_status_t (*incr)(request_rec *r, const char *key, apr_int64_t *val);
    /* Ends this request's use for now (a pooled connection goes back). */
    void (*release)(request_rec *r);
} mp_cache_backend_t;

/* Not a backend failure: no pooled connection was free in time. */
#define MP_CACHE_BUSY APR_EAGAIN

extern const mp_cache_backend_t mp_cache_redis;
extern const mp_cache_backend_t mp_cache_shm;

/* mp_cache_redis.c */
int mp_cache_redis_configured(server_rec *s);
void mp_cache_redis_child_init(apr_pool_t *p, server_rec *s);

/* mp_cache_shm.c */
void mp_cache_shm_pre_config(apr_pool_t *pconf);
int mp_cache_shm_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                             server_rec *s);
void mp_cache_shm_child_init(apr_pool_t *p, server_rec *s);
int mp_cache_shm_available(void);

#endif
