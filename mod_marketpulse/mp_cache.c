/* Cache policy.  An entry is "<generation>\n<etag>\n<body>" under a key
 * hashed from the normalized request.  Each backend has its generation:
 * Redis keeps one next to the entries (MGET generation entry: one round
 * trip tells fresh from stale), shared memory keeps this host's in a
 * shared counter.  Both start at the clock, so a number is never reused.
 * Invalidation is INCR: no scanning, seen by every host on its next
 * lookup.  An entry is only ever compared with, and stored under, the
 * generation of the backend it lives in.
 *
 * Redis serves while it answers; a failed call moves the request to
 * shared memory, and BREAKER_FAILURES failures in a row make the child
 * skip Redis for BREAKER_OPEN, after which one request probes it.  An
 * invalidation that could not reach Redis is owed (a shared count): the
 * first call that reaches Redis again pays it with a bump, so nothing
 * cached before it is served.  A change of the Redis generation also
 * retires this host's shared-memory entries, so a later fallback does
 * not serve what another host invalidated meanwhile. */
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
#define FILL_LOCK_TTL apr_time_from_sec(30)
#define FILL_WAIT apr_time_from_msec(2000)
#define FILL_POLL apr_time_from_msec(15)
#define USERDATA "mp-cache"

typedef struct {
    const mp_cache_backend_t *be;      /* where this request works now */
    const mp_cache_backend_t *gen_be;  /* where `generation` was read */
    const char *generation;            /* NULL: do not store */
    const char *gen_key;
    const char *key;
    const char *lock_key;
    const char *token;                 /* our fill lock's value */
    const mp_cache_backend_t *lock_be; /* where we hold it, or NULL */
    int ttl;
} cache_req_t;

/* Per child: the breaker in front of Redis. */
static apr_thread_mutex_t *breaker_lock;
static volatile apr_uint32_t breaker_failures;
static volatile apr_uint64_t breaker_open_until;   /* apr_time_t; 0: closed */

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

static int breaker_open(void)
{
    apr_uint64_t until = apr_atomic_read64(&breaker_open_until);

    return until != 0 && (apr_time_t)until > apr_time_now();
}

/* Whether this request may use Redis.  Once the open period is over,
 * one request claims the probe (it moves the deadline on); the others
 * keep using shared memory until the probe has answered. */
static int breaker_allows(void)
{
    apr_uint64_t until = apr_atomic_read64(&breaker_open_until);
    apr_time_t now = apr_time_now();

    if (until == 0) {
        return 1;
    }
    if ((apr_time_t)until > now) {
        return 0;
    }
    return apr_atomic_cas64(&breaker_open_until,
                            (apr_uint64_t)(now + BREAKER_OPEN), until)
           == until;
}

