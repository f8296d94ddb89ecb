/* Rate limits (mp_ratelimit.h): the count in Redis, two commands per
 * request, queued so that the cache lookup's round trip carries it; the
 * fallback while Redis cannot count; the header fields and the 429.
 *
 * The key of a bucket is <MarketPulseCachePrefix>rl:<bucket>:<window>:
 * beside the cache's keys but never among them (the cache's are
 * <prefix>v2:...), and clearing the cache only bumps a generation, so it
 * never touches a count.  The window is in the key so that an operator
 * who changes it starts clean windows instead of inheriting old
 * expiries. */
#include <string.h>
#include <time.h>

#include "httpd.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"
#include "http_config.h"

#include "mp_ctx.h"
#include "mp_log.h"
#include "mp_ratelimit.h"
#include "mp_ratelimit_fields.h"
#include "mp_ratelimit_local.h"
#include "mp_shm.h"
#include "mp_stats.h"

/* The count in Redis: INCR of the bucket's key, then its PTTL, queued
 * together.  INCR is atomic, so with any number of clients on any number
 * of hosts each count from 1 up is handed out once, and the request
 * passes when its count is within the limit.  The key's life is the
 * window: the request whose INCR made it finds no expiry (PTTL -1) and
 * gives it the window, in a round trip of its own once per bucket and
 * window; a request that finds a key still without one (its maker's
 * PEXPIRE not arrived yet, or lost) does the same, which can only
 * stretch a window by that moment.  Requests past the quota are counted
 * too but extend nothing (INCR keeps the expiry).  Two plain commands
 * rather than a Lua script or a MULTI/EXEC block because Redis and
 * httpd run them for every limited request of every host: INFO
 * commandstats gave 6.1 us of Redis's time per EVALSHA of a script,
 * 2.1 us for MULTI, SET PX NX, INCR, PTTL and EXEC, about 0.6 for these
 * two; and parsing a transaction's five replies was a third of the
 * instructions a limit added to a cached hit in httpd.  A peek (the
 * failed-authentication limit) is GET and PTTL, counting nothing. */
#define STEP_ARGS 2

typedef struct {
    const char *argv[STEP_ARGS];
    size_t lens[STEP_ARGS];
} step_t;

static mp_rl_slot_t *table;              /* the per-host counts */
static apr_thread_mutex_t *unknown_lock; /* per child: tiers logged */
static apr_hash_t *unknown_logged;
static apr_pool_t *child_pool;

int mp_ratelimit_post_config(apr_pool_t *pconf, server_rec *s)
{
    return mp_shm_make(pconf, s, sizeof(mp_rl_slot_t) * MP_RL_LOCAL_SLOTS,
                       &table, "the rate limits' per-host counts")
           ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

void mp_ratelimit_child_init(apr_pool_t *p, server_rec *s)
{
    (void)s;
    child_pool = p;
    unknown_logged = apr_hash_make(p);
    if (apr_thread_mutex_create(&unknown_lock, APR_THREAD_MUTEX_DEFAULT, p)
        != APR_SUCCESS) {
        unknown_lock = NULL;     /* then such a tier is logged every time */
    }
}

/* Milliseconds of the host's monotonic clock: the same in every child,
 * and a step of the wall clock cannot end or stretch a window. */
static apr_uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (apr_uint64_t)ts.tv_sec * 1000 + (apr_uint64_t)ts.tv_nsec / 1000000;
}

static const mp_srv_conf_t *srv_conf(request_rec *r)
{
    return ap_get_module_config(r->server->module_config,
                                &marketpulse_module);
}

static void prepare(request_rec *r, mp_ratelimit_req_t *rl,
                    const char *policy, const char *bucket, long limit,
                    int window_s)
{
    memset(rl, 0, sizeof(*rl));
    rl->active = 1;
    rl->policy = policy;
    rl->key = apr_pstrcat(r->pool, mp_conf_cache_prefix(srv_conf(r)),
                          "rl:", bucket, ":", apr_itoa(r->pool, window_s),
                          NULL);
    rl->limit = limit;
    rl->window_s = window_s;
}

/* The two commands (see above) queued on the request's Redis context
 * (not sent yet): rl->queued gets the count's reply, rl->queued_ttl the
 * PTTL's. */
