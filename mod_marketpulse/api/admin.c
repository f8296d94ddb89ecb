/* Admin endpoints: answered only where MarketPulseAdmin On is in effect,
 * a <Location> the operator protects with Apache's own Require. */
#include "http_protocol.h"

#include "api.h"
#include "mp_cache.h"
#include "mp_log.h"

int mp_api_admin_cache_clear(mp_req_t *req)
{
    request_rec *r = req->r;
    apr_int64_t generation;

    if (ap_discard_request_body(r) != OK) {
        return mp_respond_error(r, HTTP_BAD_REQUEST, "The request body "
                                "could not be read.", NULL);
    }
    if (req->conf->admin != 1) {
        return mp_respond_error(r, HTTP_FORBIDDEN, "Admin endpoints are not "
                                "enabled here (MarketPulseAdmin).", NULL);
    }
    if (mp_cache_invalidate(r, &generation) != APR_SUCCESS) {
        apr_table_setn(r->err_headers_out, "Retry-After", "1");
        return mp_respond_error(r, HTTP_SERVICE_UNAVAILABLE, "Redis did not "
                                "take the invalidation: this host is fresh, "
                                "other hosts only once Redis answers again. "
                                "Retry.", NULL);
    }
    mp_rlog(APLOG_NOTICE, 0, r, MPLOGNO(01231), "cache cleared: generation "
            "%" APR_INT64_T_FMT, generation);
    return mp_respond_data(r, json_pack("{s:b, s:I}", "cleared", 1,
                                        "generation",
                                        (json_int_t)generation), NULL);
}
