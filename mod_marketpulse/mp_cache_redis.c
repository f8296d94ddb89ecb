/* Redis cache backend through hiredis.  Each child keeps a pool of
 * connected contexts per server; a request checks one out on its first
 * call and gives it back in a cleanup of the request pool, so no context
 * is used by two threads at once and none is opened per request.  Connect
 * and command timeouts come from MarketPulseRedisTimeout; a context that
 * failed is closed, never returned to the pool. */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "httpd.h"
#include "apr_atomic.h"
#include "apr_reslist.h"
#include "apr_strings.h"
#include "http_config.h"
#include "ap_mpm.h"

#include "mp_cache_backend.h"
#include "mp_config.h"
#include "mp_log.h"

typedef struct {
    const mp_srv_conf_t *sc;
    apr_reslist_t *pool;
} redis_pool_t;

/* A pooled connection and the failure epoch it was made in. */
typedef struct {
    redisContext *c;
    apr_uint32_t epoch;
} conn_t;

typedef struct {
    redis_pool_t *rp;
    conn_t *ctx;
} redis_checkout_t;

/* Bumped by every failed call in this child: a connection made before
 * the last failure is closed at checkout rather than tried, so a Redis
 * restart costs one failed call, not one per pooled connection. */
static volatile apr_uint32_t failure_epoch;

static struct timeval timeout_tv(const mp_srv_conf_t *sc)
{
    int ms = mp_conf_redis_timeout_ms(sc);
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

    return tv;
}

static int reply_ok(redisReply *reply)
{
    return reply && reply->type != REDIS_REPLY_ERROR;
}

static apr_status_t connect_ctx(void **res, void *params, apr_pool_t *p)
{
    const mp_srv_conf_t *sc = params;
    apr_uint32_t epoch = apr_atomic_read32(&failure_epoch);
    redisContext *c = sc->redis_port == 0
        ? redisConnectUnixWithTimeout(sc->redis_host, timeout_tv(sc))
        : redisConnectWithTimeout(sc->redis_host, sc->redis_port,
                                  timeout_tv(sc));
    redisReply *reply = NULL;
    conn_t *conn;
    if (c == NULL || c->err || redisSetTimeout(c, timeout_tv(sc)) != REDIS_OK) {
        if (c) redisFree(c);
        return APR_ECONNREFUSED;
    }
    if (sc->redis_password) {
        reply = redisCommand(c, "AUTH %s", sc->redis_password);
        if (!reply_ok(reply)) goto fail;
        freeReplyObject(reply);
    }
    if (sc->redis_db) {
        reply = redisCommand(c, "SELECT %d", sc->redis_db);
        if (!reply_ok(reply)) goto fail;
        freeReplyObject(reply);
    }
    /* plain malloc: the reslist frees it in close_ctx, at any time */
    conn = malloc(sizeof(*conn));
    if (conn == NULL) {
        redisFree(c);
        return APR_ENOMEM;
    }
    conn->c = c;
    conn->epoch = epoch;
    (void)p;
    *res = conn;
    return APR_SUCCESS;
fail:
    if (reply) freeReplyObject(reply);
    redisFree(c);
    return APR_EACCES;
}

static apr_status_t close_ctx(void *res, void *params, apr_pool_t *p)
{
    conn_t *conn = res;

    (void)params;
    (void)p;
    redisFree(conn->c);
    free(conn);
    return APR_SUCCESS;
}

int mp_cache_redis_configured(server_rec *s)
{
    mp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                             &marketpulse_module);
    return sc->redis != NULL;
}

