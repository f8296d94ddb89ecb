/* Admin endpoints: answered only where MarketPulseAdmin On is in effect,
 * a <Location> the operator protects with Apache's own Require. */
#include "http_protocol.h"

#include "api.h"
#include "mp_cache.h"
#include "mp_log.h"
#include "mp_profile.h"

int mp_api_admin_allowed(mp_req_t *req, mp_problem_t *pb)
{
    if (req->conf->admin != 1) {
        mp_problem_set(pb, HTTP_FORBIDDEN, "Admin endpoints are not enabled "
                       "here (MarketPulseAdmin).", NULL);
        return 0;
    }
    return 1;
}

/* An admin action's body is ignored, but read: the connection stays
 * usable. */
static int admin_action_allowed(mp_req_t *req, mp_problem_t *pb)
{
    if (ap_discard_request_body(req->r) != OK) {
        mp_problem_set(pb, HTTP_BAD_REQUEST, "The request body could not "
                       "be read.", NULL);
        return 0;
    }
    return mp_api_admin_allowed(req, pb);
}

int mp_api_admin_cache_clear(mp_req_t *req)
{
    request_rec *r = req->r;
    apr_int64_t generation;
    mp_problem_t pb;

    if (!admin_action_allowed(req, &pb)) {
        return mp_respond_problem(r, &pb);
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

int mp_api_admin_profiling_reset(mp_req_t *req)
{
    mp_problem_t pb;

    if (!admin_action_allowed(req, &pb)) {
        return mp_respond_problem(req->r, &pb);
    }
    mp_profile_reset();
    mp_rlog(APLOG_NOTICE, 0, req->r, MPLOGNO(01232), "query profile reset");
    return mp_respond_data(req->r, json_pack("{s:b}", "reset", 1), NULL);
}
