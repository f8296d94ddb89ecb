/* The invalidation listener of MarketPulseCacheCoherence notified: in
 * each child, a thread subscribed to the Redis channel every
 * invalidation is published on.  A message makes this host's local
 * entries stale at once; a PING answered on the same connection proves
 * that every message published before it was sent has been applied.  The
 * policy (mp_cache.c) serves a hit from this host's memory only while
 * that proof is younger than the bound, and otherwise checks with Redis
 * as in strict mode. */
#ifndef MP_CACHE_LISTEN_H
#define MP_CACHE_LISTEN_H

#include <jansson.h>

#include "httpd.h"

/* post_config: the listener state of server s (notified only), in
 * shared memory made before the fork.  APR_SUCCESS or why not. */
apr_status_t mp_cache_listen_make(apr_pool_t *pconf, server_rec *s);

/* child_init: this child's listener thread for server s (notified
 * only), subscribed to channel, bumping gen_key on the local backend;
 * it stops with the child's pool. */
void mp_cache_listen_start(apr_pool_t *pchild, server_rec *s,
                           const char *channel, const char *gen_key);

/* Whether a hit may come from this host's memory now: the listener of
 * r's server has proved within the bound that it applied every
 * invalidation, and carried (the generation a client says it wrote; 0
 * for none) is not newer than any it has seen. */
int mp_cache_listen_fresh(request_rec *r, apr_uint64_t carried);

/* For /api/health/cache: mode, bound, whether a listener is current,
 * how long ago the last proof, messages and reconnections. */
json_t *mp_cache_listen_health(server_rec *s);

#endif