static void queue(request_rec *r, mp_ratelimit_req_t *rl, int take)
{
    size_t key_len = strlen(rl->key);
    step_t steps[2] = {
        { { take ? "INCR" : "GET", rl->key }, { take ? 4 : 3, key_len } },
        { { "PTTL", rl->key }, { 4, key_len } }
    };
    mp_resp_cmd_t cmds[2];
    mp_redis_deferred_t *ds[2];

    rl->queued = rl->queued_ttl = NULL;
    if (!mp_redis_configured(r->server)) {
        rl->queue_rv = APR_ENOTIMPL;
        return;
    }
    if (!mp_redis_admit(r)) {
        rl->queue_rv = APR_EGENERAL;       /* its breaker is open */
        return;
    }
    for (int i = 0; i < 2; i++) {
        cmds[i] = (mp_resp_cmd_t){ STEP_ARGS, steps[i].argv, steps[i].lens };
    }
    rl->queue_rv = mp_redis_defer_many(r, 2, cmds, ds);
    if (rl->queue_rv == APR_SUCCESS) {
        rl->queued = ds[0];
        rl->queued_ttl = ds[1];
    }
}

/* The count's and the PTTL's replies as a state; 0 when they are not
 * those.  A take is within the quota when its count is; a peek when the
 * count has not reached it.  *expiry_missing: the key has no expiry
 * yet, which the caller gives it. */
static int state_of(const redisReply *count_r, const redisReply *left_r,
                    const mp_ratelimit_req_t *rl, int take,
                    mp_ratelimit_state_t *out, int *expiry_missing)
{
    long long count, left;

    if (left_r->type != REDIS_REPLY_INTEGER) {
        return 0;
    }
    if (count_r->type == REDIS_REPLY_INTEGER) {
        count = count_r->integer;
    }
    else if (!take && count_r->type == REDIS_REPLY_NIL) {
        count = 0;
    }
    else if (!take && count_r->type == REDIS_REPLY_STRING) {
        count = apr_atoi64(count_r->str);
    }
    else {
        return 0;
    }
    left = left_r->integer;
    /* -1: no expiry; -2: gone since the INCR (its window just ended) */
    *expiry_missing = take && left == -1;
    if (left < 0) {
        left = (long long)rl->window_s * 1000;
    }
    out->verdict = (take ? count <= rl->limit : count < rl->limit)
                   ? MP_RL_PASS : MP_RL_LIMITED;
    out->remaining = count >= rl->limit ? 0 : rl->limit - (long)count;
    out->reset_s = mp_rl_seconds((apr_uint64_t)left);
    out->counted_by = "redis";
    return 1;
}

/* A key without an expiry would count forever: it gets the window (a
 * round trip of its own, once per bucket and window). */
static void restore_expiry(request_rec *r, const mp_ratelimit_req_t *rl)
{
    const char *ms = apr_ltoa(r->pool, (long)rl->window_s * 1000);
    const char *argv[3] = { "PEXPIRE", rl->key, ms };
    size_t lens[3] = { 7, strlen(rl->key), strlen(ms) };
    redisReply *reply = NULL;

    if (mp_redis_command(r, 3, argv, lens, &reply) == APR_SUCCESS) {
        freeReplyObject(reply);
    }
}

/* The count from Redis: 1 with *out, 0 when Redis could not give it. */
static int redis_count(request_rec *r, mp_ratelimit_req_t *rl, int take,
                       mp_ratelimit_state_t *out)
{
    redisReply *count_r = NULL, *left_r = NULL;
    int ok = 0, expiry_missing = 0;

    if (rl->queued == NULL) {
        return 0;
    }
    /* mp_redis logs and counts a failed round trip */
    if (mp_redis_collect(r, rl->queued, &count_r) == APR_SUCCESS
        && mp_redis_collect(r, rl->queued_ttl, &left_r) == APR_SUCCESS) {
        ok = state_of(count_r, left_r, rl, take, out, &expiry_missing);
        if (!ok) {
            const redisReply *bad = count_r->type == REDIS_REPLY_ERROR
                                    ? count_r : left_r;

            mp_rlog(APLOG_WARNING, 0, r, MPLOGNO(01601), "Redis answered "
                    "the rate-limit count with %s",
                    bad->type == REDIS_REPLY_ERROR ? bad->str
                                                   : "an unexpected reply");
        }
    }
    rl->queued = rl->queued_ttl = NULL;
    if (count_r) {
        freeReplyObject(count_r);
    }
    if (left_r) {
        freeReplyObject(left_r);
    }
    if (expiry_missing) {
        restore_expiry(r, rl);
    }
    return ok;
}

