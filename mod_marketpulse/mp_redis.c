/* Redis through hiredis: context pools, timeouts, the breaker.
 *
 * Each child keeps a pool (apr_reslist) of contexts per server; a request
 * checks one out on its first command and gives it back in
 * mp_redis_release or a cleanup of the request pool, so no context is
 * used by two threads at once and none is opened per request.  A context
 * whose call failed may hold half a reply: it is closed, and every
 * context made before the last failure is closed when next checked out,
 * so a Redis restart costs one failed call, not one per pooled context.
 *
 * The breaker: BREAKER_FAILURES failures in a row make the child keep
 * away from Redis for BREAKER_OPEN; then one request probes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "httpd.h"
#include "apr_atomic.h"
#include "apr_reslist.h"
#include "apr_thread_mutex.h"
#include "http_config.h"
#include "ap_mpm.h"

#include "mp_config.h"
#include "mp_ctx.h"
#include "mp_log.h"
#include "mp_redis.h"
#include "mp_redis_reply.h"
#include "mp_resp.h"
#include "mp_stats.h"

#define BREAKER_FAILURES 3
#define BREAKER_OPEN apr_time_from_sec(2)
#define IDLE_TTL apr_time_from_sec(60)

/* One per server and child: sc->redis. */
typedef struct {
    const mp_srv_conf_t *sc;
    apr_reslist_t *contexts;
    apr_thread_mutex_t *breaker_lock;
    volatile apr_uint32_t failures;      /* in a row */
    volatile apr_uint64_t open_until;    /* apr_time_t; 0: closed */
    volatile apr_uint32_t failure_epoch; /* bumped by every failed call */
} redis_t;

/* A pooled context and the failure epoch it was made in. */
typedef struct {
    redisContext *c;
    apr_uint32_t epoch;
} conn_t;

/* Commands queued on a context whose replies are not read yet: at most
 * this many per request (the rate limiter queues two a count, and a
 * request counts at most twice: its failed authentication's peek and
 * take). */
#define MAX_DEFERRED 8

struct mp_redis_deferred {
    apr_status_t rv;           /* of the round trip that carried it */
    redisReply *reply;         /* once read, until collected */
    int read;
};

struct mp_redis_checkout {
    redis_t *rd;
    conn_t *conn;
    int admitted;              /* this request passed the breaker once */
    int queued;                /* deferred commands not read yet */
    mp_redis_deferred_t *deferred[MAX_DEFERRED];   /* ... in order */
    int made;                  /* all of the request's deferred commands */
    mp_redis_deferred_t *all[MAX_DEFERRED];       /* (their replies are
                                                     freed at its end) */
};

static struct timeval timeout_tv(const mp_srv_conf_t *sc)
{
    int ms = mp_conf_redis_timeout_ms(sc);
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

    return tv;
}

/* AUTH and SELECT on a new context; 1 when both (if asked) worked. */
static int log_in(redisContext *c, const mp_srv_conf_t *sc)
{
    redisReply *reply;
    int ok = 1;

    if (sc->redis_password) {
        const char *argv[2] = { "AUTH", sc->redis_password };
        size_t lens[2] = { 4, strlen(sc->redis_password) };

        reply = mp_redis_command_argv(c, 2, argv, lens);
        ok = reply && reply->type != REDIS_REPLY_ERROR;
        if (reply) freeReplyObject(reply);
    }
    if (ok && sc->redis_db) {
        char db[16];
        const char *argv[2] = { "SELECT", db };
        size_t lens[2] = { 6, 0 };

        lens[1] = (size_t)snprintf(db, sizeof(db), "%d", sc->redis_db);
        reply = mp_redis_command_argv(c, 2, argv, lens);
        ok = reply && reply->type != REDIS_REPLY_ERROR;
        if (reply) freeReplyObject(reply);
    }
    return ok;
}

redisContext *mp_redis_connect(const mp_srv_conf_t *sc, apr_status_t *rv)
{
    redisContext *c = sc->redis_port == 0
        ? redisConnectUnixWithTimeout(sc->redis_host, timeout_tv(sc))
        : redisConnectWithTimeout(sc->redis_host, sc->redis_port,
                                  timeout_tv(sc));

    *rv = APR_SUCCESS;
    if (c == NULL || c->err
        || redisSetTimeout(c, timeout_tv(sc)) != REDIS_OK) {
        *rv = APR_ECONNREFUSED;
    }
    else if (!log_in(c, sc)) {
        *rv = APR_EACCES;
    }
    if (*rv != APR_SUCCESS && c) {
        redisFree(c);
        c = NULL;
    }
    return c;
}

