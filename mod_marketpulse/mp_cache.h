/* The cache policy, as the request path sees it: look a read up before
 * its handler runs, store its successful answer on its way out (an
 * output filter, as mod_cache's CACHE_SAVE), invalidate after writes,
 * report figures.  Handlers never see it; it never sees a resource, and
 * it names no backend (mp_cache_backend.h). */
#ifndef MP_CACHE_H
#define MP_CACHE_H

#include <jansson.h>

#include "httpd.h"
#include "util_filter.h"

#include "mp_config.h"
#include "mp_request.h"

/* The output filter that stores answers: registered by the module,
 * added to a request by mp_cache_lookup on a miss. */
#define MP_CACHE_SAVE_FILTER "MARKETPULSE_CACHE_SAVE"
apr_status_t mp_cache_save_filter(ap_filter_t *f, apr_bucket_brigade *bb);

/* A cached answer, to be sent as it is. */
typedef struct {
    const char *body;
    apr_size_t len;
    int not_modified;          /* the client's If-None-Match names it */
} mp_cache_hit_t;

/* Looking up is two steps, so that a step between them (the rate
 * limiter, whose count shares this read's Redis round trip) can still
 * refuse the request before a miss takes a fill lock or waits for one.
 *
 * mp_cache_lookup reads (one round trip in strict mode, none for a
 * notified hit from memory).  Returns 1 with *hit when the cache has a
 * fresh answer (ETag, X-Cache and Cache-Control are set): answer it, or
 * 304 when not_modified.  Returns 0 otherwise; then mp_cache_fill.  path
 * is the route path, ps the decoded query. */
int mp_cache_lookup(request_rec *r, const mp_dir_conf_t *dc,
                    mp_cache_endpoint_t ep, const char *path,
                    const mp_params_t *ps, mp_cache_hit_t *hit);

/* After a lookup that found nothing: takes the fill lock or waits for
 * the request that holds it; 1 with *hit when its answer arrived
 * meanwhile, else 0 and the handler must run (a cacheable answer is
 * stored on its way out).  0 at once for a request not looked up. */
int mp_cache_fill(request_rec *r, mp_cache_hit_t *hit);

/* The request will not be answered with the hit its lookup found (it
 * was refused meanwhile): the hit's headers and count are taken back. */
void mp_cache_decline(request_rec *r);

/* Makes every cached answer stale, on every host sharing the shared
 * backend (and on this host's local one).  *generation gets the new
 * generation.  Not APR_SUCCESS when a shared backend is configured and
 * did not take it: this host is fresh, the others only once it answers
 * again. */
apr_status_t mp_cache_invalidate(request_rec *r, apr_int64_t *generation);

/* /api/health/cache, without the Redis client's state (mp_redis) */
json_t *mp_cache_health(request_rec *r);
/* For /api/ready: the shared backend's name while it serves,
 * "fallback" (configured, not answering), the local backend's name (no
 * shared one configured) or "off". */
const char *mp_cache_state(request_rec *r);

/* Lifecycle, from the module's hooks: the backends' and the policy's
 * own host-wide state. */
void mp_cache_pre_config(apr_pool_t *pconf);
int mp_cache_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);
void mp_cache_child_init(apr_pool_t *p, server_rec *s);

#endif