/* Redis could not count: MarketPulseRateLimitFallback decides (without
 * any Redis configured the host's own count is the only one). */
static void fallback(request_rec *r, mp_ratelimit_req_t *rl, int take,
                     mp_ratelimit_state_t *out)
{
    int mode = rl->queue_rv == APR_ENOTIMPL
        ? MP_RL_FALLBACK_LOCAL : mp_conf_rl_fallback(srv_conf(r));
    mp_rl_count_t c;

    if (mode == MP_RL_FALLBACK_LOCAL && table != NULL) {
        mp_rl_local_count(table, MP_RL_LOCAL_SLOTS, mp_rl_hash(rl->key),
                          rl->limit, (apr_uint64_t)rl->window_s * 1000,
                          now_ms(), take, &c);
        out->verdict = c.allowed ? MP_RL_PASS : MP_RL_LIMITED;
        out->remaining = rl->limit - c.count;
        out->reset_s = mp_rl_seconds(c.left_ms);
        out->counted_by = "local";
        mp_stat_add(MP_STAT_RL_LOCAL, 1);
    }
    else if (mode == MP_RL_FALLBACK_CLOSED) {
        out->verdict = MP_RL_UNAVAILABLE;
        mp_stat_add(MP_STAT_RL_CLOSED, 1);
    }
    else {
        out->verdict = MP_RL_PASS;         /* open: uncounted */
        mp_stat_add(MP_STAT_RL_OPEN, 1);
    }
}

static mp_rl_verdict_t finish(request_rec *r, mp_ratelimit_req_t *rl,
                              int take, mp_ratelimit_state_t *out)
{
    memset(out, 0, sizeof(*out));
    out->policy = rl->policy;
    out->limit = rl->limit;
    out->window_s = rl->window_s;
    out->reset_s = rl->window_s;
    out->remaining = rl->limit;
    if (!redis_count(r, rl, take, out)) {
        fallback(r, rl, take, out);
    }
    /* the context is not held past the count: the handler may run long */
    mp_redis_release(r);
    return out->verdict;
}

/* The policy of a bucket: its text up to the first ':'. */
static const char *policy_of(request_rec *r, const char *bucket)
{
    const char *colon = strchr(bucket, ':');

    return colon ? apr_pstrmemdup(r->pool, bucket,
                                  (apr_size_t)(colon - bucket))
                 : bucket;
}

static mp_rl_verdict_t generic(request_rec *r, const char *bucket,
                               long limit, int window_s, int take,
                               mp_ratelimit_state_t *out)
{
    mp_ratelimit_req_t rl;

    prepare(r, &rl, policy_of(r, bucket), bucket, limit, window_s);
    queue(r, &rl, take);
    return finish(r, &rl, take, out);
}

mp_rl_verdict_t mp_ratelimit_take(request_rec *r, const char *bucket,
                                  long limit, int window_s,
                                  mp_ratelimit_state_t *out)
{
    return generic(r, bucket, limit, window_s, 1, out);
}

mp_rl_verdict_t mp_ratelimit_peek(request_rec *r, const char *bucket,
                                  long limit, int window_s,
                                  mp_ratelimit_state_t *out)
{
    return generic(r, bucket, limit, window_s, 0, out);
}

void mp_ratelimit_headers(request_rec *r, const mp_ratelimit_state_t *st)
{
    const mp_dir_conf_t *dc = ap_get_module_config(r->per_dir_config,
                                                   &marketpulse_module);
    long left = st->remaining < 0 ? 0 : st->remaining;

    if (st->counted_by == NULL) {
        return;                    /* unlimited, or not counted */
    }
    apr_table_setn(r->err_headers_out, "RateLimit-Policy",
                   mp_rl_policy_field(r->pool, st->policy, st->limit,
                                      st->window_s));
    apr_table_setn(r->err_headers_out, "RateLimit",
                   mp_rl_field(r->pool, st->policy, left, st->reset_s));
    if (mp_conf_rl_legacy(dc)) {
        apr_table_setn(r->err_headers_out, "X-RateLimit-Limit",
                       apr_ltoa(r->pool, st->limit));
        apr_table_setn(r->err_headers_out, "X-RateLimit-Remaining",
                       apr_ltoa(r->pool, left));
        apr_table_setn(r->err_headers_out, "X-RateLimit-Reset",
                       apr_itoa(r->pool, st->reset_s));
    }
}