static void breaker_failure(void)
{
    apr_thread_mutex_lock(breaker_lock);
    if (apr_atomic_inc32(&breaker_failures) + 1 >= BREAKER_FAILURES
        || apr_atomic_read64(&breaker_open_until) != 0) {
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

/* The backend a request starts with, or NULL for no cache at all. */
static const mp_cache_backend_t *choose(request_rec *r)
{
    if (mp_cache_redis_configured(r->server)) {
        if (breaker_allows()) {
            return &mp_cache_redis;
        }
        mp_stat_add(MP_STAT_CACHE_FALLBACKS, 1);
    }
    return mp_cache_shm_available() ? &mp_cache_shm : NULL;
}

/* After a failed call: note it, and move the request to shared memory.
 * Returns 1 when the call should be made again there. */
static int failover(request_rec *r, cache_req_t *cr, apr_status_t rv)
{
    if (cr->be != &mp_cache_redis) {
        mp_stat_add(MP_STAT_CACHE_ERRORS, 1);
        mp_rlog(APLOG_WARNING, rv, r, MPLOGNO(01221),
                "shared-memory cache call failed");
        cr->be = NULL;
        return 0;
    }
    if (rv != MP_CACHE_BUSY) {
        mp_stat_add(MP_STAT_CACHE_ERRORS, 1);
        mp_rlog(APLOG_WARNING, rv, r, MPLOGNO(01222), "Redis call failed; "
                "this request uses the shared-memory cache");
        breaker_failure();
    }
    mp_cache_redis.release(r);
    mp_stat_add(MP_STAT_CACHE_FALLBACKS, 1);
    cr->be = mp_cache_shm_available() ? &mp_cache_shm : NULL;
    return cr->be != NULL;
}

static const char *shm_generation(request_rec *r)
{
    return apr_psprintf(r->pool, "%" APR_UINT64_T_FMT,
                        mp_stat_get(MP_STAT_SHM_GENERATION));
}

/* Redis answers: pay what is owed (invalidations that could not reach
 * it) before anything is read. */
static void pay_owed(request_rec *r, cache_req_t *cr)
{
    apr_uint64_t owed = mp_stat_get(MP_STAT_REDIS_OWED);
    apr_int64_t gen;
    apr_status_t rv;

    if (cr->be != &mp_cache_redis || owed == mp_stat_get(MP_STAT_REDIS_PAID)) {
        return;
    }
    rv = mp_cache_redis.incr(r, cr->gen_key, &gen);
    if (rv != APR_SUCCESS) {
        failover(r, cr, rv);
        return;
    }
    /* invalidations after the read above stay owed: paid next time */
    mp_stat_set(MP_STAT_REDIS_PAID, owed);
    mp_rlog(APLOG_NOTICE, 0, r, MPLOGNO(01223), "Redis answers again; "
            "generation %" APR_INT64_T_FMT " carries the invalidations it "
            "missed", gen);
}

/* A Redis generation this host has not seen: another host invalidated,
 * so this host's shared-memory entries are stale too. */
static void follow_redis_generation(const char *gen)
{
    apr_uint64_t g = (apr_uint64_t)apr_atoi64(gen);
    apr_uint64_t seen = mp_stat_get(MP_STAT_REDIS_LAST_GEN);

    if (g != seen) {
        mp_stat_set(MP_STAT_REDIS_LAST_GEN, g);
        if (seen != 0) {
            mp_stat_add(MP_STAT_SHM_GENERATION, 1);
        }
    }
}

/* Reads the generation, the entry and (with_lock) the fill lock from the
 * request's backend, failing over to shared memory when Redis fails.
 * Sets cr->generation and cr->gen_be; *lock says whether a fill lock
 * exists. */
static apr_status_t read_state(request_rec *r, cache_req_t *cr,
                               int with_lock, const char **entry,
                               apr_size_t *len, int *lock)
{
    const char *keys[3], *vals[3] = { NULL, NULL, NULL };
    apr_size_t lens[3] = { 0, 0, 0 };
    apr_status_t rv = APR_EGENERAL;

    while (cr->be) {
        int redis = cr->be == &mp_cache_redis, n = 0;

        if (redis) {
            keys[n++] = cr->gen_key;
        }
        keys[n++] = cr->key;
        if (with_lock) {
            keys[n++] = cr->lock_key;
        }
        rv = cr->be->get(r, n, keys, vals, lens);
        if (rv != APR_SUCCESS) {
            if (!failover(r, cr, rv)) {
                return rv;
            }
            continue;
        }
        cr->gen_be = cr->be;
        if (redis) {
            breaker_success();
            if (vals[0] == NULL) {
                /* no generation (a fresh or emptied Redis): seed it from
                 * the clock, which is past any number used before.  If
                 * another request seeded it first, its value is unknown
                 * here: this request neither trusts nor stores an entry. */
                const char *seed = apr_psprintf(r->pool, "%" APR_TIME_T_FMT,
                                                apr_time_now());

                cr->generation = cr->be->add(r, cr->gen_key, seed, 0)
                                 == APR_SUCCESS ? seed : NULL;
                vals[1] = NULL;      /* no entry predates the generation */
            }
            else {
                cr->generation = vals[0];
                follow_redis_generation(vals[0]);
            }
            *entry = vals[1];
            *len = lens[1];
            *lock = with_lock && vals[2] != NULL;
        }
        else {
            cr->generation = shm_generation(r);
            *entry = vals[0];
            *len = lens[0];
            *lock = with_lock && vals[1] != NULL;
        }
        return APR_SUCCESS;
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

/* Splits "<gen>\n<etag>\n<body>"; NULL when it is not of the current
 * generation (or not an entry at all). */
static const char *fresh_body(const cache_req_t *cr, const char *entry,
                              apr_size_t len, const char **etag,
                              apr_size_t *body_len, apr_pool_t *p)
{
    const char *nl1, *nl2;

    if (entry == NULL || cr->generation == NULL
        || (nl1 = memchr(entry, '\n', len)) == NULL
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

static int serve_hit(request_rec *r, cache_req_t *cr, const char *body,
                     apr_size_t len, const char *etag)
{
    if (cr->be) {
        cr->be->release(r);
    }
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

static cache_req_t *request_state(request_rec *r)
{
    void *cr = NULL;

    apr_pool_userdata_get(&cr, USERDATA, r->pool);
    return cr;
}

/* The fill lock's value: random, not the request id, which a client may
 * choose (two clients sending one id could free each other's lock). */
static const char *lock_token(request_rec *r)
{
    unsigned char raw[12];
    char *hex = apr_palloc(r->pool, sizeof(raw) * 2 + 1);

    if (apr_generate_random_bytes(raw, sizeof(raw)) != APR_SUCCESS) {
        return apr_psprintf(r->pool, "%" APR_TIME_T_FMT "-%pp",
                            apr_time_now(), (void *)r);
    }
    for (size_t i = 0; i < sizeof(raw); i++) {
        apr_snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    }
    return hex;
}

void mp_cache_release_lock(request_rec *r)
{
    cache_req_t *cr = request_state(r);

    if (cr && cr->lock_be) {
        cr->lock_be->del_if(r, cr->lock_key, cr->token);
        cr->lock_be->release(r);
        cr->lock_be = NULL;
    }
}

static apr_status_t release_lock_cleanup(void *r)
{
    mp_cache_release_lock(r);
    return APR_SUCCESS;
}

/* Another request is filling this entry: wait while its lock stands.
 * Returns OK when its answer arrived and was served. */
static int wait_for_fill(request_rec *r, cache_req_t *cr)
{
    apr_time_t deadline = apr_time_now() + FILL_WAIT;

    mp_stat_add(MP_STAT_CACHE_LOCK_WAITS, 1);
    while (apr_time_now() < deadline) {
        const char *entry, *body, *etag;
        apr_size_t len, body_len;
        int locked;

        cr->be->release(r);
        apr_sleep(FILL_POLL);
        if (read_state(r, cr, 1, &entry, &len, &locked) != APR_SUCCESS) {
            return DECLINED;
        }
        body = fresh_body(cr, entry, len, &etag, &body_len, r->pool);
        if (body) {
            return serve_hit(r, cr, body, body_len, etag);
        }
        if (!locked) {
            break;       /* the filler ended without an answer to share */
        }
    }
    return DECLINED;     /* compute here (and store, if still possible) */
}

int mp_cache_lookup(request_rec *r, const mp_dir_conf_t *dc,
                    mp_cache_endpoint_t ep, const char *path,
                    const mp_params_t *ps)
{
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    const char *prefix = mp_conf_cache_prefix(sc);
    const char *entry, *body, *etag, *variant;
    apr_size_t len, body_len;
    cache_req_t *cr;
    apr_status_t rv;
    int locked;

    /* a repeated parameter is a 422 the handler must give */
    if (dc->cache != 1 || ep >= MP_CACHE_ENDPOINTS
        || r->method_number != M_GET || !apr_is_empty_table(ps->repeated)) {
        return DECLINED;
    }
    cr = apr_pcalloc(r->pool, sizeof(*cr));
    if ((cr->be = choose(r)) == NULL) {
        return DECLINED;
    }
    cr->ttl = mp_conf_cache_ttl(dc, ep);
    cr->gen_key = apr_pstrcat(r->pool, prefix, "generation", NULL);
    /* settings that shape the answer, or decide whether it is a 422 */
    variant = apr_psprintf(r->pool, "p%d/%d", mp_conf_page_size(dc),
                           mp_conf_max_page_size(dc));
    cr->key = apr_pstrcat(r->pool, prefix, "e:", mp_cache_key_hash(r->pool,
                          mp_cache_key_text(r->pool, variant, path,
                                            ps->args)), NULL);
    cr->lock_key = apr_pstrcat(r->pool, cr->key, ":fill", NULL);
    apr_pool_userdata_setn(cr, USERDATA, NULL, r->pool);
    pay_owed(r, cr);
    if (cr->be == NULL
        || read_state(r, cr, 0, &entry, &len, &locked) != APR_SUCCESS) {
        return DECLINED;
    }
    body = fresh_body(cr, entry, len, &etag, &body_len, r->pool);
    if (body) {
        return serve_hit(r, cr, body, body_len, etag);
    }
    mp_stat_add(MP_STAT_CACHE_MISSES, 1);
    if (cr->generation == NULL) {
        cr->be->release(r);
        return DECLINED;
    }
    cr->token = lock_token(r);
    rv = cr->be->add(r, cr->lock_key, cr->token, FILL_LOCK_TTL);
    if (rv == APR_SUCCESS) {
        cr->lock_be = cr->be;
        apr_pool_cleanup_register(r->pool, r, release_lock_cleanup,
                                  apr_pool_cleanup_null);
        cr->be->release(r);
        return DECLINED;
    }
    if (rv == APR_EEXIST) {
        return wait_for_fill(r, cr);
    }
    failover(r, cr, rv);
    cr->generation = NULL;     /* read on the other backend: do not store */
    return DECLINED;
}

int mp_cache_store(request_rec *r, const char *body, apr_size_t len)
{
    cache_req_t *cr = request_state(r);
    apr_size_t glen, elen;
    const char *etag;
    char *entry;
    apr_status_t rv;

    if (cr == NULL) {
        return 0;
    }
    etag = mp_etag_of(r->pool, body, len);
    set_cache_headers(r, cr, etag, "MISS");
    /* store only where the generation came from, and only if known */
    if (cr->be && cr->generation && cr->be == cr->gen_be) {
        glen = strlen(cr->generation);
        elen = glen + 1 + strlen(etag) + 1 + len;
        entry = apr_palloc(r->pool, elen);
        memcpy(entry, cr->generation, glen);
        entry[glen] = '\n';
        memcpy(entry + glen + 1, etag, strlen(etag));
        entry[glen + 1 + strlen(etag)] = '\n';
        memcpy(entry + elen - len, body, len);
        rv = cr->be->set(r, cr->key, entry, elen,
                         apr_time_from_sec(cr->ttl));
        if (rv == APR_SUCCESS) {
            mp_stat_add(MP_STAT_CACHE_STORES, 1);
        }
        else if (rv != APR_ENOSPC) {
            failover(r, cr, rv);
        }
        if (cr->be) {
            cr->be->release(r);
        }
    }
    mp_cache_release_lock(r);
    return mp_etag_matches(apr_table_get(r->headers_in, "If-None-Match"),
                           etag);
}

apr_status_t mp_cache_invalidate(request_rec *r, apr_int64_t *generation)
{
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    const char *key = apr_pstrcat(r->pool, mp_conf_cache_prefix(sc),
                                  "generation", NULL);
    apr_int64_t gen;
    apr_status_t rv;

    mp_stat_add(MP_STAT_SHM_GENERATION, 1);
    mp_stat_add(MP_STAT_CACHE_INVALIDATIONS, 1);
    *generation = (apr_int64_t)mp_stat_get(MP_STAT_SHM_GENERATION);
    if (!mp_cache_redis_configured(r->server)) {
        return APR_SUCCESS;
    }
    rv = mp_cache_redis.incr(r, key, &gen);
    mp_cache_redis.release(r);
    if (rv == APR_SUCCESS) {
        *generation = gen;
        return APR_SUCCESS;
    }
    /* owed: the first call that reaches Redis again pays it */
    mp_stat_add(MP_STAT_REDIS_OWED, 1);
    if (rv != MP_CACHE_BUSY) {
        breaker_failure();
    }
    mp_rlog(APLOG_WARNING, rv, r, MPLOGNO(01224), "invalidation could not "
            "reach Redis: this host is fresh; other hosts follow when Redis "
            "answers again");
    return rv;
}

const char *mp_cache_state(request_rec *r)
{
    if (mp_cache_redis_configured(r->server)) {
        if (!breaker_open()) {
            return "redis";
        }
        return mp_cache_shm_available() ? "fallback" : "off";
    }
    return mp_cache_shm_available() ? "shm" : "off";
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
