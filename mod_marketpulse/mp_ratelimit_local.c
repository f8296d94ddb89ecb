/* The per-host fallback count (mp_ratelimit_local.h): lock-free, each
 * slot two 64-bit words changed by compare-and-swap. */
#include "apr_atomic.h"

#include "mp_ratelimit_local.h"

#define COUNT_BITS 24
#define COUNT_MASK ((APR_UINT64_C(1) << COUNT_BITS) - 1)
#define END_MASK ((APR_UINT64_C(1) << (64 - COUNT_BITS)) - 1)

#define STATE(end, count) ((((end) & END_MASK) << COUNT_BITS) | (count))
#define END_OF(st) ((st) >> COUNT_BITS)
#define COUNT_OF(st) ((st) & COUNT_MASK)

apr_uint64_t mp_rl_hash(const char *key)
{
    /* FNV-1a: a bucket's key is short text; collisions only merge two
     * buckets' counts, towards limiting */
    apr_uint64_t h = APR_UINT64_C(14695981039346656037);

    for (const unsigned char *c = (const unsigned char *)key; *c; c++) {
        h ^= *c;
        h *= APR_UINT64_C(1099511628211);
    }
    return h ? h : 1;
}

/* The bucket's slot: its own, a free one claimed, an ended one taken
 * over, or (the table full around it) its home slot, shared. */
static mp_rl_slot_t *find(mp_rl_slot_t *slots, apr_size_t n,
                          apr_uint64_t hash, apr_uint64_t now_ms,
                          int *shared)
{
    apr_size_t home = (apr_size_t)(hash % n);

    *shared = 0;
    for (apr_size_t p = 0; p < MP_RL_LOCAL_PROBES && p < n; p++) {
        mp_rl_slot_t *s = &slots[(home + p) % n];
        apr_uint64_t tag = apr_atomic_read64(&s->tag);

        if (tag == hash) {
            return s;
        }
        if (tag == 0 && (apr_atomic_cas64(&s->tag, hash, 0) == 0
                         || apr_atomic_read64(&s->tag) == hash)) {
            return s;
        }
    }
    for (apr_size_t p = 0; p < MP_RL_LOCAL_PROBES && p < n; p++) {
        mp_rl_slot_t *s = &slots[(home + p) % n];
        apr_uint64_t tag = apr_atomic_read64(&s->tag);

        /* an ended window is nobody's count any more; its old state
         * reads as ended, so the new owner starts at zero */
        if (END_OF(apr_atomic_read64(&s->state)) <= (now_ms & END_MASK)
            && apr_atomic_cas64(&s->tag, hash, tag) == tag) {
            return s;
        }
    }
    *shared = 1;
    return &slots[home];
}

void mp_rl_local_count(mp_rl_slot_t *slots, apr_size_t n, apr_uint64_t hash,
                       long limit, apr_uint64_t window_ms,
                       apr_uint64_t now_ms, int take, mp_rl_count_t *out)
{
    mp_rl_slot_t *s = find(slots, n, hash, now_ms, &out->shared);
    apr_uint64_t now = now_ms & END_MASK;

    for (;;) {
        apr_uint64_t st = apr_atomic_read64(&s->state);
        apr_uint64_t end = END_OF(st), count = COUNT_OF(st);

        if (end <= now) {
            end = (now + window_ms) & END_MASK;   /* a new window */
            count = 0;
        }
        out->left_ms = end - now;
        if (!take || count >= (apr_uint64_t)limit) {
            out->count = (long)count;
            out->allowed = count < (apr_uint64_t)limit;
            return;
        }
        if (apr_atomic_cas64(&s->state, STATE(end, count + 1), st) == st) {
            out->count = (long)count + 1;
            out->allowed = 1;
            return;
        }
    }
}
