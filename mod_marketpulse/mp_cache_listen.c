/* The invalidation listener (mp_cache_listen.h).
 *
 * Why a PING proves freshness: Redis answers one connection in order, so
 * the PONG to a PING sent at time t comes after every message published
 * before Redis read that PING, and so after every invalidation whose
 * write was acknowledged before t.  The listener applies each message
 * (a bump of the local generation) before it reads on, then records t.
 * A hit served while now - t <= bound therefore reflects every write
 * acknowledged more than `bound` ago, on any host.
 *
 * Messages published while the listener was not subscribed are lost
 * (pub/sub keeps nothing), so each new subscription starts with a bump
 * of the local generation: what was stored before it is not trusted.
 * The thread lives in the child, one per child and notified server; the
 * host-wide state is the most recent proof of any of them, since each
 * applies every message to the one local generation of the host. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpd.h"
#include "apr_atomic.h"
#include "apr_strings.h"
#include "apr_thread_proc.h"
#include "http_config.h"
#include "http_log.h"

#include "mp_cache_backend.h"
#include "mp_cache_listen.h"
#include "mp_config.h"
#include "mp_log.h"
#include "mp_redis.h"
#include "mp_shm.h"

#define RETRY_MIN apr_time_from_msec(100)
#define RETRY_MAX apr_time_from_sec(2)
#define POLL_MAX_MS 100            /* how soon the thread sees a stop */

/* Host-wide, per notified server: sc->listen. */
typedef struct {
    volatile apr_uint64_t proved;      /* apr_time_t of the last PING
                                          answered after all before it */
    volatile apr_uint64_t seen;        /* highest generation announced */
    volatile apr_uint64_t messages;    /* invalidations received */
    volatile apr_uint64_t subscriptions;  /* made, the first included */
} listen_state_t;

/* One per child and notified server. */
typedef struct {
    server_rec *s;
    const mp_srv_conf_t *sc;
    listen_state_t *st;
    const char *channel;
    const char *gen_key;
    apr_interval_time_t bound;
    apr_interval_time_t interval;      /* between PINGs */
    apr_interval_time_t dead_after;    /* no PONG that long: reconnect */
    volatile apr_uint32_t stop;
    apr_thread_t *thread;
} listener_t;

/* Microseconds of the monotonic clock: a step of the wall clock must not
 * make an old proof look young.  The same clock in every process of the
 * host, so one child's proof is read by another. */
static apr_time_t mono_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (apr_time_t)ts.tv_sec * APR_USEC_PER_SEC
           + (apr_time_t)(ts.tv_nsec / 1000);
}

static void max64(volatile apr_uint64_t *v, apr_uint64_t x)
{
    apr_uint64_t cur;

    while ((cur = apr_atomic_read64(v)) < x
           && apr_atomic_cas64(v, x, cur) != cur) {
    }
}

apr_status_t mp_cache_listen_make(apr_pool_t *pconf, server_rec *s)
{
    mp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                             &marketpulse_module);

    if (mp_conf_coherence_ms(sc) == 0) {
        return APR_SUCCESS;
    }
    return mp_shm_make(pconf, s, sizeof(listen_state_t), &sc->listen,
                       "the cache listener's state") ? APR_SUCCESS
                                                     : APR_ENOMEM;
}

/* Entries this host stored before now are stale. */
static void make_local_stale(listener_t *l)
{
    const mp_cache_backend_t *local = mp_cache_backend(l->s, MP_CACHE_LOCAL);
    apr_int64_t ignored;

    if (local) {
        local->bump(NULL, l->gen_key, &ignored);
    }
}

/* The shared generation now, for comparing the ones clients carry (a
 * bump between this GET and the subscription is missed here: clients
 * carrying it then take the checked path, which is only slower). */
static void read_generation(listener_t *l, redisContext *c)
{
    redisReply *reply = redisCommand(c, "GET %s", l->gen_key);

    if (reply && reply->type == REDIS_REPLY_STRING) {
        max64(&l->st->seen, (apr_uint64_t)apr_atoi64(reply->str));
    }
    if (reply) {
        freeReplyObject(reply);
    }
}

static int subscribe(listener_t *l, redisContext *c)
{
    redisReply *reply = redisCommand(c, "SUBSCRIBE %s", l->channel);
    int ok = reply && reply->type == REDIS_REPLY_ARRAY;

    if (reply) {
        freeReplyObject(reply);
    }
    return ok && !c->err;
}