void mp_cache_redis_child_init(apr_pool_t *p, server_rec *s)
{
    int threads = 1;

    ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads);
    if (threads < 1) threads = 1;
    for (; s; s = s->next) {
        mp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                                 &marketpulse_module);
        redis_pool_t *rp;

        if (sc->redis_host == NULL || *sc->redis_host == '\0') {
            continue;              /* none, or MarketPulseRedis off */
        }
        rp = apr_pcalloc(p, sizeof(*rp));
        rp->sc = sc;
        /* min 0: a child starts without Redis and connects on demand */
        if (apr_reslist_create(&rp->pool, 0, threads, threads,
                               apr_time_from_sec(60), connect_ctx, close_ctx,
                               sc, p) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, MPLOGNO(01211)
                         "cannot create the Redis connection pool");
            continue;
        }
        apr_reslist_timeout_set(rp->pool, apr_time_from_msec(
                                    mp_conf_redis_timeout_ms(sc)));
        sc->redis = rp;
    }
}

static apr_status_t give_back(void *data)
{
    redis_checkout_t *co = data;

    if (co->ctx) {
        apr_reslist_release(co->rp->pool, co->ctx);
        co->ctx = NULL;
    }
    return APR_SUCCESS;
}

/* This request's context, checked out on first use.  *rv is
 * MP_CACHE_BUSY when the pool had no free context in time (not a Redis
 * failure), another error when no connection could be made. */
static redisContext *checkout(request_rec *r, apr_status_t *rv)
{
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    redis_pool_t *rp = sc->redis;
    redis_checkout_t *co;
    void *res;
    conn_t *conn;

    if (apr_pool_userdata_get((void **)&co, "mp-redis", r->pool) == APR_SUCCESS
        && co && co->ctx) {
        return co->ctx->c;
    }
    *rv = APR_SUCCESS;
    if (rp == NULL) {
        *rv = APR_ENOTIMPL;
        return NULL;
    }
    for (;;) {
        *rv = apr_reslist_acquire(rp->pool, &res);
        if (*rv == APR_EAGAIN || *rv == APR_TIMEUP) {
            *rv = MP_CACHE_BUSY;
            return NULL;
        }
        if (*rv != APR_SUCCESS) {
            return NULL;
        }
        conn = res;
        if (conn->epoch == apr_atomic_read32(&failure_epoch)) {
            break;
        }
        apr_reslist_invalidate(rp->pool, conn);   /* older than a failure */
    }
    co = apr_pcalloc(r->pool, sizeof(*co));
    co->rp = rp;
    co->ctx = conn;
    apr_pool_userdata_setn(co, "mp-redis", give_back, r->pool);
    return conn->c;
}

/* A context whose call failed may hold half a reply: close it. */
static void discard(request_rec *r)
{
    redis_checkout_t *co;

    apr_atomic_inc32(&failure_epoch);
    if (apr_pool_userdata_get((void **)&co, "mp-redis", r->pool) == APR_SUCCESS
        && co && co->ctx) {
        apr_reslist_invalidate(co->rp->pool, co->ctx);
        co->ctx = NULL;
    }
}

static void redis_release(request_rec *r)
{
    redis_checkout_t *co;

    if (apr_pool_userdata_get((void **)&co, "mp-redis", r->pool) == APR_SUCCESS
        && co) {
        give_back(co);
    }
}

/* Runs one command (argv form: binary-safe).  Returns its reply, or NULL
 * with *rv set (the context is discarded when the call itself failed). */
static redisReply *command(request_rec *r, int argc, const char **argv,
                           const size_t *lens, apr_status_t *rv)
{
    redisContext *c = checkout(r, rv);
    redisReply *reply = NULL;

    if (c == NULL) {
        return NULL;
    }
    reply = redisCommandArgv(c, argc, argv, lens);
    if (reply == NULL || c->err) {
        if (reply) freeReplyObject(reply);
        discard(r);
        *rv = APR_EGENERAL;
        return NULL;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        mp_rlog(APLOG_WARNING, 0, r, MPLOGNO(01212), "Redis: %s", reply->str);
        freeReplyObject(reply);
        *rv = APR_EGENERAL;
        return NULL;
    }
    return reply;
}

