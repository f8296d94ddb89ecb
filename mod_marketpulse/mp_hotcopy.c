/* A child's copies of shared-memory cache values (mp_hotcopy.h). */
#include <string.h>

#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_thread_rwlock.h"

#include "mp_hotcopy.h"

#define MIN_CAPACITY 4096

/* One value: "<id>\0<value>\0" in buf, which its own pool holds, so a
 * larger value replacing it frees the smaller buffer.  Its own allocator
 * too: the pool is cleared by whichever thread holds the write lock. */
typedef struct {
    apr_thread_rwlock_t *lock;
    apr_pool_t *pool;
    char *buf;
    apr_size_t cap, idlen, len;
    apr_uint64_t tag;
    apr_time_t expires;        /* 0: empty */
} slot_t;

struct mp_hotcopy {
    slot_t *slots;
    unsigned mask;
    apr_size_t max_len;
};

static apr_status_t slot_init(slot_t *s, apr_pool_t *p)
{
    apr_allocator_t *allocator;
    apr_status_t rv = apr_allocator_create(&allocator);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_pool_create_ex(&s->pool, p, NULL, allocator);
    if (rv != APR_SUCCESS) {
        apr_allocator_destroy(allocator);
        return rv;
    }
    apr_allocator_owner_set(allocator, s->pool);
    return apr_thread_rwlock_create(&s->lock, p);
}

apr_status_t mp_hotcopy_create(mp_hotcopy_t **hc, apr_pool_t *p, int slots,
                               apr_size_t max_len)
{
    mp_hotcopy_t *h = apr_pcalloc(p, sizeof(*h));
    apr_status_t rv;

    if (slots <= 0 || (slots & (slots - 1)) != 0) {
        return APR_EINVAL;
    }
    h->slots = apr_pcalloc(p, sizeof(slot_t) * (apr_size_t)slots);
    h->mask = (unsigned)slots - 1;
    h->max_len = max_len;
    for (int i = 0; i < slots; i++) {
        if ((rv = slot_init(&h->slots[i], p)) != APR_SUCCESS) {
            return rv;
        }
    }
    *hc = h;
    return APR_SUCCESS;
}

static slot_t *slot_of(mp_hotcopy_t *hc, const char *id, apr_size_t idlen)
{
    apr_ssize_t klen = (apr_ssize_t)idlen;

    return &hc->slots[apr_hashfunc_default(id, &klen) & hc->mask];
}

/* Whether s holds id's value, taken under tag, still alive at now. */
static int holds(const slot_t *s, const char *id, apr_size_t idlen,
                 apr_uint64_t tag, apr_time_t now)
{
    return s->expires > now && s->tag == tag && s->idlen == idlen
           && memcmp(s->buf, id, idlen) == 0;
}

int mp_hotcopy_get(mp_hotcopy_t *hc, const char *id, apr_uint64_t tag,
                   apr_time_t now, apr_pool_t *p, const char **val,
                   apr_size_t *len)
{
    apr_size_t idlen = strlen(id);
    slot_t *s = slot_of(hc, id, idlen);
    char *copy = NULL;

    if (apr_thread_rwlock_rdlock(s->lock) != APR_SUCCESS) {
        return 0;
    }
    if (holds(s, id, idlen, tag, now)) {
        copy = apr_pmemdup(p, s->buf + idlen + 1, s->len + 1);
        *len = s->len;
    }
    apr_thread_rwlock_unlock(s->lock);
    *val = copy;
    return copy != NULL;
}

/* Room for need bytes in s, which must be write-locked. */
static int make_room(slot_t *s, apr_size_t need)
{
    if (need <= s->cap) {
        return 1;
    }
    apr_pool_clear(s->pool);
    s->cap = need < MIN_CAPACITY ? MIN_CAPACITY : need;
    s->buf = apr_palloc(s->pool, s->cap);
    s->expires = 0;
    return s->buf != NULL;
}

void mp_hotcopy_put(mp_hotcopy_t *hc, const char *id, apr_uint64_t tag,
                    apr_time_t expires, const char *val, apr_size_t len)
{
    apr_size_t idlen = strlen(id);
    slot_t *s;

    if (len > hc->max_len) {
        return;
    }
    s = slot_of(hc, id, idlen);
    if (apr_thread_rwlock_wrlock(s->lock) != APR_SUCCESS) {
        return;
    }
    if (make_room(s, idlen + len + 2)) {
        memcpy(s->buf, id, idlen + 1);
        memcpy(s->buf + idlen + 1, val, len);
        s->buf[idlen + 1 + len] = '\0';
        s->idlen = idlen;
        s->len = len;
        s->tag = tag;
        s->expires = expires;
    }
    apr_thread_rwlock_unlock(s->lock);
}
