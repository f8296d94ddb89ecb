/* Cache policy.  An entry is "<generation>\n<etag>\n<body>" under a key
 * hashed from the normalized request; the generation counter lives next
 * to the entries, and one round trip (MGET generation entry) tells a
 * fresh entry from a stale one.  Invalidation is INCR generation: no
 * scanning, correct on every host that shares the Redis.
 *
 * Redis serves while it answers; a failed call switches the request to
 * shared memory, and after BREAKER_FAILURES failures in a row the child
 * skips Redis for BREAKER_OPEN before probing again.  The first call
 * after an outage bumps the Redis generation: writes may have happened
 * while this host could not tell Redis, so nothing cached before the
 * outage is served after it. */
#include <string.h>

#include "httpd.h"
#include "apr_atomic.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"
#include "http_config.h"
#include "http_protocol.h"

#include "mp_cache.h"
#include "mp_cache_backend.h"
#include "mp_cache_key.h"
#include "mp_log.h"
#include "mp_stats.h"

#define BREAKER_FAILURES 3
#define BREAKER_OPEN apr_time_from_sec(2)
#define FILL_LOCK_TTL apr_time_from_sec(10)
#define FILL_WAIT apr_time_from_msec(2000)
#define FILL_POLL apr_time_from_msec(15)

typedef struct {
    const mp_cache_backend_t *be;
    const char *gen_key;
    const char *key;
    const char *lock_key;      /* set while this request fills the entry */
    const char *generation;
    int ttl;
} cache_req_t;

/* Per child: the circuit breaker in front of Redis.  Host-wide (shared
 * counters): how many Redis calls failed, and how many of those failures
 * a generation bump in Redis already covers.  While they differ, the
 * next child to reach Redis bumps first, whether or not it saw the
 * outage itself. */
static apr_thread_mutex_t *breaker_lock;
static volatile apr_uint32_t breaker_failures;
static volatile apr_uint64_t breaker_open_until;  /* apr_time_t; 0: closed */

#define USERDATA "mp-cache"

/* The request's cache state, from lookup to store. */
static cache_req_t *request_state(request_rec *r)
{
    void *cr = NULL;

    apr_pool_userdata_get(&cr, USERDATA, r->pool);
    return cr;
}

void mp_cache_pre_config(apr_pool_t *pconf)
{
    mp_cache_shm_pre_config(pconf);
}

int mp_cache_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    mp_stats_create(pconf);
    return mp_cache_shm_post_config(pconf, ptemp, s);
}

void mp_cache_child_init(apr_pool_t *p, server_rec *s)
{
    apr_thread_mutex_create(&breaker_lock, APR_THREAD_MUTEX_DEFAULT, p);
    mp_cache_shm_child_init(p, s);
    mp_cache_redis_child_init(p, s);
}

/* Read on every request: atomics, no lock. */
static int breaker_closed(void)
{
    apr_uint64_t until = apr_atomic_read64(&breaker_open_until);

    return until == 0 || (apr_time_t)until <= apr_time_now();
}

static void breaker_failure(void)
{
    mp_stat_add(MP_STAT_REDIS_FAILURES, 1);
    apr_thread_mutex_lock(breaker_lock);
    if (apr_atomic_inc32(&breaker_failures) + 1 >= BREAKER_FAILURES) {
        apr_atomic_set64(&breaker_open_until,
                         (apr_uint64_t)(apr_time_now() + BREAKER_OPEN));
        apr_atomic_set32(&breaker_failures, 0);
    }
    apr_thread_mutex_unlock(breaker_lock);
    mp_stat_set(MP_STAT_REDIS_UP, 0);
}

static void breaker_success(void)
{
    /* the common case, nothing failed lately, writes nothing shared */
    if (apr_atomic_read32(&breaker_failures) != 0
        || apr_atomic_read64(&breaker_open_until) != 0) {
        apr_thread_mutex_lock(breaker_lock);
        apr_atomic_set32(&breaker_failures, 0);
        apr_atomic_set64(&breaker_open_until, 0);
        apr_thread_mutex_unlock(breaker_lock);
    }
    if (mp_stat_get(MP_STAT_REDIS_UP) != 1) {
        mp_stat_set(MP_STAT_REDIS_UP, 1);
    }
}

