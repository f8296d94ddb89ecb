/* Shared-memory cache backend: mod_socache_shmcb, looked up as a provider
 * and made before the fork so every child of this host shares it.  shmcb
 * is not safe for concurrent use, so one global mutex guards each call;
 * the same mutex makes add() and del_if() atomic across children.  The
 * generation is a counter in a segment of its own, not an shmcb entry,
 * which shmcb could evict.
 *
 * Each value is stored after its expiry time, so a child can keep its
 * own copy of an entry it read (mp_hotcopy) for no longer than the
 * shared one lives: a hit found there takes no cross-process lock. */
#include <stdlib.h>
#include <string.h>

#include "ap_provider.h"
#include "ap_socache.h"
#include "apr_atomic.h"
#include "apr_global_mutex.h"
#include "apr_hash.h"
#include "apr_strings.h"
#include "http_config.h"
#include "util_mutex.h"

#include "mp_cache_backend.h"
#include "mp_config.h"
#include "mp_hotcopy.h"
#include "mp_log.h"
#include "mp_shm.h"

#define MUTEX_TYPE "marketpulse-cache"
#define MAX_VALUE (256 * 1024)     /* larger answers are not kept here */
#define HOT_SLOTS 64               /* entries a child keeps a copy of */
#define HOT_MAX_VALUE (64 * 1024)  /* and the largest it copies */

static const ap_socache_provider_t *provider;
static ap_socache_instance_t *instance;
static apr_global_mutex_t *lock;
static server_rec *main_server;
static volatile apr_uint64_t *generation;
static mp_hotcopy_t *hot;          /* this child's copies; NULL: none */

/* What precedes each value in shmcb: when it expires. */
typedef apr_time_t stored_expiry_t;

static void shm_pre_config(apr_pool_t *pconf)
{
    ap_mutex_register(pconf, MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0);
}

static apr_status_t forget(void *unused)
{
    (void)unused;
    instance = NULL;               /* destroyed with pconf on restart */
    provider = NULL;
    lock = NULL;
    return APR_SUCCESS;
}

/* This host's generation, starting at the clock (microseconds): never a
 * number used before, nor one a clock-seeded generation elsewhere will
 * reach by counting. */
static apr_status_t create_generation(apr_pool_t *pconf, server_rec *s)
{
    if (mp_shm_make(pconf, s, sizeof(apr_uint64_t), &generation,
                    "the shared-memory cache's generation") == NULL) {
        return APR_ENOMEM;
    }
    *generation = (apr_uint64_t)apr_time_now();
    return APR_SUCCESS;
}

static int shm_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                           server_rec *s)
{
    mp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                             &marketpulse_module);
    /* typical answers are a few KB; shmcb sizes its index from this */
    struct ap_socache_hints hints = {64, 4096, 3600};
    const char *err, *arg;
    apr_status_t rv;

    main_server = s;
    apr_pool_cleanup_register(pconf, NULL, forget, apr_pool_cleanup_null);
    provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, "shmcb",
                                  AP_SOCACHE_PROVIDER_VERSION);
    if (provider == NULL) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, MPLOGNO(01201)
                     "mod_socache_shmcb is not loaded: without Redis the "
                     "cache is off (LoadModule socache_shmcb_module)");
        return OK;
    }
    arg = apr_psprintf(ptemp, "%s(%d)",
                       ap_runtime_dir_relative(ptemp, "marketpulse-cache"),
                       mp_conf_cache_shm_size(sc));
    err = provider->create(&instance, arg, ptemp, pconf);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, MPLOGNO(01202)
                     "shared-memory cache: %s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = provider->init(instance, "marketpulse", &hints, s, pconf);
    if (rv == APR_SUCCESS) {
        rv = ap_global_mutex_create(&lock, NULL, MUTEX_TYPE, NULL, s, pconf,
                                    0);
    }
    if (rv == APR_SUCCESS) {
        rv = create_generation(pconf, s);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, MPLOGNO(01203)
                     "shared-memory cache could not be created");
        instance = NULL;
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static void shm_child_init(apr_pool_t *p, server_rec *s)
{
    if (lock && apr_global_mutex_child_init(&lock,
                    apr_global_mutex_lockfile(lock), p) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, MPLOGNO(01204)
                     "cannot attach to the shared-memory cache lock");
        instance = NULL;
    }
    if (instance && mp_hotcopy_create(&hot, p, HOT_SLOTS, HOT_MAX_VALUE)
                    != APR_SUCCESS) {
        hot = NULL;            /* every read takes the lock: slower, right */
    }
}

