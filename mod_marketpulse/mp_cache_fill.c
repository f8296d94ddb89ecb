/* The fill lock: one request at a time computes a missed entry, on every
 * host that shares the backend, while the others wait for its answer
 * (docs/architecture.md, "Stampedes").  The lock is a key of the backend
 * (SET NX with a TTL, a random token as value) that only its owner
 * deletes (compare-and-delete); waiters poll the entry and the lock. */
#include "httpd.h"
#include "util_filter.h"
#include "apr_strings.h"
#include "apr_time.h"

#include "mp_cache.h"
#include "mp_cache_internal.h"
#include "mp_ctx.h"
#include "mp_hex.h"
#include "mp_stats.h"

#define FILL_LOCK_TTL apr_time_from_sec(30)
#define FILL_WAIT apr_time_from_msec(2000)
#define FILL_POLL apr_time_from_msec(15)

void mp_cache_release_lock(request_rec *r, struct mp_cache_req *cr)
{
    if (cr->lock_be) {
        cr->lock_be->del_if(r, cr->lock_key, cr->token);
        cr->lock_be->release(r);
        cr->lock_be = NULL;
    }
}

/* The safety net for a request that ends without its answer passing the
 * save filter. */
static apr_status_t release_lock_cleanup(void *r)
{
    struct mp_cache_req *cr = mp_ctx(r)->cache;

    if (cr) {
        mp_cache_release_lock(r, cr);
    }
    return APR_SUCCESS;
}

typedef enum { FILL_ARRIVED, FILL_UNLOCKED, FILL_GIVE_UP } fill_wait_t;

/* Another request is filling this entry: wait while its lock stands,
 * until its answer is one for this request (mp_cache_answer_for). */
static fill_wait_t wait_for_fill(request_rec *r, struct mp_cache_req *cr,
                                 const char *asked,
                                 const mp_cache_backend_t *asked_be,
                                 apr_time_t deadline, mp_cache_hit_t *hit)
{
    while (apr_time_now() < deadline) {
        const char *entry;
        apr_size_t len;
        int locked;

        cr->be->release(r);
        apr_sleep(FILL_POLL);
        if (mp_cache_read_state(r, cr, 1, &entry, &len, &locked) != APR_SUCCESS) {
            return FILL_GIVE_UP;
        }
        if (mp_cache_answer_for(r, cr, asked, asked_be, entry, len, hit)) {
            return FILL_ARRIVED;
        }
        if (!locked) {
            return FILL_UNLOCKED;   /* ended without an answer for us */
        }
    }
    return FILL_GIVE_UP;
}

/* The lock is this request's, but the last read was before it: a filler
 * may have stored its answer and let go of the lock in between (while
 * this thread waited for a core), and this request would compute the
 * entry a second time.  One more read tells. */
static int filled_before_lock(request_rec *r, struct mp_cache_req *cr,
                              const char *asked,
                              const mp_cache_backend_t *asked_be,
                              mp_cache_hit_t *hit)
{
    const char *entry;
    apr_size_t len;
    int locked;

    return mp_cache_read_state(r, cr, 0, &entry, &len, &locked) == APR_SUCCESS
           && mp_cache_answer_for(r, cr, asked, asked_be, entry, len, hit);
}

/* A miss: take the fill lock, or wait for the request that has it; when
 * that one ends without an answer this request can use, take the lock in
 * turn, so that one request at a time fills an entry however often writes
 * move the generation on.  Returns 1 when an answer arrived meanwhile;
 * 0 to compute here (and store, if still possible). */
static int fill_or_wait(request_rec *r, struct mp_cache_req *cr,
                        mp_cache_hit_t *hit)
{
    apr_time_t deadline = apr_time_now() + FILL_WAIT;
    const char *asked = cr->generation;
    const mp_cache_backend_t *asked_be = cr->gen_be;
    int waited = 0;
    apr_status_t rv;

    /* random, not the request id, which a client may choose (two clients
     * sending one id could free each other's lock) */
    cr->token = mp_hex_random(r->pool, 12);
    if (cr->token == NULL) {
        cr->token = apr_psprintf(r->pool, "%" APR_TIME_T_FMT "-%pp",
                                 apr_time_now(), (void *)r);
    }
    for (;;) {
        rv = cr->be->add(r, cr->lock_key, cr->token, FILL_LOCK_TTL);
        if (rv == APR_SUCCESS) {
            cr->lock_be = cr->be;
            apr_pool_cleanup_register(r->pool, r, release_lock_cleanup,
                                      apr_pool_cleanup_null);
            if (filled_before_lock(r, cr, asked, asked_be, hit)) {
                mp_cache_release_lock(r, cr);
                return 1;
            }
            if (cr->be) {
                cr->be->release(r);
            }
            return 0;
        }
        if (rv != APR_EEXIST) {
            mp_cache_failover(r, cr, rv);
            cr->generation = NULL;  /* read on the other backend: no store */
            return 0;
        }
        if (!waited++) {
            mp_stat_add(MP_STAT_CACHE_LOCK_WAITS, 1);
        }
        switch (wait_for_fill(r, cr, asked, asked_be, deadline, hit)) {
        case FILL_ARRIVED:
            return 1;
        case FILL_UNLOCKED:
            continue;
        case FILL_GIVE_UP:
            if (cr->be) {
                cr->be->release(r);  /* not held while the handler runs */
            }
            return 0;
        }
    }
}

int mp_cache_fill(request_rec *r, mp_cache_hit_t *hit)
{
    struct mp_cache_req *cr = mp_ctx(r)->cache;

    if (cr == NULL || !cr->missed) {
        return 0;              /* not looked up: not cacheable */
    }
    if (cr->fill && fill_or_wait(r, cr, hit)) {
        return 1;
    }
    /* a miss, or no backend left for this request: the answer still gets
     * its ETag (and a 304), stored only where that is still possible */
    ap_add_output_filter(MP_CACHE_SAVE_FILTER, cr, r, r->connection);
    return 0;
}
