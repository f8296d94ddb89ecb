/* Dispatch: is this request ours, which route, 404/405/OPTIONS (CORS
 * preflights among them), access, the rate limit and the cache, then the
 * route's handler with the decoded query string. */
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"
#include "http_config.h"
#include "http_protocol.h"
#include "http_request.h"

#include "api/api.h"
#include "mp_access.h"
#include "mp_cache.h"
#include "mp_cors.h"
#include "mp_ctx.h"
#include "mp_docs.h"
#include "mp_handler.h"
#include "mp_log.h"
#include "mp_metrics.h"
#include "mp_ratelimit.h"

static int answer_unrouted(request_rec *r, const mp_dir_conf_t *dc,
                           mp_route_result_t res, const mp_route_match_t *m)
{
    if (res == MP_ROUTE_NOT_FOUND) {
        return mp_respond_error(r, HTTP_NOT_FOUND, apr_psprintf(r->pool,
                                "No endpoint at %s.", r->uri), NULL);
    }
    /* err_headers_out: sent with the 405 as well as with the 204 */
    apr_table_setn(r->err_headers_out, "Allow",
                   apr_pstrcat(r->pool, m->allow, ", OPTIONS", NULL));
    if (r->method_number == M_OPTIONS) {
        /* before any access check of the route: a preflight carries no
         * key */
        mp_cors_preflight(r, dc, m->allow);
        r->status = HTTP_NO_CONTENT;
        return OK;
    }
    return mp_respond_error(r, HTTP_METHOD_NOT_ALLOWED, apr_psprintf(
                            r->pool, "%s is not allowed here; allowed: %s.",
                            r->method, m->allow), NULL);
}

/* The API path of r, or NULL when the request is not ours. */
static const char *api_path(request_rec *r, const mp_dir_conf_t **dc)
{
    *dc = ap_get_module_config(r->per_dir_config, &marketpulse_module);
    if ((*dc)->enabled != 1 || (*dc)->base == NULL) {
        return NULL;
    }
    return mp_route_path(r->pool, (*dc)->base, r->uri);
}

/* httpd resets per_dir_config to the server defaults before
 * map_to_storage, so the request is recognized here, after the first
 * location walk, and its record made. */
int mp_translate_name(request_rec *r)
{
    const mp_dir_conf_t *dc;
    const char *path = api_path(r, &dc);
    const char *file;

    if (path == NULL) {
        return DECLINED;
    }
    /* an asset of the docs page is a file, mapped here as mod_alias
     * would: core serves it (conditional requests, ranges, types) */
    file = mp_docs_file(r->pool, mp_conf_docs(dc), path);
    if (file) {
        r->filename = apr_pstrdup(r->pool, file);
        mp_ctx(r)->docs_file = 1;
        return OK;
    }
    mp_ctx(r)->ours = 1;
    /* the id fixed now, not at the answer: httpd's own log lines of the
     * request (access and auth run before any handler) and its own error
     * answers name it too */
    mp_response_begin(r);
    /* now too, for the same reason: a browser reads an error (httpd's
     * own, an access check's) only when it carries them */
    mp_cors_begin(r, dc);
    mp_metrics_request_begins(r);
    return DECLINED;
}

/* MarketPulseDocs named the directory, and only the page's assets are
 * mapped into it: no <Directory> walk, just the file's stat for core's
 * handler (which answers 404 when there is none). */
static int map_docs_file(request_rec *r)
{
    if (apr_stat(&r->finfo, r->filename, APR_FINFO_MIN, r->pool)
        != APR_SUCCESS) {
        r->finfo.filetype = APR_NOFILE;
    }
    return OK;
}

int mp_map_to_storage(request_rec *r)
{
    const mp_ctx_t *ctx = ap_get_module_config(r->request_config,
                                               &marketpulse_module);

    if (ctx && ctx->docs_file) {
        return map_docs_file(r);
    }
    /* Our URLs name no files: skip core's directory walk, its stat()s
     * and .htaccess lookups under the DocumentRoot (which the children
     * may not even be able to reach). */
    return ctx && ctx->ours ? OK : DECLINED;
}

int mp_handler(request_rec *r)
{
    const mp_dir_conf_t *dc;
    const char *path = api_path(r, &dc);
    mp_route_match_t m;
    mp_route_result_t res;
    mp_req_t req;
    mp_cache_hit_t hit;
    mp_ratelimit_req_t rl;
    mp_problem_t pb;
    int cached;
    const mp_ctx_t *ctx = ap_get_module_config(r->request_config,
                                               &marketpulse_module);

    if (path == NULL || (ctx && ctx->docs_file)) {
        return DECLINED;
    }
    mp_response_begin(r);
    mp_cors_begin(r, dc);
    res = mp_route_match(r->pool, mp_api_routes, r->method, path, &m);
    if (res != MP_ROUTE_FOUND) {
        return answer_unrouted(r, dc, res, &m);
    }
    mp_ctx(r)->route = m.route;
    if (!mp_access_allows(r, dc, m.route, &pb)) {
        return mp_respond_problem(r, &pb);
    }
    /* Reads take no body; a request that sent one still has it drained.
     * The write handlers read theirs. */
    if (strcmp(m.route->method, "GET") == 0
        && ap_discard_request_body(r) != OK) {
        return mp_respond_error(r, HTTP_BAD_REQUEST,
                                "The request body could not be read.", NULL);
    }
    req.r = r;
    req.conf = dc;
    req.path = path;
    req.id = m.param;
    req.params = mp_params_parse(r->pool, r->args);
    if (req.params->malformed) {
        return mp_respond_invalid(r, req.params);
    }
    /* The limit is counted before the cache answers (hits count too):
     * begin queues the count on the request's Redis context, the
     * lookup's read sends it in the same round trip, and check reads its
     * verdict before a hit is served or a miss takes a fill lock. */
    mp_ratelimit_begin(r, dc, m.route, &rl);
    cached = mp_cache_lookup(r, dc, (mp_cache_endpoint_t)m.route->cache,
                             path, req.params, &hit);
    if (mp_ratelimit_check(r, &rl, &pb)) {
        if (cached) {
            mp_cache_decline(r);
        }
        return mp_respond_problem(r, &pb);
    }
    if (cached || mp_cache_fill(r, &hit)) {
        return mp_respond_body(r, hit.not_modified ? HTTP_NOT_MODIFIED
                                                   : HTTP_OK,
                               hit.body, hit.len);
    }
    return m.route->fn(&req);
}