static int is_kind(const redisReply *reply, const char *kind)
{
    return reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1
           && reply->element[0]->type == REDIS_REPLY_STRING
           && strcmp(reply->element[0]->str, kind) == 0;
}

/* A reply read while subscribed: 1 for the PONG, 0 otherwise. */
static int apply(listener_t *l, const redisReply *reply)
{
    if (is_kind(reply, "message") && reply->elements == 3
        && reply->element[2]->type == REDIS_REPLY_STRING) {
        make_local_stale(l);
        max64(&l->st->seen, (apr_uint64_t)apr_atoi64(reply->element[2]->str));
        apr_atomic_inc64(&l->st->messages);
        return 0;
    }
    return is_kind(reply, "pong");
}

static int send_ping(redisContext *c)
{
    int done = 0;

    if (redisAppendCommand(c, "PING") != REDIS_OK) {
        return 0;
    }
    while (!done) {
        if (redisBufferWrite(c, &done) != REDIS_OK) {
            return 0;
        }
    }
    return 1;
}

/* Reads what arrived; the time of an outstanding PING once its PONG is
 * in (0 then), -1 when the connection failed. */
static apr_time_t read_replies(listener_t *l, redisContext *c,
                               apr_time_t ping_at)
{
    void *reply;

    if (redisBufferRead(c) != REDIS_OK) {
        return -1;
    }
    while (redisGetReplyFromReader(c, &reply) == REDIS_OK && reply) {
        if (apply(l, reply) && ping_at) {
            max64(&l->st->proved, (apr_uint64_t)ping_at);
            ping_at = 0;
        }
        freeReplyObject(reply);
    }
    return c->err ? -1 : ping_at;
}

static int poll_ms(apr_interval_time_t wait)
{
    apr_int64_t ms = apr_time_as_msec(wait);

    return ms < 1 ? 1 : ms > POLL_MAX_MS ? POLL_MAX_MS : (int)ms;
}

/* Subscribed: PING every interval, apply what arrives, until the
 * connection fails, goes quiet past dead_after, or the child stops. */
static void listen_on(listener_t *l, redisContext *c)
{
    apr_time_t ping_at = 0, next_ping = 0;

    while (!apr_atomic_read32(&l->stop)) {
        apr_time_t now = mono_now();
        struct pollfd pfd = { c->fd, POLLIN, 0 };
        int n;

        if (ping_at == 0 && now >= next_ping) {
            if (!send_ping(c)) {
                return;
            }
            ping_at = now;
            next_ping = now + l->interval;
        }
        if (ping_at && now - ping_at > l->dead_after) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, l->s, MPLOGNO(01241)
                         "cache listener: no answer from Redis in %"
                         APR_TIME_T_FMT " ms; reconnecting",
                         apr_time_as_msec(l->dead_after));
            return;
        }
        n = poll(&pfd, 1, poll_ms(ping_at ? l->dead_after - (now - ping_at)
                                          : next_ping - now));
        if (n < 0 && errno != EINTR) {
            return;
        }
        if (n > 0 && (ping_at = read_replies(l, c, ping_at)) < 0) {
            return;
        }
    }
}

/* One connection's life; 1 when it subscribed. */
static int listen_once(listener_t *l, int *reported)
{
    apr_status_t rv;
    redisContext *c = mp_redis_connect(l->sc, &rv);
    int subscribed = 0;

    if (c) {
        read_generation(l, c);
        subscribed = !c->err && subscribe(l, c);
    }
    if (!subscribed) {
        if (!*reported) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, rv, l->s, MPLOGNO(01242)
                         "cache listener: cannot subscribe to %s; hits are "
                         "checked with Redis until it can", l->channel);
            *reported = 1;
        }
        if (c) {
            redisFree(c);
        }
        return 0;
    }
    make_local_stale(l);       /* messages may have been missed */
    apr_atomic_inc64(&l->st->subscriptions);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, l->s, MPLOGNO(01243)
                 "cache listener: subscribed to %s", l->channel);
    *reported = 0;
    listen_on(l, c);
    redisFree(c);
    /* lost, not stopped: the proof goes at once (it may be another
     * child's, still connected: that costs checked hits until its next
     * PONG, a stale answer never) */
    if (!apr_atomic_read32(&l->stop)) {
        apr_atomic_set64(&l->st->proved, 0);
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, l->s, MPLOGNO(01244)
                     "cache listener: lost Redis; hits are checked with "
                     "Redis until it subscribes again");
    }
    return 1;
}