static int shm_available(server_rec *s)
{
    (void)s;
    return instance != NULL;
}

/* shmcb picks a sub-cache by the low bits of the id's first byte; every
 * key starts with the same prefix, so the id starts with a byte of a hash
 * of the whole key (never 0: ids are handled as C strings here). */
static const char *shm_id(request_rec *r, const char *key)
{
    apr_ssize_t klen = APR_HASH_KEY_STRING;
    unsigned int h = apr_hashfunc_default(key, &klen);
    char first[2] = { (char)((h & 0xff) ? (h & 0xff) : 1), '\0' };

    return apr_pstrcat(r->pool, first, key, NULL);
}

/* One read buffer per connection (its requests run one at a time), not
 * one per request: a block this large goes back to malloc when its pool
 * is cleared (past MaxMemFree), and with notified coherence every hit
 * reads here; mapping and unmapping it per request cost more than the
 * hit itself. */
static unsigned char *read_buffer(request_rec *r)
{
    conn_rec *c = r->connection;
    unsigned char *buf = ap_get_module_config(c->conn_config,
                                              &marketpulse_module);

    if (buf == NULL) {
        buf = apr_palloc(c->pool, sizeof(stored_expiry_t) + MAX_VALUE + 1);
        ap_set_module_config(c->conn_config, &marketpulse_module, buf);
    }
    return buf;
}

/* The calls below run with the lock held; they get the shmcb id.  A
 * value found comes with its expiry (when asked for). */
static apr_status_t get_locked(request_rec *r, const char *id,
                               const char **val, apr_size_t *len,
                               apr_time_t *expires)
{
    unsigned char *buf = read_buffer(r);
    unsigned int n = sizeof(stored_expiry_t) + MAX_VALUE;
    apr_status_t rv = provider->retrieve(instance, main_server,
                                         (const unsigned char *)id,
                                         (unsigned int)strlen(id), buf, &n,
                                         r->pool);
    stored_expiry_t at;

    *val = NULL;
    *len = 0;
    if (rv == APR_NOTFOUND) {
        return APR_SUCCESS;
    }
    if (rv == APR_SUCCESS && n >= sizeof(at)) {
        memcpy(&at, buf, sizeof(at));
        *val = apr_pstrmemdup(r->pool, (const char *)buf + sizeof(at),
                              n - sizeof(at));
        *len = n - sizeof(at);
        if (expires) {
            *expires = at;
        }
    }
    return rv;
}

static apr_status_t set_locked(request_rec *r, const char *id,
                               const char *val, apr_size_t len,
                               apr_interval_time_t ttl)
{
    stored_expiry_t at;
    unsigned char *stored;

    if (len > MAX_VALUE) {
        return APR_ENOSPC;
    }
    if (ttl == 0) {
        ttl = apr_time_from_sec(86400 * 365);
    }
    at = apr_time_now() + ttl;
    stored = apr_palloc(r->pool, sizeof(at) + len);
    memcpy(stored, &at, sizeof(at));
    memcpy(stored + sizeof(at), val, len);
    return provider->store(instance, main_server, (const unsigned char *)id,
                           (unsigned int)strlen(id), at, stored,
                           (unsigned int)(sizeof(at) + len), r->pool);
}

#define WITH_LOCK(call)                                                     \
    apr_status_t rv;                                                        \
    if (instance == NULL) return APR_ENOTIMPL;                              \
    if ((rv = apr_global_mutex_lock(lock)) != APR_SUCCESS) return rv;       \
    rv = (call);                                                            \
    apr_global_mutex_unlock(lock);                                          \
    return rv