static int outage_pending(void)
{
    return mp_stat_get(MP_STAT_REDIS_FAILURES)
           != mp_stat_get(MP_STAT_REDIS_BUMPED);
}

/* The backend a request uses now, or NULL for no cache at all. */
static const mp_cache_backend_t *choose(request_rec *r, int count)
{
    if (mp_cache_redis_configured(r->server)) {
        if (breaker_closed()) {
            return &mp_cache_redis;
        }
        if (count) {
            mp_stat_add(MP_STAT_CACHE_FALLBACKS, 1);
        }
    }
    return mp_cache_shm_available() ? &mp_cache_shm : NULL;
}

/* After a failed call: note it, and move the request to shared memory.
 * Returns 1 when the call should be made again on the new backend. */
static int failover(request_rec *r, cache_req_t *cr, apr_status_t rv)
{
    mp_stat_add(MP_STAT_CACHE_ERRORS, 1);
    if (cr->be != &mp_cache_redis) {
        mp_rlog(APLOG_WARNING, rv, r, MPLOGNO(01221),
                "shared-memory cache call failed");
        cr->be = NULL;
        return 0;
    }
    mp_rlog(APLOG_WARNING, rv, r, MPLOGNO(01222),
            "Redis call failed; this request uses the shared-memory cache");
    breaker_failure();
    mp_stat_add(MP_STAT_CACHE_FALLBACKS, 1);
    cr->be = mp_cache_shm_available() ? &mp_cache_shm : NULL;
    return cr->be != NULL;
}

/* Redis back after an outage: a new generation before anything is read. */
static void end_outage(request_rec *r, cache_req_t *cr)
{
    apr_uint64_t failures = mp_stat_get(MP_STAT_REDIS_FAILURES);
    apr_int64_t gen;
    apr_status_t rv;

    if (cr->be != &mp_cache_redis || !outage_pending()) {
        return;
    }
    rv = mp_cache_redis.incr(r, cr->gen_key, &gen);
    if (rv != APR_SUCCESS) {
        failover(r, cr, rv);
        return;
    }
    /* failures after the read above stay owed: a later call bumps again */
    mp_stat_set(MP_STAT_REDIS_BUMPED, failures);
    breaker_success();
    mp_rlog(APLOG_NOTICE, 0, r, MPLOGNO(01223), "Redis answers again; "
            "generation %" APR_INT64_T_FMT " retires what was cached "
            "before the outage", gen);
}

static apr_status_t get2(request_rec *r, cache_req_t *cr, const char **gen,
                         const char **entry, apr_size_t *len)
{
    const char *keys[2] = { cr->gen_key, cr->key };
    const char *vals[2];
    apr_size_t lens[2];
    apr_status_t rv;

    do {
        rv = cr->be->get(r, 2, keys, vals, lens);
    } while (rv != APR_SUCCESS && failover(r, cr, rv));
    if (rv == APR_SUCCESS) {
        if (cr->be == &mp_cache_redis) {
            breaker_success();
        }
        *gen = vals[0] ? vals[0] : "0";
        *entry = vals[1];
        *len = lens[1];
    }
    return rv;
}

static void set_cache_headers(request_rec *r, const cache_req_t *cr,
                              const char *etag, const char *state)
{
    apr_table_setn(r->headers_out, "ETag", etag);
    apr_table_setn(r->headers_out, "X-Cache", state);
    apr_table_setn(r->headers_out, "Cache-Control",
                   apr_psprintf(r->pool, "max-age=%d", cr->ttl));
}

/* Splits "<gen>\n<etag>\n<body>"; NULL when it is not of this
 * generation (or not an entry at all). */
static const char *fresh_body(const cache_req_t *cr, const char *entry,
                              apr_size_t len, const char **etag,
                              apr_size_t *body_len, apr_pool_t *p)
{
    const char *nl1, *nl2;

    if (entry == NULL || (nl1 = memchr(entry, '\n', len)) == NULL
        || (size_t)(nl1 - entry) != strlen(cr->generation)
        || strncmp(entry, cr->generation, (size_t)(nl1 - entry)) != 0
        || (nl2 = memchr(nl1 + 1, '\n', len - (size_t)(nl1 + 1 - entry)))
           == NULL) {
        return NULL;
    }
    *etag = apr_pstrmemdup(p, nl1 + 1, (apr_size_t)(nl2 - nl1 - 1));
    *body_len = len - (apr_size_t)(nl2 + 1 - entry);
    return nl2 + 1;
}

