/* A child's own copies of values it read from the host's shared-memory
 * cache.  shmcb is one structure behind one cross-process mutex, so with
 * notified coherence every hit of every thread of every child queued on
 * that mutex (profiled: the futex wake-ups were the largest difference
 * from a static file).  A copy here is read under a reader-writer lock
 * of its own slot, which readers do not contend for.
 *
 * A copy is served only while the tag it was taken under (the backend's
 * generation) is still current and before the expiry of the value it
 * copies, so it is never older than the shared value could be.  Only
 * values that are set and never deleted belong here (cache entries, not
 * fill locks).  Bounded: a fixed number of slots, each one value, and
 * values over a size limit are not copied.  APR only, unit-tested. */
#ifndef MP_HOTCOPY_H
#define MP_HOTCOPY_H

#include "apr_pools.h"
#include "apr_time.h"

typedef struct mp_hotcopy mp_hotcopy_t;

/* slots: how many values (a power of two); max_len: the largest value
 * copied.  Memory comes from pools under p made here, so call it where
 * one thread runs (child_init). */
apr_status_t mp_hotcopy_create(mp_hotcopy_t **hc, apr_pool_t *p, int slots,
                               apr_size_t max_len);

/* 1 with a copy of id's value in p (NUL-terminated, *len bytes) when
 * one was taken under tag and expires after now; 0 otherwise. */
int mp_hotcopy_get(mp_hotcopy_t *hc, const char *id, apr_uint64_t tag,
                   apr_time_t now, apr_pool_t *p, const char **val,
                   apr_size_t *len);

/* Keeps a copy of val (len bytes) for id, taken under tag, until
 * expires; it replaces whatever shared its slot. */
void mp_hotcopy_put(mp_hotcopy_t *hc, const char *id, apr_uint64_t tag,
                    apr_time_t expires, const char *val, apr_size_t len);

#endif
