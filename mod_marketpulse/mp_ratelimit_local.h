/* The rate limiter's per-host count, for when Redis cannot count
 * (MarketPulseRateLimitFallback local, or no Redis configured): a
 * fixed-size open-addressed table in shared memory, updated with
 * compare-and-swap only, so every child of the host counts into it
 * without a lock.  Pure (APR atomics, no httpd), so the unit tests
 * drive it with a clock of their own. */
#ifndef MP_RATELIMIT_LOCAL_H
#define MP_RATELIMIT_LOCAL_H

#include "apr.h"

/* A bucket's slot.  tag: the bucket's hash (0: free).  state: the end
 * of its window (milliseconds of the host's monotonic clock, 40 bits)
 * and the count so far (24 bits: MP_RATE_LIMIT_MAX fits). */
typedef struct {
    volatile apr_uint64_t tag;
    volatile apr_uint64_t state;
} mp_rl_slot_t;

/* 16 bytes each: 256 KB for a host's table. */
#define MP_RL_LOCAL_SLOTS 16384
/* Slots looked at from a bucket's home slot before giving up. */
#define MP_RL_LOCAL_PROBES 8

/* What a count found. */
typedef struct {
    int allowed;               /* within the limit (and, taking, counted) */
    long count;                /* counted in the window, this one too */
    apr_uint64_t left_ms;      /* until the window ends */
    int shared;                /* the table was full near its home: the
                                  bucket counted with another one's */
} mp_rl_count_t;

/* A 64-bit hash of a bucket's key (never 0). */
apr_uint64_t mp_rl_hash(const char *key);

/* Counts one for the bucket of hash (take) or only reads its count, in
 * slots[0..n) at now_ms.  A window starts at the bucket's first request
 * and lasts window_ms (fixed, as in Redis).  A bucket takes a free slot
 * near its home, else one whose window has ended; when every slot near
 * it holds a live window it counts in its home slot together with that
 * slot's bucket: a full table errs towards limiting, never past it. */
void mp_rl_local_count(mp_rl_slot_t *slots, apr_size_t n, apr_uint64_t hash,
                       long limit, apr_uint64_t window_ms,
                       apr_uint64_t now_ms, int take, mp_rl_count_t *out);

#endif