static apr_status_t connect_ctx(void **res, void *params, apr_pool_t *p)
{
    redis_t *rd = params;
    apr_uint32_t epoch = apr_atomic_read32(&rd->failure_epoch);
    apr_status_t rv;
    redisContext *c = mp_redis_connect(rd->sc, &rv);
    conn_t *conn;

    (void)p;
    if (c == NULL) {
        return rv;
    }
    /* plain malloc: the reslist frees it in close_ctx, at any time */
    conn = malloc(sizeof(*conn));
    if (conn == NULL) {
        redisFree(c);
        return APR_ENOMEM;
    }
    conn->c = c;
    conn->epoch = epoch;
    *res = conn;
    return APR_SUCCESS;
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

static redis_t *server_redis(server_rec *s)
{
    mp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                             &marketpulse_module);
    return sc->redis;
}

int mp_redis_configured(server_rec *s)
{
    return server_redis(s) != NULL;
}

static void create_pool(apr_pool_t *p, server_rec *s, int threads)
{
    mp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                             &marketpulse_module);
    redis_t *rd = apr_pcalloc(p, sizeof(*rd));
    apr_status_t rv;

    rd->sc = sc;
    rv = apr_thread_mutex_create(&rd->breaker_lock,
                                 APR_THREAD_MUTEX_DEFAULT, p);
    /* min 0: a child starts without Redis and connects on demand */
    if (rv == APR_SUCCESS) {
        rv = apr_reslist_create(&rd->contexts, 0, threads, threads, IDLE_TTL,
                                connect_ctx, close_ctx, rd, p);
    }
    if (rv != APR_SUCCESS) {
        /* this child then caches in shared memory only; the log says why */
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, MPLOGNO(01211)
                     "cannot create the Redis connection pool: this child "
                     "does without Redis");
        return;
    }
    apr_reslist_timeout_set(rd->contexts, apr_time_from_msec(
                                mp_conf_redis_timeout_ms(sc)));
    sc->redis = rd;
}

void mp_redis_child_init(apr_pool_t *p, server_rec *s)
{
    int threads = 1;

    ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads);
    if (threads < 1) threads = 1;
    for (; s; s = s->next) {
        mp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                                 &marketpulse_module);

        if (sc->redis_host != NULL && *sc->redis_host != '\0') {
            create_pool(p, s, threads);   /* else none, or "off" */
        }
    }
}

static apr_status_t request_done(void *data);

/* This request's checkout record (not yet a context), made on first use. */
static struct mp_redis_checkout *checkout_of(request_rec *r, redis_t *rd)
{
    mp_ctx_t *ctx = mp_ctx(r);

    if (ctx->redis == NULL) {
        ctx->redis = apr_pcalloc(r->pool, sizeof(*ctx->redis));
        ctx->redis->rd = rd;
        apr_pool_cleanup_register(r->pool, ctx->redis, request_done,
                                  apr_pool_cleanup_null);
    }
    return ctx->redis;
}

static int breaker_admits(redis_t *rd)
{
    apr_uint64_t until = apr_atomic_read64(&rd->open_until);
    apr_time_t now;

    if (until == 0) {
        return 1;
    }
    now = apr_time_now();
    if ((apr_time_t)until > now) {
        return 0;
    }
    /* the open period is over: whoever moves the deadline on probes */
    return apr_atomic_cas64(&rd->open_until,
                            (apr_uint64_t)(now + BREAKER_OPEN), until)
           == until;
}

/* Remembered for the request: the rate limiter and the cache both ask,
 * and the second must not be refused because the first claimed the
 * probe (their commands share one round trip). */
int mp_redis_admit(request_rec *r)
{
    redis_t *rd = server_redis(r->server);
    struct mp_redis_checkout *co;

    if (rd == NULL) {
        return 0;
    }
    co = checkout_of(r, rd);
    if (!co->admitted) {
        co->admitted = breaker_admits(rd);
    }
    return co->admitted;
}

const char *mp_redis_state(server_rec *s)
{
    redis_t *rd = server_redis(s);
    apr_uint64_t until;

    if (rd == NULL) {
        return "not_configured";
    }
    until = apr_atomic_read64(&rd->open_until);
    if (until != 0 && (apr_time_t)until > apr_time_now()) {
        return "down";
    }
    return mp_stat_get(MP_STAT_REDIS_UP) == 1 ? "up" : "unknown";
}

static void breaker_failure(redis_t *rd)
{
    apr_thread_mutex_lock(rd->breaker_lock);
    if (apr_atomic_inc32(&rd->failures) + 1 >= BREAKER_FAILURES
        || apr_atomic_read64(&rd->open_until) != 0) {
        apr_atomic_set64(&rd->open_until,
                         (apr_uint64_t)(apr_time_now() + BREAKER_OPEN));
        apr_atomic_set32(&rd->failures, 0);
    }
    apr_thread_mutex_unlock(rd->breaker_lock);
    mp_stat_set(MP_STAT_REDIS_UP, 0);
}

