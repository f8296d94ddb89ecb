/* CORS headers on the answers of the API (mp_cors.h). */
#include "httpd.h"
#include "apr_strings.h"
#include "http_protocol.h"

#include "mp_cors.h"
#include "mp_cors_match.h"

/* Caches in front key answers on Origin wherever the headers depend on
 * it, the answers without an Origin or with an unlisted one included. */
static void vary_on_origin(request_rec *r)
{
    const char *vary = apr_table_get(r->err_headers_out, "Vary");

    if (vary == NULL || !ap_find_token(r->pool, vary, "Origin")) {
        apr_table_mergen(r->err_headers_out, "Vary", "Origin");
    }
}

void mp_cors_begin(request_rec *r, const mp_dir_conf_t *dc)
{
    const char *allow;

    if (!mp_cors_enabled(dc->cors)) {
        return;
    }
    vary_on_origin(r);
    allow = mp_cors_allow_origin(dc->cors,
                                 apr_table_get(r->headers_in, "Origin"));
    if (allow == NULL) {
        return;                /* nothing reflected to another origin */
    }
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Origin", allow);
    if (mp_cors_credentials(dc->cors)) {
        apr_table_setn(r->err_headers_out,
                       "Access-Control-Allow-Credentials", "true");
    }
    apr_table_setn(r->err_headers_out, "Access-Control-Expose-Headers",
                   MP_CORS_EXPOSE_HEADERS);
}

int mp_cors_is_preflight(const request_rec *r)
{
    return r->method_number == M_OPTIONS
           && apr_table_get(r->headers_in, "Origin") != NULL
           && apr_table_get(r->headers_in,
                            "Access-Control-Request-Method") != NULL;
}

void mp_cors_preflight(request_rec *r, const mp_dir_conf_t *dc,
                       const char *allow)
{
    if (!mp_cors_is_preflight(r)
        || mp_cors_allow_origin(dc->cors, apr_table_get(
               r->headers_in, "Origin")) == NULL) {
        return;
    }
    /* what the answer to the actual request exposes is told there */
    apr_table_unset(r->err_headers_out, "Access-Control-Expose-Headers");
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Methods", allow);
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Headers",
                   MP_CORS_ALLOW_HEADERS);
    apr_table_setn(r->err_headers_out, "Access-Control-Max-Age",
                   MP_CORS_MAX_AGE);
}
