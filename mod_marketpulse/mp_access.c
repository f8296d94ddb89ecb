/* Access: credentials, key lookups, scopes (mp_access.h). */
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"

#include "mp_access.h"
#include "mp_apikey.h"
#include "mp_ctx.h"
#include "mp_db.h"
#include "mp_keycache.h"
#include "mp_log.h"
#include "mp_ratelimit.h"
#include "mp_response.h"
#include "queries/queries.h"


#define REALM "Bearer realm=\"marketpulse\""

static int refuse(request_rec *r, mp_problem_t *pb, int status,
                  const char *challenge, const char *message)
{
    apr_table_setn(r->err_headers_out, "WWW-Authenticate", challenge);
    mp_problem_set(pb, status, message, NULL);
    return 0;
}

/* Failed authentications are counted per client address
 * (MarketPulseAuthFailureLimit), so random keys cannot be tried at line
 * rate.  A Redis that cannot count refuses nobody on that account. */
static mp_rl_verdict_t failures(request_rec *r, int count,
                                mp_ratelimit_state_t *st)
{
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    mp_tier_t limit = mp_conf_auth_failure_limit(sc);
    const char *bucket = apr_pstrcat(r->pool, "authfail:", r->useragent_ip,
                                     NULL);

    if (limit.limit == 0) {
        return MP_RL_PASS;
    }
    return count ? mp_ratelimit_take(r, bucket, limit.limit, limit.window_s,
                                     st)
                 : mp_ratelimit_peek(r, bucket, limit.limit, limit.window_s,
                                     st);
}

/* 0 with the 429 in *pb when the address failed too often already:
 * asked before a lookup that would reach PostgreSQL. */
static int failures_below_limit(request_rec *r, mp_problem_t *pb)
{
    mp_ratelimit_state_t st;

    if (failures(r, 0, &st) != MP_RL_LIMITED) {
        return 1;
    }
    mp_ratelimit_problem(r, &st, pb);
    return 0;
}

/* A key refused: 401, or 429 once the address is past its failures. */
static int bad_key(request_rec *r, mp_problem_t *pb, const char *message)
{
    mp_ratelimit_state_t st;

    if (failures(r, 1, &st) == MP_RL_LIMITED) {
        mp_ratelimit_problem(r, &st, pb);
        return 0;
    }
    return refuse(r, pb, HTTP_UNAUTHORIZED,
                  REALM ", error=\"invalid_token\"", message);
}

/* PostgreSQL's answer about id, into *rec; the connection goes back at
 * once, since a cached answer needs none. */
static mp_db_status_t fetch(request_rec *r, const char *id, mp_keyrec_t *rec)
{
    mp_rows_t *rows;
    const char *args[MP_API_KEY_NPARAMS] = {[MP_API_KEY_ID] = id};
    mp_db_status_t st = mp_db_select(r, &mp_q_api_key, args, &rows);
    const char *scopes;

    mp_db_release(r);
    memset(rec, 0, sizeof(*rec));
    if (st != MP_DB_OK || rows->nrows == 0) {
        return st;
    }
    rec->found = 1;
    apr_cpystrn(rec->hash, mp_cell(rows, 0, MP_API_KEY_COL_HASH),
                sizeof(rec->hash));
    apr_cpystrn(rec->tier, mp_cell(rows, 0, MP_API_KEY_COL_TIER),
                sizeof(rec->tier));
    scopes = mp_cell(rows, 0, MP_API_KEY_COL_SCOPES);
    if (*scopes == '\0' || !mp_scopes_parse(scopes, &rec->scopes)) {
        rec->scopes = 0;
    }
    rec->revoked = strcmp(mp_cell(rows, 0, MP_API_KEY_COL_REVOKED), "t")
                   == 0;
    return MP_DB_OK;
}

/* The record of id, from this child's cache or from PostgreSQL; 0 with
 * *pb (a 429 for an address past its failures, a 503) when there is
 * none. */
static int lookup(request_rec *r, const char *id, mp_keyrec_t *rec,
                  mp_problem_t *pb)
{
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    apr_time_t now = apr_time_now();
    mp_db_status_t st;

    if (sc->keys && mp_keycache_get(sc->keys, id, now, rec)) {
        return 1;
    }
    if (!failures_below_limit(r, pb)) {
        return 0;
    }
    st = fetch(r, id, rec);
    if (st != MP_DB_OK) {
        mp_problem_of_db(pb, st);
        return 0;
    }
    if (sc->keys) {
        mp_keycache_put(sc->keys, id, rec, now + apr_time_from_sec(
                        mp_conf_key_cache_ttl(sc)));
    }
    return 1;
}

/* Whether the key's secret matches its hash: compared with the secret a
 * request of this child proved already (an HMAC costs a few µs, and
 * more with threads sharing libcrypto), else computed and, when it
 * matches, remembered until the lookup is renewed. */
static int proved(mp_srv_conf_t *sc, const mp_apikey_t *key,
                  const mp_keyrec_t *rec)
{
    if (rec->verified[0] != '\0'
        && mp_apikey_same_secret(key, rec->verified)) {
        return 1;
    }
    if (!mp_apikey_matches(sc->pepper, sc->pepper_len, key, rec->hash)) {
        return 0;
    }
    if (sc->keys) {
        mp_keycache_verified(sc->keys, key->id, key->secret,
                             key->secret_len);
    }
    return 1;
}