static void breaker_success(redis_t *rd)
{
    /* the common case, nothing failed lately, writes nothing shared */
    if (apr_atomic_read32(&rd->failures) != 0
        || apr_atomic_read64(&rd->open_until) != 0) {
        apr_thread_mutex_lock(rd->breaker_lock);
        apr_atomic_set32(&rd->failures, 0);
        apr_atomic_set64(&rd->open_until, 0);
        apr_thread_mutex_unlock(rd->breaker_lock);
    }
    if (mp_stat_get(MP_STAT_REDIS_UP) != 1) {
        mp_stat_set(MP_STAT_REDIS_UP, 1);
    }
}

static apr_status_t read_deferred(struct mp_redis_checkout *co);

static apr_status_t give_back(void *data)
{
    struct mp_redis_checkout *co = data;

    if (co->conn) {
        /* a context goes back with nothing in flight: replies still owed
         * to deferred commands are read first (kept for their owners) */
        if (co->queued && read_deferred(co) != APR_SUCCESS) {
            return APR_SUCCESS;            /* closed: nothing to give */
        }
        apr_reslist_release(co->rd->contexts, co->conn);
        co->conn = NULL;
    }
    return APR_SUCCESS;
}

/* The end of the request: its context back, and the replies nobody
 * collected freed. */
static apr_status_t request_done(void *data)
{
    struct mp_redis_checkout *co = data;

    give_back(co);
    for (int i = 0; i < co->made; i++) {
        if (co->all[i]->reply) {
            freeReplyObject(co->all[i]->reply);
            co->all[i]->reply = NULL;
        }
    }
    return APR_SUCCESS;
}

void mp_redis_release(request_rec *r)
{
    struct mp_redis_checkout *co = mp_ctx(r)->redis;

    if (co) {
        give_back(co);
    }
}

/* This request's context, checked out on first use. */
static apr_status_t checkout(request_rec *r, redis_t *rd, conn_t **out)
{
    struct mp_redis_checkout *co = checkout_of(r, rd);
    void *res;
    apr_status_t rv;

    if (co->conn) {
        *out = co->conn;
        return APR_SUCCESS;
    }
    for (;;) {
        rv = apr_reslist_acquire(rd->contexts, &res);
        if (rv == APR_EAGAIN || rv == APR_TIMEUP) {
            return MP_REDIS_BUSY;
        }
        if (rv != APR_SUCCESS) {
            return rv;
        }
        if (((conn_t *)res)->epoch == apr_atomic_read32(&rd->failure_epoch)) {
            break;
        }
        apr_reslist_invalidate(rd->contexts, res);  /* older than a failure */
    }
    co->conn = res;
    *out = res;
    return APR_SUCCESS;
}

/* Closes a request's context: its call failed.  Deferred commands whose
 * replies were not read fail with it. */
static void discard_checkout(struct mp_redis_checkout *co)
{
    apr_atomic_inc32(&co->rd->failure_epoch);
    for (int i = 0; i < co->queued; i++) {
        co->deferred[i]->rv = APR_EGENERAL;
        co->deferred[i]->read = 1;
    }
    co->queued = 0;
    if (co->conn) {
        apr_reslist_invalidate(co->rd->contexts, co->conn);
        co->conn = NULL;
    }
}

static void discard(request_rec *r, redis_t *rd)
{
    struct mp_redis_checkout *co = mp_ctx(r)->redis;

    if (co) {
        discard_checkout(co);
    }
    else {
        apr_atomic_inc32(&rd->failure_epoch);
    }
}

/* Reads the replies of the deferred commands, in the order they were
 * queued (Redis answers a connection in order), sending what is still
 * in the output buffer first.  A failure closes the context. */
static apr_status_t read_deferred(struct mp_redis_checkout *co)
{
    redisContext *c = co->conn->c;
    int i;

    for (i = 0; i < co->queued; i++) {
        void *reply = NULL;

        if (mp_redis_get_reply(c, &reply) != REDIS_OK || reply == NULL) {
            if (reply) freeReplyObject(reply);
            break;
        }
        co->deferred[i]->reply = reply;
        co->deferred[i]->rv = APR_SUCCESS;
        co->deferred[i]->read = 1;
    }
    if (i < co->queued) {
        /* the unread ones fail with the context (discard_checkout) */
        for (int j = i; j < co->queued; j++) {
            co->deferred[j - i] = co->deferred[j];
        }
        co->queued -= i;
        discard_checkout(co);
        return APR_EGENERAL;
    }
    co->queued = 0;
    return APR_SUCCESS;
}