static apr_status_t redis_get(request_rec *r, int n, const char *const *keys,
                              const char **vals, apr_size_t *lens)
{
    const char **argv = apr_palloc(r->pool, sizeof(char *) * (size_t)(n + 1));
    size_t *alen = apr_palloc(r->pool, sizeof(size_t) * (size_t)(n + 1));
    redisReply *reply = NULL;
    apr_status_t rv;

    argv[0] = "MGET";
    alen[0] = 4;
    for (int i = 0; i < n; i++) {
        argv[i + 1] = keys[i];
        alen[i + 1] = strlen(keys[i]);
    }
    reply = command(r, n + 1, argv, alen, &rv);
    if (reply == NULL) {
        return rv;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != (size_t)n) {
        freeReplyObject(reply);
        return APR_EGENERAL;
    }
    for (int i = 0; i < n; i++) {
        redisReply *e = reply->element[i];

        vals[i] = NULL;
        lens[i] = 0;
        if (e->type == REDIS_REPLY_STRING) {
            vals[i] = apr_pstrmemdup(r->pool, e->str, e->len);
            lens[i] = e->len;
        }
    }
    freeReplyObject(reply);
    return APR_SUCCESS;
}

static apr_status_t simple(request_rec *r, int argc, const char **argv,
                           const size_t *lens, redisReply **out)
{
    apr_status_t rv;
    redisReply *reply = command(r, argc, argv, lens, &rv);

    if (reply == NULL) {
        return rv;
    }
    if (out) {
        *out = reply;
    }
    else {
        freeReplyObject(reply);
    }
    return APR_SUCCESS;
}

static apr_status_t redis_set(request_rec *r, const char *key,
                              const char *val, apr_size_t len,
                              apr_interval_time_t ttl)
{
    const char *ms = apr_psprintf(r->pool, "%" APR_TIME_T_FMT,
                                  apr_time_as_msec(ttl));
    const char *argv[5] = { "SET", key, val, "PX", ms };
    size_t lens[5] = { 3, strlen(key), len, 2, strlen(ms) };

    return simple(r, 5, argv, lens, NULL);
}

static apr_status_t redis_add(request_rec *r, const char *key,
                              const char *val, apr_interval_time_t ttl)
{
    const char *ms = apr_psprintf(r->pool, "%" APR_TIME_T_FMT,
                                  apr_time_as_msec(ttl));
    const char *argv[6] = { "SET", key, val, "NX", "PX", ms };
    size_t lens[6] = { 3, strlen(key), strlen(val), 2, 2, strlen(ms) };
    redisReply *reply = NULL;
    /* ttl 0: no expiry (SET key val NX) */
    apr_status_t rv = simple(r, ttl ? 6 : 4, argv, lens, &reply);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = reply->type == REDIS_REPLY_NIL ? APR_EEXIST : APR_SUCCESS;
    freeReplyObject(reply);
    return rv;
}

/* Compare and delete in one step on the server. */
static const char del_if_script[] =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('del', KEYS[1]) end return 0";

static apr_status_t redis_del_if(request_rec *r, const char *key,
                                 const char *val)
{
    const char *argv[5] = { "EVAL", del_if_script, "1", key, val };
    size_t lens[5] = { 4, sizeof(del_if_script) - 1, 1, strlen(key),
                       strlen(val) };

    return simple(r, 5, argv, lens, NULL);
}

static apr_status_t redis_incr(request_rec *r, const char *key,
                               apr_int64_t *val)
{
    const char *argv[2] = { "INCR", key };
    size_t lens[2] = { 4, strlen(key) };
    redisReply *reply = NULL;
    apr_status_t rv = simple(r, 2, argv, lens, &reply);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = reply->type == REDIS_REPLY_INTEGER ? APR_SUCCESS : APR_EGENERAL;
    *val = reply->integer;
    freeReplyObject(reply);
    return rv;
}

const mp_cache_backend_t mp_cache_redis = {
    "redis", redis_get, redis_set, redis_add, redis_del_if, redis_incr,
    redis_release
};