int mp_ratelimit_problem(request_rec *r, const mp_ratelimit_state_t *st,
                         mp_problem_t *pb)
{
    mp_ratelimit_headers(r, st);
    if (st->verdict == MP_RL_LIMITED) {
        mp_stat_add(MP_STAT_RL_LIMITED, 1);
        mp_problem_set(pb, HTTP_TOO_MANY_REQUESTS, apr_psprintf(r->pool,
                       "Too many requests: the quota \"%s\" (%ld requests "
                       "per %d s) is used up; retry in %d s.", st->policy,
                       st->limit, st->window_s, st->reset_s), NULL);
        pb->retry_after = st->reset_s;
        return 1;
    }
    if (st->verdict == MP_RL_UNAVAILABLE) {
        mp_problem_set(pb, HTTP_SERVICE_UNAVAILABLE, "Rate limits cannot be "
                       "checked now (their store is unavailable); retry "
                       "shortly.", NULL);
        pb->retry_after = 1;
        return 1;
    }
    return 0;
}

/* A tier the access step named that no MarketPulseTier defines (a key
 * made for a tier since removed): limited as anonymous clients are, but
 * counted per key, and said once per child. */
static void unknown_tier(request_rec *r, const char *tier)
{
    int first = 1;

    if (unknown_lock) {
        apr_thread_mutex_lock(unknown_lock);
        first = apr_hash_get(unknown_logged, tier, APR_HASH_KEY_STRING)
                == NULL;
        if (first && apr_hash_count(unknown_logged) < 64) {
            const char *copy = apr_pstrdup(child_pool, tier);

            apr_hash_set(unknown_logged, copy, APR_HASH_KEY_STRING, copy);
        }
        apr_thread_mutex_unlock(unknown_lock);
    }
    if (first) {
        mp_rlog(APLOG_WARNING, 0, r, MPLOGNO(01602), "no MarketPulseTier "
                "defines the tier \"%s\" of this client; it gets the "
                "limits of the tier \"" MP_RL_ANONYMOUS_TIER "\", counted "
                "per key (said once per process and tier)", tier);
    }
}

void mp_ratelimit_begin(request_rec *r, const mp_dir_conf_t *dc,
                        const mp_route_t *route, mp_ratelimit_req_t *rl)
{
    const mp_srv_conf_t *sc = srv_conf(r);
    const mp_ctx_t *ctx = mp_ctx(r);
    const mp_tier_t *tier;
    const char *identity;

    memset(rl, 0, sizeof(*rl));
    if (!mp_conf_ratelimit(dc) || (route->flags & MP_ROUTE_PUBLIC)) {
        return;
    }
    /* a key's (or mapped user's) own count; else the client address,
     * which mod_remoteip may have taken from a trusted proxy's header */
    identity = ctx->key_id ? apr_pstrcat(r->pool, "key:", ctx->key_id, NULL)
                           : apr_pstrcat(r->pool, "ip:", r->useragent_ip,
                                         NULL);
    tier = mp_conf_tier(sc, ctx->tier ? ctx->tier : MP_RL_ANONYMOUS_TIER);
    if (tier == NULL && ctx->tier) {
        unknown_tier(r, ctx->tier);
        tier = mp_conf_tier(sc, MP_RL_ANONYMOUS_TIER);
    }
    if (tier == NULL || tier->limit == 0) {
        return;                    /* unlimited */
    }
    prepare(r, rl, tier->name, apr_pstrcat(r->pool, tier->name, ":",
                                           identity, NULL),
            tier->limit, tier->window_s);
    queue(r, rl, 1);
}

int mp_ratelimit_check(request_rec *r, mp_ratelimit_req_t *rl,
                       mp_problem_t *pb)
{
    mp_ratelimit_state_t st;

    if (!rl->active) {
        return 0;
    }
    finish(r, rl, 1, &st);
    return mp_ratelimit_problem(r, &st, pb);
}
