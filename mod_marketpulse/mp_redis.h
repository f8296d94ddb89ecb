/* The module's one Redis client (hiredis): per child and per server, a
 * pool of connected contexts, the MarketPulseRedisTimeout on connect and
 * on every command, and a circuit breaker.  The cache uses it, and so
 * will the rate limiter: one set of connections, one timeout, one view
 * of whether Redis is up. */
#ifndef MP_REDIS_H
#define MP_REDIS_H

#include <hiredis/hiredis.h>

#include "httpd.h"

#include "mp_config.h"
#include "mp_resp.h"

/* Not a Redis failure: no pooled context was free in time. */
#define MP_REDIS_BUSY APR_EAGAIN

/* A new context to the server sc names, with its timeout on connect and
 * on every command, logged in (AUTH, SELECT): NULL with *rv when that
 * failed.  For a caller that keeps a connection of its own (the cache's
 * invalidation listener); requests use the pools below. */
redisContext *mp_redis_connect(const mp_srv_conf_t *sc, apr_status_t *rv);

/* Makes this child's context pools (none are connected yet). */
void mp_redis_child_init(apr_pool_t *p, server_rec *s);

/* MarketPulseRedis names a server here and this child has its pool. */
int mp_redis_configured(server_rec *s);

/* Whether this request should call Redis now.  Closed breaker: yes.
 * Open: no, until its open period is over; then one request claims the
 * probe and the others keep away until the probe has answered. */
int mp_redis_admit(request_rec *r);

/* "not_configured", "up", "down" (breaker open) or "unknown" (no call
 * has answered since start-up or since the last failure). */
const char *mp_redis_state(server_rec *s);

/* Runs one command (argv form, binary-safe) on this request's context,
 * checked out on first use and kept until mp_redis_release.  APR_SUCCESS
 * with *reply (freeReplyObject it), MP_REDIS_BUSY, or a failure, which
 * the breaker counts (a context whose call failed is closed). */
apr_status_t mp_redis_command(request_rec *r, int argc, const char **argv,
                              const size_t *lens, redisReply **reply);

/* Pipelining: commands queued on this request's context now, in one
 * append (all of them or none), whose replies are read later: ds[i]
 * gets command i's.  They leave with the next mp_redis_command of the
 * request (one write, one round trip for all, their replies read first)
 * or, when none comes, with mp_redis_collect.  This is how the rate
 * limiter's count shares the cache lookup's round trip without either
 * knowing of the other.  APR_SUCCESS, MP_REDIS_BUSY, APR_ENOTIMPL (no
 * Redis here) or a failure.  Ask mp_redis_admit first, as for a
 * command. */
typedef struct mp_redis_deferred mp_redis_deferred_t;
apr_status_t mp_redis_defer_many(request_rec *r, int n,
                                 const mp_resp_cmd_t *cmds,
                                 mp_redis_deferred_t **ds);

/* The reply of a deferred command, read now if no command carried it:
 * APR_SUCCESS with *reply (freeReplyObject it; it may be an error reply,
 * which the caller judges), or the failure of the round
 * trip that carried it (counted by the breaker once, there). */
apr_status_t mp_redis_collect(request_rec *r, mp_redis_deferred_t *d,
                              redisReply **reply);

/* Gives this request's context back to the pool (also done when the
 * request ends): a context is not held while the handler runs. */
void mp_redis_release(request_rec *r);

#endif
