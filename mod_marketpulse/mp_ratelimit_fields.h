/* The rate-limit header fields' text, per draft-ietf-httpapi-ratelimit-
 * headers-11: RateLimit-Policy: "pro";q=100;w=60 and RateLimit:
 * "pro";r=57;t=23 (structured-field lists of one item, the policy's
 * name a string).  Pure, for the unit tests. */
#ifndef MP_RATELIMIT_FIELDS_H
#define MP_RATELIMIT_FIELDS_H

#include "apr_pools.h"

/* RateLimit-Policy: the quota (q requests) and its window (w seconds). */
const char *mp_rl_policy_field(apr_pool_t *p, const char *policy, long q,
                               int w);

/* RateLimit: what is left (r requests) and for how long (t seconds). */
const char *mp_rl_field(apr_pool_t *p, const char *policy, long r, int t);

/* Milliseconds left as whole seconds for t, Retry-After and
 * X-RateLimit-Reset: rounded up (a client that waits that long finds
 * the window over), at least 1. */
int mp_rl_seconds(apr_uint64_t left_ms);

#endif