/* The key the client sent, checked; fills ctx on success. */
static int check_key(request_rec *r, const char *text, mp_ctx_t *ctx,
                     mp_problem_t *pb)
{
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    mp_apikey_t key;
    mp_keyrec_t rec;

    if (!mp_apikey_parse(text, &key)) {
        return bad_key(r, pb, "The API key is malformed (keys look like "
                       "mp_<id>_<secret>).");
    }
    if (!lookup(r, key.id, &rec, pb)) {
        return 0;
    }
    if (!rec.found || !proved(sc, &key, &rec)) {
        return bad_key(r, pb, "The API key is not valid.");
    }
    if (rec.revoked) {
        return bad_key(r, pb, "The API key has been revoked.");
    }
    ctx->key_id = apr_pstrdup(r->pool, key.id);
    ctx->tier = apr_pstrdup(r->pool, rec.tier);
    ctx->scopes = rec.scopes;
    return 1;
}

/* The scope the route needs for this method. */
static unsigned needed_scope(const request_rec *r, const mp_route_t *route)
{
    if (route->flags & MP_ROUTE_ADMIN) {
        return MP_SCOPE_ADMIN;
    }
    return r->method_number == M_GET ? MP_SCOPE_READ : MP_SCOPE_WRITE;
}

/* Anonymous, or r->user as MarketPulseUserTier maps it. */
static int identify_without_key(request_rec *r, const mp_dir_conf_t *dc,
                                mp_ctx_t *ctx, mp_problem_t *pb)
{
    if (r->user && dc->user_scopes != MP_UNSET) {
        ctx->key_id = apr_pstrcat(r->pool, "user:", r->user, NULL);
        ctx->tier = dc->user_tier;
        ctx->scopes = (unsigned)dc->user_scopes;
        return 1;
    }
    if (mp_conf_auth(dc) == MP_AUTH_REQUIRED) {
        return refuse(r, pb, HTTP_UNAUTHORIZED, REALM,
                      "An API key is required (Authorization: Bearer <key> "
                      "or X-API-Key).");
    }
    ctx->scopes = mp_conf_anonymous_scopes(dc);
    return 1;
}

static int identify(request_rec *r, const mp_dir_conf_t *dc, mp_ctx_t *ctx,
                    mp_problem_t *pb)
{
    const char *key = NULL;

    switch (mp_apikey_credential(
                apr_table_get(r->headers_in, "Authorization"),
                apr_table_get(r->headers_in, "X-API-Key"), &key)) {
    case MP_CRED_CONFLICT:
        return bad_key(r, pb, "Authorization and X-API-Key name different "
                       "keys; send one.");
    case MP_CRED_KEY:
        return check_key(r, key, ctx, pb);
    default:
        return identify_without_key(r, dc, ctx, pb);
    }
}

static int allowed_scope(request_rec *r, const mp_ctx_t *ctx,
                         unsigned need, mp_problem_t *pb)
{
    const char *name = mp_scopes_text(r->pool, need);

    if (ctx->scopes & need) {
        return 1;
    }
    if (ctx->key_id == NULL) {
        /* a key would help: 401 says how to send one (RFC 6750 3.1) */
        return refuse(r, pb, HTTP_UNAUTHORIZED, REALM, apr_psprintf(
                      r->pool, "This needs the %s scope, which clients "
                      "without an API key do not have here.", name));
    }
    return refuse(r, pb, HTTP_FORBIDDEN, apr_psprintf(
                  r->pool, REALM ", error=\"insufficient_scope\", "
                  "scope=\"%s\"", name), apr_psprintf(
                  r->pool, "This API key lacks the %s scope.", name));
}

int mp_access_allows(request_rec *r, const mp_dir_conf_t *dc,
                     const mp_route_t *route, mp_problem_t *pb)
{
    mp_ctx_t *ctx = mp_ctx(r);

    if (mp_conf_auth(dc) == MP_AUTH_OFF) {
        ctx->scopes = MP_SCOPE_READ | MP_SCOPE_WRITE | MP_SCOPE_ADMIN;
        return 1;
    }
    if ((route->flags & MP_ROUTE_PUBLIC) && mp_conf_auth_open(dc)) {
        ctx->scopes = MP_SCOPE_READ;
        return 1;
    }
    return identify(r, dc, ctx, pb)
           && allowed_scope(r, ctx, needed_scope(r, route), pb);
}

/* Does any <Location> of s read keys?  Walks the sections httpd parsed. */
static int reads_keys(server_rec *s)
{
    core_server_config *core = ap_get_core_module_config(s->module_config);
    ap_conf_vector_t **sections = (ap_conf_vector_t **)core->sec_url->elts;

    for (int i = 0; i < core->sec_url->nelts; i++) {
        const mp_dir_conf_t *dc = ap_get_module_config(sections[i],
                                                       &marketpulse_module);
        if (dc && dc->auth > MP_AUTH_OFF) {
            return 1;
        }
    }
    return 0;
}

int mp_access_post_config(apr_pool_t *pconf, server_rec *s)
{
    (void)pconf;
    for (; s; s = s->next) {
        const mp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                                       &marketpulse_module);
        if (sc->pepper == NULL && reads_keys(s)) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, MPLOGNO(01501)
                         "MarketPulseAuth reads API keys in %s, but no "
                         "MarketPulseAuthPepper names the file their "
                         "hashes are keyed with", s->server_hostname);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

void mp_access_child_init(apr_pool_t *p, server_rec *s)
{
    for (; s; s = s->next) {
        mp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                                 &marketpulse_module);
        if (sc->pepper) {
            sc->keys = mp_keycache_create(p);
        }
    }
}
