/* What PostgreSQL said about API key ids, kept by each child for
 * MarketPulseKeyCacheTTL seconds: found keys and unknown ids alike, so a
 * client repeating a key (good or bad) costs PostgreSQL one lookup per
 * child and TTL, and a revoked key stops working within the TTL.  Per
 * child rather than per host: a lookup per child is cheap, and nothing
 * here has to be shared memory a bad key could fill for everyone.  APR
 * only (a mutex for the child's threads), unit-tested. */
#ifndef MP_KEYCACHE_H
#define MP_KEYCACHE_H

#include "apr_pools.h"
#include "apr_time.h"

#include "mp_apikey.h"

#define MP_KEYCACHE_MAX     4096      /* ids per child; then it starts over */
#define MP_TIER_NAME_MAX    32

typedef struct {
    int found;                 /* the id has a row */
    int revoked;
    char hash[MP_APIKEY_HASH_HEX + 1];
    char tier[MP_TIER_NAME_MAX + 1];
    unsigned scopes;
    /* the secret a request proved against hash since the lookup, so the
     * key's next requests compare it instead of computing the HMAC
     * again; "" until then */
    char verified[MP_APIKEY_SECRET_MAX + 1];
} mp_keyrec_t;

typedef struct mp_keycache mp_keycache_t;

mp_keycache_t *mp_keycache_create(apr_pool_t *p);
/* 1 with *rec when id's record is cached and not yet expired at now. */
int mp_keycache_get(mp_keycache_t *kc, const char *id, apr_time_t now,
                    mp_keyrec_t *rec);
/* Keeps rec for id until expires.  Memory stays bounded: an id seen
 * again reuses its entry, and past MP_KEYCACHE_MAX ids the cache starts
 * over empty (which costs each key one lookup, never a wrong answer). */
void mp_keycache_put(mp_keycache_t *kc, const char *id,
                     const mp_keyrec_t *rec, apr_time_t expires);

/* Notes that secret (len bytes) matched id's hash, for the entry's life
 * (a lookup put anew forgets it). */
void mp_keycache_verified(mp_keycache_t *kc, const char *id,
                          const char *secret, apr_size_t len);

#endif