static apr_status_t call(request_rec *r, redis_t *rd, int argc,
                         const char **argv, const size_t *lens,
                         redisReply **reply)
{
    conn_t *conn;
    apr_status_t rv = checkout(r, rd, &conn);

    *reply = NULL;
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (mp_ctx(r)->redis->queued) {
        /* one write carries the deferred commands and this one; their
         * replies come first */
        void *own = NULL;

        if (redisAppendCommandArgv(conn->c, argc, argv, lens) != REDIS_OK
            || read_deferred(mp_ctx(r)->redis) != APR_SUCCESS
            || mp_redis_get_reply(conn->c, &own) != REDIS_OK) {
            if (own) freeReplyObject(own);
            discard(r, rd);
            return APR_EGENERAL;
        }
        *reply = own;
    }
    else {
        *reply = mp_redis_command_argv(conn->c, argc, argv, lens);
    }
    if (*reply == NULL || conn->c->err) {
        if (*reply) freeReplyObject(*reply);
        *reply = NULL;
        discard(r, rd);
        return APR_EGENERAL;
    }
    if ((*reply)->type == REDIS_REPLY_ERROR) {
        mp_rlog(APLOG_WARNING, 0, r, MPLOGNO(01212), "Redis: %s",
                (*reply)->str);
        freeReplyObject(*reply);
        *reply = NULL;
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

apr_status_t mp_redis_command(request_rec *r, int argc, const char **argv,
                              const size_t *lens, redisReply **reply)
{
    redis_t *rd = server_redis(r->server);
    apr_status_t rv;

    if (rd == NULL) {
        *reply = NULL;
        return APR_ENOTIMPL;
    }
    rv = call(r, rd, argc, argv, lens, reply);
    if (rv == APR_SUCCESS) {
        breaker_success(rd);
    }
    else if (rv != MP_REDIS_BUSY) {
        breaker_failure(rd);
    }
    return rv;
}

/* The request's context for deferred commands, with room for n more. */
static apr_status_t defer_context(request_rec *r, int n, conn_t **conn)
{
    redis_t *rd = server_redis(r->server);
    apr_status_t rv;

    if (rd == NULL) {
        return APR_ENOTIMPL;
    }
    rv = checkout(r, rd, conn);
    if (rv != APR_SUCCESS) {
        if (rv != MP_REDIS_BUSY) {
            breaker_failure(rd);       /* no connection: as a failed call */
        }
        return rv;
    }
    return mp_ctx(r)->redis->made + n > MAX_DEFERRED ? APR_ENOSPC
                                                     : APR_SUCCESS;
}

apr_status_t mp_redis_defer_many(request_rec *r, int n,
                                 const mp_resp_cmd_t *cmds,
                                 mp_redis_deferred_t **ds)
{
    apr_size_t size = 0;
    struct mp_redis_checkout *co;
    char *buf, *end;
    conn_t *conn;
    apr_status_t rv = defer_context(r, n, &conn);

    for (int i = 0; i < n; i++) {
        ds[i] = NULL;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    for (int i = 0; i < n; i++) {
        size += mp_resp_size(&cmds[i]);
    }
    buf = apr_palloc(r->pool, size);
    end = buf;
    for (int i = 0; i < n; i++) {
        end = mp_resp_write(end, &cmds[i]);
    }
    /* one append, all of them or none */
    co = mp_ctx(r)->redis;
    if (redisAppendFormattedCommand(conn->c, buf, (size_t)(end - buf))
        != REDIS_OK) {
        discard(r, co->rd);
        breaker_failure(co->rd);
        return APR_EGENERAL;
    }
    for (int i = 0; i < n; i++) {
        ds[i] = apr_pcalloc(r->pool, sizeof(*ds[i]));
        co->deferred[co->queued++] = ds[i];
        co->all[co->made++] = ds[i];
    }
    return APR_SUCCESS;
}

apr_status_t mp_redis_collect(request_rec *r, mp_redis_deferred_t *d,
                              redisReply **reply)
{
    struct mp_redis_checkout *co = mp_ctx(r)->redis;
    redis_t *rd = server_redis(r->server);

    *reply = NULL;
    if (!d->read && co && co->conn) {
        /* no command carried it: a round trip of its own */
        if (read_deferred(co) == APR_SUCCESS) {
            breaker_success(rd);
        }
        else {
            breaker_failure(rd);
        }
    }
    if (!d->read) {
        return APR_EGENERAL;       /* its context went without it */
    }
    if (d->rv == APR_SUCCESS) {
        *reply = d->reply;
        d->reply = NULL;
    }
    return d->rv;
}
