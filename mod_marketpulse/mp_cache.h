/* The cache policy, as the request path sees it: look a read up before
 * its handler runs, store its successful answer, invalidate after
 * writes, report figures.  Handlers never see it; it never sees a
 * resource.  Backends: mp_cache_backend.h. */
#ifndef MP_CACHE_H
#define MP_CACHE_H

#include <jansson.h>

#include "httpd.h"

#include "mp_config.h"
#include "mp_request.h"

/* Serves the request from the cache (a hit, or 304 for a matching
 * If-None-Match) and returns OK, or returns DECLINED: the handler runs,
 * and its answer goes through mp_cache_store.  path is the route path,
 * ps the decoded query. */
int mp_cache_lookup(request_rec *r, const mp_dir_conf_t *dc,
                    mp_cache_endpoint_t ep, const char *path,
                    const mp_params_t *ps);

/* Frees this request's fill lock as soon as its handler is done, answer
 * stored or not, so requests waiting for it stop waiting. */
void mp_cache_release_lock(request_rec *r);

/* For a 200 answer about to be sent: sets ETag, X-Cache: MISS and
 * Cache-Control, stores the bytes, and returns 1 when the client's
 * If-None-Match names them (answer 304, no body). */
int mp_cache_store(request_rec *r, const char *body, apr_size_t len);

/* Makes every cached answer stale, on every host sharing the Redis (and
 * on this host's shared memory).  *generation gets the new generation.
 * Not APR_SUCCESS when Redis is configured and did not take it: this
 * host is fresh, the others only once Redis answers again. */
apr_status_t mp_cache_invalidate(request_rec *r, apr_int64_t *generation);

/* /api/health/cache */
json_t *mp_cache_health(request_rec *r);
/* For /api/ready: "redis", "fallback" (Redis configured, not answering),
 * "shm" (no Redis configured) or "off". */
const char *mp_cache_state(request_rec *r);

void mp_cache_pre_config(apr_pool_t *pconf);
int mp_cache_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);
void mp_cache_child_init(apr_pool_t *p, server_rec *s);

#endif
