/* What a cache backend offers the cache policy (mp_cache.c), the way
 * mod_auth_openidc's oidc_cache_t does: its lifecycle and a few
 * operations on bytes under text keys.  Backends register as providers
 * of MP_CACHE_PROVIDER_GROUP (mod_marketpulse.c); the policy finds them
 * there and tells them apart only by scope.  Every call may fail: the
 * policy then moves to the next backend or serves uncached, never fails
 * the request.
 *
 * A backend keeps a generation per gen_key, a number that only grows and
 * is never reused (it starts at the clock): the policy stores entries
 * under it and bumps it to make every entry stale. */
#ifndef MP_CACHE_BACKEND_H
#define MP_CACHE_BACKEND_H

#include "httpd.h"

#define MP_CACHE_PROVIDER_GROUP "marketpulse-cache"
#define MP_CACHE_PROVIDER_VERSION "1"

typedef enum {
    MP_CACHE_SHARED,           /* shared by every host: used first */
    MP_CACHE_LOCAL             /* shared by this host's children: the
                                  fallback, and the cache without one */
} mp_cache_scope_t;

typedef struct {
    const char *name;          /* in /api/health/cache and the logs */
    mp_cache_scope_t scope;

    /* Lifecycle, from the module's hooks; NULL where there is nothing to
     * do.  post_config returns OK or an HTTP status that stops start-up
     * (it has logged why). */
    void (*pre_config)(apr_pool_t *pconf);
    int (*post_config)(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);
    void (*child_init)(apr_pool_t *p, server_rec *s);

    /* Whether it serves server s at all (configured and created). */
    int (*available)(server_rec *s);
    /* Whether this request should call it now (a breaker may say no, and
     * let one request probe); NULL: always.  down() asks the same
     * without claiming the probe, for the figures. */
    int (*admit)(request_rec *r);
    int (*down)(server_rec *s);

    /* Reads the generation under gen_key and n entries in one round trip:
     * *gen NULL when there is no generation yet (seed one with add),
     * vals[i] NULL when key i is absent.  keys[0] is an entry, which is
     * set and never deleted, so a backend may answer it from a copy of
     * its own taken under the same generation; any others (fill locks)
     * it reads as they are now. */
    apr_status_t (*read)(request_rec *r, const char *gen_key, int n,
                         const char *const *keys, const char **gen,
                         const char **vals, apr_size_t *lens);
    /* APR_ENOSPC: too large to keep here (not a failure). */
    apr_status_t (*set)(request_rec *r, const char *key, const char *val,
                        apr_size_t len, apr_interval_time_t ttl);
    /* Sets key to val only when it is absent (ttl 0: no expiry):
     * APR_SUCCESS when this call set it, APR_EEXIST when it was there. */
    apr_status_t (*add)(request_rec *r, const char *key, const char *val,
                        apr_interval_time_t ttl);
    /* Deletes key only while it holds val: a lock only its owner frees. */
    apr_status_t (*del_if)(request_rec *r, const char *key, const char *val);
    /* Adds one to the generation under gen_key; *gen gets the new one.
     * A shared backend announces it to the hosts' listeners; a local
     * one is also bumped by a listener, which has no request (r NULL). */
    apr_status_t (*bump)(request_rec *r, const char *gen_key,
                         apr_int64_t *gen);
    /* The same only where gen_key exists: for the generations of earlier
     * formats, which this build neither reads nor creates.  NULL where a
     * backend is not shared by builds (one host's shared memory). */
    apr_status_t (*bump_existing)(request_rec *r, const char *gen_key);
    /* Ends this request's use for now (a pooled connection goes back). */
    void (*release)(request_rec *r);
} mp_cache_backend_t;

/* Not a backend failure: no pooled connection was free in time. */
#define MP_CACHE_BUSY APR_EAGAIN

/* mp_cache_backends.c: the backend of that scope serving s, or NULL; and
 * the backends' lifecycle hooks, each in turn (pre_config first finds the
 * registered backends). */
const mp_cache_backend_t *mp_cache_backend(server_rec *s,
                                           mp_cache_scope_t scope);
void mp_cache_backends_pre_config(apr_pool_t *pconf);
int mp_cache_backends_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                                  server_rec *s);
void mp_cache_backends_child_init(apr_pool_t *p, server_rec *s);

extern const mp_cache_backend_t mp_cache_redis;
extern const mp_cache_backend_t mp_cache_shm;

#endif
