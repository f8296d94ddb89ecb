/* The per-child cache of key lookups (mp_keycache.h). */
#include <string.h>

#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"

#include "mp_keycache.h"

typedef struct {
    char id[MP_APIKEY_ID_MAX + 1];
    mp_keyrec_t rec;
    apr_time_t expires;
} entry_t;

struct mp_keycache {
    apr_thread_mutex_t *lock;  /* NULL without threads */
    apr_pool_t *entries;       /* cleared when the cache starts over */
    apr_hash_t *by_id;
};

mp_keycache_t *mp_keycache_create(apr_pool_t *p)
{
    mp_keycache_t *kc = apr_pcalloc(p, sizeof(*kc));

    if (apr_thread_mutex_create(&kc->lock, APR_THREAD_MUTEX_DEFAULT, p)
        != APR_SUCCESS) {
        kc->lock = NULL;
    }
    apr_pool_create(&kc->entries, p);
    kc->by_id = apr_hash_make(kc->entries);
    return kc;
}

static void lock(mp_keycache_t *kc)
{
    if (kc->lock) {
        apr_thread_mutex_lock(kc->lock);
    }
}

static void unlock(mp_keycache_t *kc)
{
    if (kc->lock) {
        apr_thread_mutex_unlock(kc->lock);
    }
}

int mp_keycache_get(mp_keycache_t *kc, const char *id, apr_time_t now,
                    mp_keyrec_t *rec)
{
    const entry_t *e;
    int fresh = 0;

    lock(kc);
    e = apr_hash_get(kc->by_id, id, APR_HASH_KEY_STRING);
    if (e && e->expires > now) {
        *rec = e->rec;
        fresh = 1;
    }
    unlock(kc);
    return fresh;
}

void mp_keycache_verified(mp_keycache_t *kc, const char *id,
                          const char *secret, apr_size_t len)
{
    entry_t *e;

    if (len >= sizeof(e->rec.verified)) {
        return;
    }
    lock(kc);
    e = apr_hash_get(kc->by_id, id, APR_HASH_KEY_STRING);
    if (e) {
        memcpy(e->rec.verified, secret, len);
        e->rec.verified[len] = '\0';
    }
    unlock(kc);
}

void mp_keycache_put(mp_keycache_t *kc, const char *id,
                     const mp_keyrec_t *rec, apr_time_t expires)
{
    entry_t *e;

    if (strlen(id) > MP_APIKEY_ID_MAX) {
        return;
    }
    lock(kc);
    e = apr_hash_get(kc->by_id, id, APR_HASH_KEY_STRING);
    if (e == NULL) {
        if (apr_hash_count(kc->by_id) >= MP_KEYCACHE_MAX) {
            apr_pool_clear(kc->entries);
            kc->by_id = apr_hash_make(kc->entries);
        }
        e = apr_pcalloc(kc->entries, sizeof(*e));
        apr_cpystrn(e->id, id, sizeof(e->id));
        apr_hash_set(kc->by_id, e->id, APR_HASH_KEY_STRING, e);
    }
    e->rec = *rec;
    e->rec.verified[0] = '\0';
    e->expires = expires;
    unlock(kc);
}
