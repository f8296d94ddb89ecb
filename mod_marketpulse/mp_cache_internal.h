/* What the cache policy's files share: mp_cache.c looks answers up and
 * invalidates; mp_cache_fill.c lets one request at a time compute a
 * missed entry; mp_cache_save.c stores answers on their way out. */
#ifndef MP_CACHE_INTERNAL_H
#define MP_CACHE_INTERNAL_H

#include "httpd.h"

#include "mp_cache.h"
#include "mp_cache_backend.h"

/* A request's cache state (mp_ctx_t.cache). */
struct mp_cache_req {
    const mp_cache_backend_t *be;      /* where this request works now */
    const mp_cache_backend_t *gen_be;  /* where `generation` was read */
    const char *generation;            /* NULL: do not store */
    const char *local_generation;      /* notified: the local backend's,
                                          read first; the answer is kept
                                          there too (NULL: not) */
    const char *prefix;                /* MarketPulseCachePrefix */
    const char *gen_key;
    const char *key;
    const char *local_key;             /* notified: key, and the Redis it
                                          is a copy from (one host may serve
                                          sites of several Redis servers) */
    const char *lock_key;
    const char *token;                 /* our fill lock's value */
    const mp_cache_backend_t *lock_be; /* where we hold it, or NULL */
    int ttl;
    int missed;                        /* the lookup found nothing fresh */
    int fill;                          /* ... and mp_cache_fill may fill */
    int local_hit;                     /* a hit from this host's memory */
    apr_bucket_brigade *held;          /* mp_cache_save: the answer so far */
};

/* After a failed backend call (a failure is counted and logged; a busy
 * pool is not a failure): moves a request on the shared backend to the
 * local one, and leaves one that failed there without a cache.  1 when
 * the call should be made again on the local backend. */
int mp_cache_failover(request_rec *r, struct mp_cache_req *cr,
                      apr_status_t rv);

/* Sets ETag, X-Cache and Cache-Control. */
void mp_cache_headers(request_rec *r, const struct mp_cache_req *cr,
                      const char *etag, const char *state);

/* Notified coherence: keeps an answer the shared backend gave
 * (computed elsewhere: copied, for half its TTL from now, so an answer
 * is served at most 1.5 TTL after it was computed) or this request computed (the whole TTL) in
 * this host's memory under cr->local_generation. */
void mp_cache_keep_local(request_rec *r, const struct mp_cache_req *cr,
                         const char *etag, const char *body, apr_size_t len,
                         int copied);

/* Reads the generation, the entry and (with_lock) the fill lock, failing
 * over to the local backend when the shared one fails.  Sets
 * cr->generation and cr->gen_be; *lock says whether a fill lock exists. */
apr_status_t mp_cache_read_state(request_rec *r, struct mp_cache_req *cr,
                                 int with_lock, const char **entry,
                                 apr_size_t *len, int *lock);

/* 1 (a hit set up in *hit) when an entry another request filled is this
 * one's answer: of the current generation, or of the one this request
 * read when it began (asked, on asked_be) or a later one. */
int mp_cache_answer_for(request_rec *r, struct mp_cache_req *cr,
                        const char *asked, const mp_cache_backend_t *asked_be,
                        const char *entry, apr_size_t len,
                        mp_cache_hit_t *hit);

/* Frees this request's fill lock, if it holds one, so requests waiting
 * for it stop waiting. */
void mp_cache_release_lock(request_rec *r, struct mp_cache_req *cr);

#endif
