/* The query profile in shared memory (mp_profile.h).  Figures are atomic
 * adds; min and max are compare-and-swap loops.  The ring is written
 * without a lock: a writer takes the next entry with an atomic counter and
 * marks it busy (odd sequence number) while it copies, so a reader skips
 * an entry that is being written or was overwritten while it read. */
#include <string.h>

#include "httpd.h"
#include "apr_atomic.h"
#include "apr_strings.h"
#include "http_config.h"

#include "mp_config.h"
#include "mp_log.h"
#include "mp_profile.h"
#include "mp_shm.h"

typedef struct {
    volatile apr_uint32_t seq;     /* odd: being written */
    mp_profile_slow_t slow;
} ring_entry_t;

typedef struct {
    apr_time_t since;              /* start, or the last reset */
    volatile apr_uint64_t written; /* ring entries ever written */
    ring_entry_t ring[MP_PROFILE_RING];
    mp_profile_stmt_t stmts[1];    /* [nstatements] */
} profile_t;

static profile_t *profile;
static int nstatements;


int mp_profile_post_config(apr_pool_t *pconf, server_rec *s, int statements)
{
    apr_size_t size = sizeof(profile_t)
                      + sizeof(mp_profile_stmt_t) * (apr_size_t)statements;

    if (mp_shm_make(pconf, s, size, &profile, "the query profile") == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    profile->since = apr_time_now();
    nstatements = statements;
    return OK;
}

static void remember(request_rec *r, int slot, apr_uint64_t took_us)
{
    apr_uint64_t n = apr_atomic_inc64(&profile->written);
    ring_entry_t *e = &profile->ring[n % MP_PROFILE_RING];

    apr_atomic_inc32(&e->seq);             /* odd: busy */
    e->slow.slot = slot;
    e->slow.took_us = took_us;
    e->slow.at = apr_time_now();
    apr_cpystrn(e->slow.request_id, mp_request_id(r),
                sizeof(e->slow.request_id));
    apr_atomic_inc32(&e->seq);             /* even: done */
}

void mp_profile_statement(request_rec *r, int slot, const char *label,
                          apr_interval_time_t took, int failed)
{
    const mp_srv_conf_t *sc;
    apr_uint64_t us = took > 0 ? (apr_uint64_t)took : 0;
    mp_profile_stmt_t *st;
    int b = 0;

    if (profile == NULL || slot < 0 || slot >= nstatements) {
        return;
    }
    st = &profile->stmts[slot];
    apr_atomic_inc64(&st->count);
    apr_atomic_add64(&st->sum_us, us);
    if (failed) {
        apr_atomic_inc64(&st->errors);
    }
    mp_atomic_keep_min(&st->min_us, us ? us : 1);
    mp_atomic_keep_max(&st->max_us, us);
    while (b < MP_METRICS_BUCKETS && took > mp_metrics_bounds[b]) {
        b++;
    }
    apr_atomic_inc64(&st->buckets[b]);
    sc = ap_get_module_config(r->server->module_config, &marketpulse_module);
    if (us < (apr_uint64_t)mp_conf_slow_query_ms(sc) * 1000) {
        return;
    }
    apr_atomic_inc64(&st->slow);
    if (us >= (apr_uint64_t)mp_conf_very_slow_query_ms(sc) * 1000) {
        apr_atomic_inc64(&st->very_slow);
    }
    remember(r, slot, us);
    mp_rlog(APLOG_WARNING, 0, r, MPLOGNO(01120), "slow statement %s: %"
            APR_UINT64_T_FMT " ms (MarketPulseSlowQueryMs %d)", label,
            us / 1000, mp_conf_slow_query_ms(sc));
}

int mp_profile_read(int slot, mp_profile_stmt_t *out)
{
    mp_profile_stmt_t *st;

    memset(out, 0, sizeof(*out));
    if (profile == NULL || slot < 0 || slot >= nstatements) {
        return 0;
    }
    st = &profile->stmts[slot];
    out->count = apr_atomic_read64(&st->count);
    out->errors = apr_atomic_read64(&st->errors);
    out->slow = apr_atomic_read64(&st->slow);
    out->very_slow = apr_atomic_read64(&st->very_slow);
    out->sum_us = apr_atomic_read64(&st->sum_us);
    out->min_us = apr_atomic_read64(&st->min_us);
    out->max_us = apr_atomic_read64(&st->max_us);
    for (int b = 0; b <= MP_METRICS_BUCKETS; b++) {
        out->buckets[b] = apr_atomic_read64(&st->buckets[b]);
    }
    return 1;
}

apr_uint64_t mp_profile_p95(const mp_profile_stmt_t *st)
{
    apr_uint64_t p = mp_histogram_quantile(st->buckets, 0.95);

    if (p >= (apr_uint64_t)mp_metrics_bounds[MP_METRICS_BUCKETS - 1]) {
        return st->max_us;         /* in the +Inf bucket: the largest */
    }
    /* never past what was seen */
    return p > st->max_us ? st->max_us : p < st->min_us ? st->min_us : p;
}

int mp_profile_latest(mp_profile_slow_t *out, int max)
{
    apr_uint64_t written;
    int n = 0;

    if (profile == NULL) {
        return 0;
    }
    written = apr_atomic_read64(&profile->written);
    for (apr_uint64_t i = written; i > 0 && n < max
         && written - i < MP_PROFILE_RING; i--) {
        ring_entry_t *e = &profile->ring[(i - 1) % MP_PROFILE_RING];
        apr_uint32_t seq = apr_atomic_read32(&e->seq);

        if (seq & 1) {
            continue;              /* being written */
        }
        out[n] = e->slow;
        if (apr_atomic_read32(&e->seq) == seq) {
            n++;                   /* not overwritten while copied */
        }
    }
    return n;
}

apr_time_t mp_profile_since(void)
{
    return profile ? profile->since : 0;
}

void mp_profile_reset(void)
{
    if (profile == NULL) {
        return;
    }
    /* statements running now may add to the emptied figures: fine */
    memset(profile->stmts, 0, sizeof(mp_profile_stmt_t)
                              * (apr_size_t)nstatements);
    apr_atomic_set64(&profile->written, 0);
    profile->since = apr_time_now();
}
