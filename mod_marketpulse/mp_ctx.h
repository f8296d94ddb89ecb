/* The one record of a request that every hook of this module shares,
 * kept in the module's request_config slot (where mod_dbd keeps its
 * own).  It is made at the first hook that sees the request (the
 * translate_name hook, for requests under the API) or on first use, and
 * lives in r->pool.  Each concern owns its field and its type; nothing
 * else in the module keeps per-request state in pool userdata or notes. */
#ifndef MP_CTX_H
#define MP_CTX_H

#include "httpd.h"

#include "mp_router.h"

struct mp_db_req;
struct mp_cache_req;
struct mp_redis_checkout;

typedef struct {
    request_rec *r;
    int ours;                          /* under a MarketPulse <Location> */
    int docs_file;                     /* an asset of the docs page: a
                                          file, which core serves */
    int in_flight;                     /* counted in the metrics' gauge */
    const char *request_id;            /* fixed once (mp_request_id) */
    const mp_route_t *route;           /* once routed (metrics label) */
    struct mp_db_req *db;              /* mp_db: gate slot, connection */
    struct mp_cache_req *cache;        /* mp_cache: keys, generation, lock */
    struct mp_redis_checkout *redis;   /* mp_redis: the checked-out context */
    /* mp_access fills these: who asks, under which limits, what for */
    const char *key_id;                /* the API key's id, "user:<name>"
                                          for r->user, NULL: anonymous */
    const char *tier;                  /* its rate-limit tier, or NULL */
    unsigned scopes;                   /* MP_SCOPE_* it holds */
} mp_ctx_t;

/* This request's record, made on first call. */
mp_ctx_t *mp_ctx(request_rec *r);

#endif