static int serve_hit(request_rec *r, const cache_req_t *cr,
                     const char *body, apr_size_t len, const char *etag)
{
    mp_stat_add(MP_STAT_CACHE_HITS, 1);
    set_cache_headers(r, cr, etag, "HIT");
    ap_set_content_type(r, "application/json");
    if (mp_etag_matches(apr_table_get(r->headers_in, "If-None-Match"),
                        etag)) {
        r->status = HTTP_NOT_MODIFIED;
        return OK;
    }
    r->status = HTTP_OK;
    ap_set_content_length(r, (apr_off_t)len);
    ap_rwrite(body, (int)len, r);
    return OK;
}

static apr_status_t release_fill_lock(void *data)
{
    request_rec *r = data;
    cache_req_t *cr = request_state(r);

    if (cr && cr->lock_key && cr->be) {
        cr->be->del(r, cr->lock_key);
        cr->lock_key = NULL;
    }
    return APR_SUCCESS;
}

/* Another request is filling this entry: wait for it, briefly.  Returns
 * OK when its answer arrived and was served. */
static int wait_for_fill(request_rec *r, cache_req_t *cr)
{
    apr_time_t deadline = apr_time_now() + FILL_WAIT;

    mp_stat_add(MP_STAT_CACHE_LOCK_WAITS, 1);
    while (apr_time_now() < deadline) {
        const char *gen, *entry, *body, *etag;
        apr_size_t len, body_len;

        apr_sleep(FILL_POLL);
        if (get2(r, cr, &gen, &entry, &len) != APR_SUCCESS) {
            return DECLINED;
        }
        body = fresh_body(cr, entry, len, &etag, &body_len, r->pool);
        if (body) {
            return serve_hit(r, cr, body, body_len, etag);
        }
    }
    return DECLINED;     /* the filler is slow or failed: compute here */
}

int mp_cache_lookup(request_rec *r, const mp_dir_conf_t *dc,
                    mp_cache_endpoint_t ep, const char *path,
                    const apr_table_t *args)
{
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    const char *prefix = mp_conf_cache_prefix(sc);
    const char *entry, *body, *etag;
    apr_size_t len, body_len;
    cache_req_t *cr;
    apr_status_t rv;

    if (dc->cache != 1 || ep >= MP_CACHE_ENDPOINTS
        || r->method_number != M_GET) {
        return DECLINED;
    }
    cr = apr_pcalloc(r->pool, sizeof(*cr));
    if ((cr->be = choose(r, 1)) == NULL) {
        return DECLINED;
    }
    cr->ttl = mp_conf_cache_ttl(dc, ep);
    cr->gen_key = apr_pstrcat(r->pool, prefix, "generation", NULL);
    /* the page size a list gets without a limit shapes its answer */
    cr->key = apr_pstrcat(r->pool, prefix, "e:", mp_cache_key_hash(r->pool,
                          mp_cache_key_text(r->pool, apr_psprintf(r->pool,
                              "p%d", mp_conf_page_size(dc)), path, args)),
                          NULL);
    end_outage(r, cr);
    if (cr->be == NULL || get2(r, cr, &cr->generation, &entry, &len)
                          != APR_SUCCESS) {
        return DECLINED;
    }
    body = fresh_body(cr, entry, len, &etag, &body_len, r->pool);
    if (body) {
        return serve_hit(r, cr, body, body_len, etag);
    }
    mp_stat_add(MP_STAT_CACHE_MISSES, 1);
    apr_pool_userdata_setn(cr, USERDATA, NULL, r->pool);
    cr->lock_key = apr_pstrcat(r->pool, cr->key, ":fill", NULL);
    do {
        rv = cr->be->add(r, cr->lock_key, FILL_LOCK_TTL);
    } while (rv != APR_SUCCESS && rv != APR_EEXIST && failover(r, cr, rv));
    if (rv == APR_SUCCESS) {
        apr_pool_cleanup_register(r->pool, r, release_fill_lock,
                                  apr_pool_cleanup_null);
        return DECLINED;
    }
    cr->lock_key = NULL;
    return rv == APR_EEXIST ? wait_for_fill(r, cr) : DECLINED;
}