static void pause_unless_stopped(listener_t *l, apr_interval_time_t wait)
{
    apr_time_t until = mono_now() + wait;

    while (!apr_atomic_read32(&l->stop) && mono_now() < until) {
        apr_sleep(apr_time_from_msec(POLL_MAX_MS / 4));
    }
}

static void *APR_THREAD_FUNC listen_main(apr_thread_t *t, void *data)
{
    listener_t *l = data;
    apr_interval_time_t retry = RETRY_MIN;
    int reported = 0;
    sigset_t all;

    (void)t;
    /* signals are the child's main thread's (prefork's SIGTERM handler
     * destroys the child's pool) */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    while (!apr_atomic_read32(&l->stop)) {
        retry = listen_once(l, &reported) ? RETRY_MIN
              : retry * 2 > RETRY_MAX ? RETRY_MAX : retry * 2;
        pause_unless_stopped(l, retry);
    }
    return NULL;
}

/* A pre-cleanup: it runs before the child's sub-pools go, the thread's
 * own among them. */
static apr_status_t stop_listener(void *data)
{
    listener_t *l = data;
    apr_status_t ignored;

    apr_atomic_set32(&l->stop, 1);
    apr_thread_join(&ignored, l->thread);
    return APR_SUCCESS;
}

void mp_cache_listen_start(apr_pool_t *pchild, server_rec *s,
                           const char *channel, const char *gen_key)
{
    const mp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                                   &marketpulse_module);
    listener_t *l;
    apr_status_t rv;

    if (sc->listen == NULL) {
        return;
    }
    /* a proof from a child that cannot make entries stale is no proof */
    if (mp_cache_backend(s, MP_CACHE_LOCAL) == NULL) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, MPLOGNO(01246)
                     "cache listener: no shared-memory cache in this child "
                     "(mod_socache_shmcb); hits are checked with Redis");
        return;
    }
    l = apr_pcalloc(pchild, sizeof(*l));
    l->s = s;
    l->sc = sc;
    l->st = sc->listen;
    l->channel = apr_pstrdup(pchild, channel);
    l->gen_key = apr_pstrdup(pchild, gen_key);
    l->bound = apr_time_from_msec(mp_conf_coherence_ms(sc));
    /* four proofs per bound: one late PONG does not end local hits */
    l->interval = l->bound / 4;
    l->dead_after = 4 * l->bound > apr_time_from_msec(
                        2 * mp_conf_redis_timeout_ms(sc))
                    ? 4 * l->bound
                    : apr_time_from_msec(2 * mp_conf_redis_timeout_ms(sc));
    rv = apr_thread_create(&l->thread, NULL, listen_main, l, pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, MPLOGNO(01245)
                     "cache listener: cannot start its thread; this child "
                     "checks every hit with Redis");
        return;
    }
    apr_pool_pre_cleanup_register(pchild, l, stop_listener);
}

static int fresh(const mp_srv_conf_t *sc, listen_state_t *st)
{
    apr_time_t proved = (apr_time_t)apr_atomic_read64(&st->proved);

    return proved != 0 && mono_now() - proved
                          <= apr_time_from_msec(mp_conf_coherence_ms(sc));
}

int mp_cache_listen_fresh(request_rec *r, apr_uint64_t carried)
{
    const mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                                   &marketpulse_module);
    listen_state_t *st = sc->listen;

    return st != NULL && fresh(sc, st)
           && (carried == 0 || carried <= apr_atomic_read64(&st->seen));
}

json_t *mp_cache_listen_health(server_rec *s)
{
    const mp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                                   &marketpulse_module);
    listen_state_t *st = sc->listen;
    apr_time_t proved;

    if (st == NULL) {
        return json_pack("{s:s}", "coherence", "strict");
    }
    proved = (apr_time_t)apr_atomic_read64(&st->proved);
    return json_pack("{s:s, s:i, s:b, s:o, s:I, s:I, s:I}",
        "coherence", "notified",
        "bound_ms", mp_conf_coherence_ms(sc),
        "listening", fresh(sc, st),
        "proved_ms_ago", proved ? json_integer((json_int_t)apr_time_as_msec(
                                      mono_now() - proved))
                                : json_null(),
        "messages", (json_int_t)apr_atomic_read64(&st->messages),
        "subscriptions", (json_int_t)apr_atomic_read64(&st->subscriptions),
        "seen_generation", (json_int_t)apr_atomic_read64(&st->seen));
}
