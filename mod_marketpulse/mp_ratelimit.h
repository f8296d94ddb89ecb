/* Rate limits: a count per bucket and window, kept in Redis so that it
 * holds across every child and every host sharing the Redis, with a
 * per-host count in shared memory (or none, or 503) while Redis is down
 * (MarketPulseRateLimitFallback).  A window is fixed: it starts at the
 * bucket's first counted request and ends window_s later, by Redis's
 * clock (the key's expiry), so the hosts' clocks never matter.
 *
 * Two uses.  The request step (mp_handler): the tier of the client (set
 * by the access step in mp_ctx, else the "anonymous" tier by client
 * address) counted once per request, its Redis call queued so that it
 * shares the cache lookup's round trip.  And a generic counted window
 * (mp_ratelimit_take/peek) for other limits, e.g. failed
 * authentications per client address. */
#ifndef MP_RATELIMIT_H
#define MP_RATELIMIT_H

#include "httpd.h"

#include "mp_config.h"
#include "mp_problem.h"
#include "mp_redis.h"
#include "mp_router.h"

/* The tier that limits clients without a key, by address. */
#define MP_RL_ANONYMOUS_TIER "anonymous"

typedef enum {
    MP_RL_UNLIMITED,           /* no limit applies: no header fields */
    MP_RL_PASS,                /* within the quota */
    MP_RL_LIMITED,             /* over it: 429 */
    MP_RL_UNAVAILABLE          /* Redis down and the fallback closed: 503 */
} mp_rl_verdict_t;

typedef struct {
    mp_rl_verdict_t verdict;
    const char *policy;        /* the name in the fields: the tier's, or
                                  the bucket up to its first ':' */
    long limit;                /* q */
    int window_s;              /* w */
    long remaining;            /* r: after this request */
    int reset_s;               /* t: seconds until the window ends */
    const char *counted_by;    /* "redis", "local", or NULL: not counted
                                  (unlimited, or Redis down and the
                                  fallback open or closed) */
} mp_ratelimit_state_t;

/* Counts one request in bucket ("authfail:<address>": any text; the
 * window length is added to its key) with limit requests per window_s
 * seconds, and says whether it is within: PASS, LIMITED or
 * UNAVAILABLE.  A refused request never prolongs the window (in Redis
 * it is counted past the limit, per host it is not counted).  One Redis
 * round trip, or the fallback. */
mp_rl_verdict_t mp_ratelimit_take(request_rec *r, const char *bucket,
                                  long limit, int window_s,
                                  mp_ratelimit_state_t *out);

/* The same without counting: LIMITED when the bucket's count has
 * reached limit already (refuse before doing the work whose failure
 * mp_ratelimit_take would count). */
mp_rl_verdict_t mp_ratelimit_peek(request_rec *r, const char *bucket,
                                  long limit, int window_s,
                                  mp_ratelimit_state_t *out);

/* Puts RateLimit-Policy and RateLimit (and X-RateLimit-Limit,
 * -Remaining, -Reset where MarketPulseRateLimitLegacyHeaders is On) in
 * err_headers_out, so every answer of the request carries them, errors
 * included.  Nothing for a state that was not counted. */
void mp_ratelimit_headers(request_rec *r, const mp_ratelimit_state_t *st);

/* The problem of a refused state, for mp_respond_problem: 429
 * (RATE_LIMITED, Retry-After: the window's end) or 503 (UNAVAILABLE,
 * Retry-After: 1).  Also sets the header fields.  0 when the state is
 * not refused. */
int mp_ratelimit_problem(request_rec *r, const mp_ratelimit_state_t *st,
                         mp_problem_t *pb);

/* The request step, in two halves around the cache lookup.  begin
 * decides the tier and bucket and queues the count on the request's
 * Redis context (mp_redis_defer_many), so that the lookup's read carries it;
 * check reads its reply (a round trip of its own if nothing carried
 * it), sets the fields, and returns 1 with *pb when the request is
 * refused.  Routes flagged MP_ROUTE_PUBLIC and <Location>s with
 * MarketPulseRateLimit Off are never limited. */
typedef struct {
    int active;                /* a limit applies */
    const char *policy;
    const char *key;           /* the bucket's Redis key */
    long limit;
    int window_s;
    mp_redis_deferred_t *queued;   /* the count; NULL: not on Redis */
    mp_redis_deferred_t *queued_ttl;   /* the window's time left */
    apr_status_t queue_rv;
} mp_ratelimit_req_t;

void mp_ratelimit_begin(request_rec *r, const mp_dir_conf_t *dc,
                        const mp_route_t *route, mp_ratelimit_req_t *rl);
int mp_ratelimit_check(request_rec *r, mp_ratelimit_req_t *rl,
                       mp_problem_t *pb);

/* Lifecycle: the per-host table in shared memory (post_config, before
 * the fork); the per-child state (child_init). */
int mp_ratelimit_post_config(apr_pool_t *pconf, server_rec *s);
void mp_ratelimit_child_init(apr_pool_t *p, server_rec *s);

#endif