static apr_status_t get_all(request_rec *r, int n, const char *const *ids,
                            const char **vals, apr_size_t *lens,
                            apr_time_t *entry_expires)
{
    apr_status_t rv = APR_SUCCESS;

    for (int i = 0; i < n && rv == APR_SUCCESS; i++) {
        rv = get_locked(r, ids[i], &vals[i], &lens[i],
                        i == 0 ? entry_expires : NULL);
    }
    return rv;
}

static apr_status_t get_ids(request_rec *r, int n, const char *const *ids,
                            const char **vals, apr_size_t *lens,
                            apr_time_t *entry_expires)
{
    WITH_LOCK(get_all(r, n, ids, vals, lens, entry_expires));
}

/* The generation is this host's counter, whatever gen_key says: one host,
 * one shared-memory cache.  keys[0] is an entry (set, never deleted), so
 * this child's copy of it serves while the generation read before it
 * stands; the fill lock that may follow is always read from shmcb. */
static apr_status_t shm_read(request_rec *r, const char *gen_key, int n,
                             const char *const *keys, const char **gen,
                             const char **vals, apr_size_t *lens)
{
    const char **ids = apr_palloc(r->pool, sizeof(char *) * (size_t)n);
    apr_uint64_t tag = apr_atomic_read64(generation);
    apr_time_t expires = 0;
    apr_status_t rv;

    (void)gen_key;
    for (int i = 0; i < n; i++) {
        ids[i] = shm_id(r, keys[i]);
    }
    *gen = apr_psprintf(r->pool, "%" APR_UINT64_T_FMT, tag);
    if (n == 1 && hot && mp_hotcopy_get(hot, ids[0], tag, apr_time_now(),
                                        r->pool, &vals[0], &lens[0])) {
        return APR_SUCCESS;
    }
    rv = get_ids(r, n, ids, vals, lens, &expires);
    if (rv == APR_SUCCESS && hot && vals[0] != NULL) {
        mp_hotcopy_put(hot, ids[0], tag, expires, vals[0], lens[0]);
    }
    return rv;
}

static apr_status_t shm_set(request_rec *r, const char *key, const char *val,
                            apr_size_t len, apr_interval_time_t ttl)
{
    const char *id = shm_id(r, key);

    WITH_LOCK(set_locked(r, id, val, len, ttl));
}

static apr_status_t add_locked(request_rec *r, const char *id,
                               const char *val, apr_interval_time_t ttl)
{
    const char *v;
    apr_size_t n;
    apr_status_t rv = get_locked(r, id, &v, &n, NULL);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    return v ? APR_EEXIST : set_locked(r, id, val, strlen(val), ttl);
}

static apr_status_t shm_add(request_rec *r, const char *key, const char *val,
                            apr_interval_time_t ttl)
{
    const char *id = shm_id(r, key);

    WITH_LOCK(add_locked(r, id, val, ttl));
}

static apr_status_t del_if_locked(request_rec *r, const char *id,
                                  const char *val)
{
    const char *v;
    apr_size_t n;
    apr_status_t rv = get_locked(r, id, &v, &n, NULL);

    if (rv != APR_SUCCESS || v == NULL || strcmp(v, val) != 0) {
        return rv;
    }
    return provider->remove(instance, main_server, (const unsigned char *)id,
                            (unsigned int)strlen(id), r->pool);
}

static apr_status_t shm_del_if(request_rec *r, const char *key,
                               const char *val)
{
    const char *id = shm_id(r, key);

    WITH_LOCK(del_if_locked(r, id, val));
}

static apr_status_t shm_bump(request_rec *r, const char *gen_key,
                             apr_int64_t *gen)
{
    (void)r;
    (void)gen_key;
    if (generation == NULL) {
        return APR_ENOTIMPL;
    }
    *gen = (apr_int64_t)(apr_atomic_add64(generation, 1) + 1);
    return APR_SUCCESS;
}

static void shm_release(request_rec *r)
{
    (void)r;
}

const mp_cache_backend_t mp_cache_shm = {
    "shm", MP_CACHE_LOCAL,
    shm_pre_config, shm_post_config, shm_child_init,
    shm_available, NULL, NULL,
    shm_read, shm_set, shm_add, shm_del_if, shm_bump, NULL, shm_release
};