int mp_cache_store(request_rec *r, const char *body, apr_size_t len)
{
    cache_req_t *cr = request_state(r);
    const char *etag, *entry;
    apr_status_t rv;

    if (cr == NULL) {
        return 0;
    }
    etag = mp_etag_of(r->pool, body, len);
    set_cache_headers(r, cr, etag, "MISS");
    entry = apr_pstrcat(r->pool, cr->generation, "\n", etag, "\n", NULL);
    entry = apr_pstrcat(r->pool, entry, apr_pstrmemdup(r->pool, body, len),
                        NULL);
    while (cr->be) {
        rv = cr->be->set(r, cr->key, entry, strlen(entry),
                         apr_time_from_sec(cr->ttl));
        if (rv == APR_SUCCESS) {
            mp_stat_add(MP_STAT_CACHE_STORES, 1);
            break;
        }
        if (rv == APR_ENOSPC || !failover(r, cr, rv)) {
            break;
        }
    }
    release_fill_lock(r);
    return mp_etag_matches(apr_table_get(r->headers_in, "If-None-Match"),
                           etag);
}

apr_status_t mp_cache_invalidate(request_rec *r, apr_int64_t *generation)
{
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    const char *key = apr_pstrcat(r->pool, mp_conf_cache_prefix(sc),
                                  "generation", NULL);
    apr_status_t rv = APR_SUCCESS, shm_rv = APR_ENOTIMPL;
    apr_int64_t gen = 0;

    *generation = 0;
    if (mp_cache_shm_available()) {
        shm_rv = mp_cache_shm.incr(r, key, &gen);
        *generation = gen;
    }
    if (mp_cache_redis_configured(r->server)) {
        rv = mp_cache_redis.incr(r, key, &gen);
        if (rv == APR_SUCCESS) {
            *generation = gen;
        }
        else {
            /* the bump reaches Redis with the first call after the
             * outage: end_outage() */
            breaker_failure();
            mp_rlog(APLOG_WARNING, rv, r, MPLOGNO(01224), "invalidation "
                    "could not reach Redis; it follows when Redis answers");
        }
    }
    mp_stat_add(MP_STAT_CACHE_INVALIDATIONS, 1);
    return rv == APR_SUCCESS || shm_rv == APR_SUCCESS ? APR_SUCCESS : rv;
}

const char *mp_cache_state(request_rec *r)
{
    const mp_cache_backend_t *be = choose(r, 0);

    if (be == &mp_cache_redis) return "redis";
    if (be == NULL) return "off";
    return mp_cache_redis_configured(r->server) ? "fallback" : "shm";
}

json_t *mp_cache_health(request_rec *r)
{
    const mp_dir_conf_t *dc = ap_get_module_config(r->per_dir_config,
                                                   &marketpulse_module);
    apr_uint64_t hits = mp_stat_get(MP_STAT_CACHE_HITS);
    apr_uint64_t misses = mp_stat_get(MP_STAT_CACHE_MISSES);
    const char *state = mp_cache_state(r);
    const char *redis = !mp_cache_redis_configured(r->server)
        ? "not_configured"
        : strcmp(state, "redis") == 0 && mp_stat_get(MP_STAT_REDIS_UP)
          ? "up" : strcmp(state, "redis") == 0 ? "unknown" : "down";

    return json_pack("{s:b, s:s, s:s, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I}",
        "enabled", dc->cache == 1,
        "backend", strcmp(state, "fallback") == 0 ? "shm" : state,
        "redis", redis,
        "hits", (json_int_t)hits,
        "misses", (json_int_t)misses,
        "hit_ratio", hits + misses ? (double)hits / (double)(hits + misses)
                                   : 0.0,
        "stores", (json_int_t)mp_stat_get(MP_STAT_CACHE_STORES),
        "errors", (json_int_t)mp_stat_get(MP_STAT_CACHE_ERRORS),
        "fallbacks", (json_int_t)mp_stat_get(MP_STAT_CACHE_FALLBACKS),
        "lock_waits", (json_int_t)mp_stat_get(MP_STAT_CACHE_LOCK_WAITS),
        "invalidations",
        (json_int_t)mp_stat_get(MP_STAT_CACHE_INVALIDATIONS));
}
