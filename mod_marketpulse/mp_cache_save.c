/* Storing answers, beside the response path: an output filter (as
 * mod_cache's CACHE_SAVE) that mp_cache_lookup adds to a cacheable miss.
 * It holds the answer until its end, then for a 200 sets ETag, X-Cache:
 * MISS and Cache-Control, stores the entry under the generation the
 * lookup read, and turns the answer into a 304 when the client's
 * If-None-Match names it.  Whatever the answer, the fill lock is freed
 * there, as soon as the handler is done.  It runs before mod_deflate
 * (AP_FTYPE_RESOURCE), so entries are stored uncompressed. */
/* offsetof before APR's headers: without it the bucket macros' APR_OFFSETOF
 * falls back to arithmetic on a null pointer (clang: -Wextra, UBSan) */
#include <stddef.h>
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "mp_cache.h"
#include "mp_cache_entry.h"
#include "mp_cache_internal.h"
#include "mp_cache_key.h"
#include "mp_log.h"
#include "mp_stats.h"

/* Stores a 200 answer and returns whether the client already has it. */
static int store(request_rec *r, struct mp_cache_req *cr, const char *body,
                 apr_size_t len)
{
    const char *etag = mp_etag_of(r->pool, body, len);
    const char *entry;
    apr_size_t elen;
    apr_status_t rv;

    mp_cache_headers(r, cr, etag, "MISS");
    /* only where the generation came from, and only if it is known */
    if (cr->be && cr->generation && cr->be == cr->gen_be) {
        entry = mp_cache_entry_of(r->pool, cr->generation, etag, body, len,
                                  &elen);
        rv = cr->be->set(r, cr->key, entry, elen, apr_time_from_sec(cr->ttl));
        if (rv == APR_SUCCESS) {
            mp_stat_add(MP_STAT_CACHE_STORES, 1);
        }
        else if (rv != APR_ENOSPC) {
            mp_cache_failover(r, cr, rv);
        }
        if (cr->be) {
            cr->be->release(r);
        }
    }
    mp_cache_keep_local(r, cr, etag, body, len, 0);
    return mp_etag_matches(apr_table_get(r->headers_in, "If-None-Match"),
                           etag);
}

/* Whether body is the whole answer: a write to a client that went away
 * (ap_rwrite fails once the connection is aborted) leaves it short or
 * empty, and must not be served to everybody else. */
static int whole(const request_rec *r, apr_size_t len)
{
    return !r->connection->aborted && len > 0
           && (r->clength == 0 || (apr_size_t)r->clength == len);
}

/* The held answer in one piece: the bytes of its one data bucket, as
 * mp_respond_body sends it, without a copy; else a copy in r->pool. */
static apr_status_t held_body(request_rec *r, apr_bucket_brigade *bb,
                              const char **body, apr_size_t *len)
{
    apr_bucket *data = NULL;
    char *flat;
    apr_status_t rv;

    for (apr_bucket *e = APR_BRIGADE_FIRST(bb);
         e != APR_BRIGADE_SENTINEL(bb); e = APR_BUCKET_NEXT(e)) {
        if (APR_BUCKET_IS_METADATA(e)) {
            continue;
        }
        if (data != NULL) {
            data = NULL;       /* more than one */
            break;
        }
        data = e;
    }
    if (data != NULL) {
        return apr_bucket_read(data, body, len, APR_BLOCK_READ);
    }
    rv = apr_brigade_pflatten(bb, &flat, len, r->pool);
    *body = flat;
    return rv;
}

/* The whole answer is in cr->held, EOS last. */
static void finish(request_rec *r, struct mp_cache_req *cr)
{
    apr_bucket_brigade *bb = cr->held;
    const char *body;
    apr_size_t len;

    if (r->status == HTTP_OK
        && held_body(r, bb, &body, &len) == APR_SUCCESS
        && whole(r, len) && store(r, cr, body, len)) {
        /* the client has these bytes */
        r->status = HTTP_NOT_MODIFIED;
        r->clength = 0;
        apr_table_unset(r->headers_out, "Content-Length");
        apr_brigade_cleanup(bb);
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(bb->bucket_alloc));
    }
    mp_cache_release_lock(r, cr);
}

apr_status_t mp_cache_save_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    struct mp_cache_req *cr = f->ctx;
    int eos = 0;
    apr_status_t rv;

    for (apr_bucket *e = APR_BRIGADE_FIRST(bb); e != APR_BRIGADE_SENTINEL(bb);
         e = APR_BUCKET_NEXT(e)) {
        eos = eos || APR_BUCKET_IS_EOS(e);
    }
    rv = ap_save_brigade(f, &cr->held, &bb, r->pool);

    if (rv != APR_SUCCESS) {
        /* not kept whole: send what there is and store nothing */
        mp_rlog(APLOG_WARNING, rv, r, MPLOGNO(01225), "answer not cached: "
                "it could not be held");
        ap_remove_output_filter(f);
        mp_cache_release_lock(r, cr);
        /* what was set aside first, then what was not */
        if (cr->held) {
            APR_BRIGADE_CONCAT(cr->held, bb);
            bb = cr->held;
        }
        return ap_pass_brigade(f->next, bb);
    }
    if (!eos) {
        return APR_SUCCESS;
    }
    ap_remove_output_filter(f);
    finish(r, cr);
    return ap_pass_brigade(f->next, cr->held);
}
