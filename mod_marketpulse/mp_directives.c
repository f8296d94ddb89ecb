/* The directives of mod_marketpulse: the table (mp_directives[], which
 * the module record names and docs/directives.md follows) and the
 * parser of each value.  Apart from the records and their accessors
 * (mp_config.c): a directive's rules change with the configuration
 * language, a setting's default with the behaviour it drives. */
#include <stddef.h>
#include <strings.h>

#include "httpd.h"
#include "http_log.h"
#include "apr_hash.h"
#include "apr_strings.h"

#include "mp_apikey.h"
#include "mp_config.h"
#include "mp_docs.h"

static const char *bad_value(cmd_parms *cmd, const char *arg, const char *want)
{
    return apr_psprintf(cmd->pool, "%s: invalid value '%s': %s",
                        cmd->directive->directive, arg, want);
}

static const char *set_enabled(cmd_parms *cmd, void *dconf, int flag)
{
    mp_dir_conf_t *dc = dconf;

    const ap_directive_t *section = cmd->directive->parent;

    /* Routes are matched below the section's URL prefix, so only a plain
     * <Location /prefix> gives one. */
    if (section == NULL || strcasecmp(section->directive, "<Location") != 0
        || section->args == NULL || section->args[0] == '~'
        || cmd->path == NULL || ap_is_matchexp(cmd->path)) {
        return apr_psprintf(cmd->pool, "%s: needs a plain <Location> prefix, "
                            "not %s %s", cmd->directive->directive,
                            section ? section->directive : "the server",
                            section && section->args ? section->args : "");
    }
    dc->enabled = flag;
    dc->base = cmd->path;
    return NULL;
}

static const char *set_srv_flag(cmd_parms *cmd, void *dconf, int flag)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);

    (void)dconf;
    if (err) {
        return err;
    }
    *(int *)((char *)ap_get_module_config(cmd->server->module_config,
                                          &marketpulse_module)
             + (size_t)cmd->info) = flag;
    return NULL;
}

static const char *set_dir_flag(cmd_parms *cmd, void *dconf, int flag)
{
    *(int *)((char *)dconf + (size_t)cmd->info) = flag;
    return NULL;
}

/* MarketPulseCacheTTL [endpoint] seconds */
static const char *set_cache_ttl(cmd_parms *cmd, void *dconf,
                                 const char *a1, const char *a2)
{
    mp_dir_conf_t *dc = dconf;
    const char *secs = a2 ? a2 : a1;
    int *slot = &dc->ttl_default;
    long v;

    if (a2) {
        mp_cache_endpoint_t ep;
        const char *want = mp_parse_cache_endpoint(cmd->pool, a1, &ep);

        if (want) {
            return bad_value(cmd, a1, want);
        }
        slot = &dc->ttl[ep];
    }
    if (!mp_parse_bounded_int(secs, 1, 86400, &v)) {
        return bad_value(cmd, secs, "must be seconds from 1 to 86400");
    }
    *slot = (int)v;
    return NULL;
}

/* MarketPulseRedis host:port|unix:/path [password=SECRET] [db=N] | off */
static const char *set_redis(cmd_parms *cmd, void *dconf, int argc,
                             char *const argv[])
{
    mp_srv_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                             &marketpulse_module);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    mp_redis_target_t to;
    const char *bad;

    (void)dconf;
    if (err) {
        return err;
    }
    err = mp_parse_redis(cmd->pool, argc, argv, &to, &bad);
    if (err) {
        return bad_value(cmd, bad, err);
    }
    sc->redis_host = to.host;
    sc->redis_port = to.port;
    sc->redis_password = to.password;
    sc->redis_db = to.db;
    return NULL;
}

static const char *set_cache_prefix(cmd_parms *cmd, void *dconf,
                                    const char *arg)
{
    mp_srv_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                             &marketpulse_module);
    const char *want = mp_parse_cache_prefix(arg);

    (void)dconf;
    if (want) {
        return bad_value(cmd, arg, want);
    }
    sc->cache_prefix = arg;
    return NULL;
}

/* MarketPulseCacheCoherence strict | notified [milliseconds] */
static const char *set_coherence(cmd_parms *cmd, void *dconf, int argc,
                                 char *const argv[])
{
    mp_srv_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                             &marketpulse_module);
    const char *bad, *err = mp_parse_cache_coherence(argc, argv,
                                                     &sc->coherence_ms, &bad);

    (void)dconf;
    return err ? bad_value(cmd, bad, err) : NULL;
}

/* MarketPulseTier name N/Ws | unlimited: a later line for the same
 * name redefines it, as Apache's directives do. */
static const char *set_tier(cmd_parms *cmd, void *dconf, const char *name,
                            const char *rate)
{
    mp_srv_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                             &marketpulse_module);
    mp_tier_t *t = apr_palloc(cmd->pool, sizeof(*t));
    const char *bad, *want = mp_parse_tier(name, rate, t, &bad);

    (void)dconf;
    if (want) {
        return bad_value(cmd, bad, want);
    }
    t->name = apr_pstrdup(cmd->pool, name);
    if (sc->tiers == NULL) {
        sc->tiers = apr_hash_make(cmd->pool);
    }
    apr_hash_set(sc->tiers, t->name, APR_HASH_KEY_STRING, t);
    return NULL;
}

/* MarketPulseAuthFailureLimit N/W | unlimited */
static const char *set_auth_failures(cmd_parms *cmd, void *dconf,
                                     const char *rate)
{
    mp_srv_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                             &marketpulse_module);
    mp_tier_t *t = apr_palloc(cmd->pool, sizeof(*t));
    const char *bad, *want = mp_parse_tier("authfail", rate, t, &bad);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);

    (void)dconf;
    if (err) {
        return err;
    }
    if (want) {
        return bad_value(cmd, bad, want);
    }
    t->name = "authfail";
    sc->auth_failures = t;
    return NULL;
}

static const char *set_rl_fallback(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    mp_srv_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                             &marketpulse_module);
    const char *want = mp_parse_rl_fallback(arg, &sc->rl_fallback);

    (void)dconf;
    return want ? bad_value(cmd, arg, want) : NULL;
}

/* MarketPulseDocs /path/to/swagger-ui-dist | Off: the directory is
 * checked now, so a page that could not render fails configtest. */
static const char *set_docs(cmd_parms *cmd, void *dconf, const char *arg)
{
    mp_dir_conf_t *dc = dconf;
    const char *dir, *want;

    if (strcasecmp(arg, "off") == 0) {
        dc->docs = "";
        return NULL;
    }
    dir = ap_server_root_relative(cmd->pool, arg);
    want = dir ? mp_docs_check_dir(cmd->pool, dir) : "must be a path";
    if (want) {
        return bad_value(cmd, arg, want);
    }
    dc->docs = dir;
    return NULL;
}

/* MarketPulseCORSOrigin origin [origin ...] | * | Off; a second line in
 * the section adds its origins to the first's. */
static const char *set_cors_origin(cmd_parms *cmd, void *dconf, int argc,
                                   char *const argv[])
{
    mp_dir_conf_t *dc = dconf;
    const char *bad, *err;

    if (dc->cors == NULL) {
        dc->cors = apr_pcalloc(cmd->pool, sizeof(*dc->cors));
    }
    err = mp_parse_cors_origins(cmd->pool, argc, argv, dc->cors, &bad);
    return err ? bad_value(cmd, bad, err) : NULL;
}

/* MarketPulseAuth off | optional | required */
static const char *set_auth(cmd_parms *cmd, void *dconf, const char *arg)
{
    mp_dir_conf_t *dc = dconf;

    if (strcasecmp(arg, "off") == 0) {
        dc->auth = MP_AUTH_OFF;
    }
    else if (strcasecmp(arg, "optional") == 0) {
        dc->auth = MP_AUTH_OPTIONAL;
    }
    else if (strcasecmp(arg, "required") == 0) {
        dc->auth = MP_AUTH_REQUIRED;
    }
    else {
        return bad_value(cmd, arg, "must be off, optional or required");
    }
    return NULL;
}

#define SCOPES_WANT "must be none or a comma-separated list of read, " \
                    "write and admin"

/* MarketPulseAnonymousScopes none | read[,write][,admin] */
static const char *set_anonymous_scopes(cmd_parms *cmd, void *dconf,
                                        const char *arg)
{
    mp_dir_conf_t *dc = dconf;
    unsigned scopes;

    if (!mp_scopes_parse(arg, &scopes)) {
        return bad_value(cmd, arg, SCOPES_WANT);
    }
    dc->anonymous_scopes = (int)scopes;
    return NULL;
}

/* MarketPulseUserTier tier scopes: what a user another auth module
 * authenticated (r->user) may do, and under which tier it is limited. */
static const char *set_user_tier(cmd_parms *cmd, void *dconf,
                                 const char *tier, const char *scopes_text)
{
    mp_dir_conf_t *dc = dconf;
    unsigned scopes;
    const char *want = mp_parse_tier_name(tier);

    if (want) {
        return bad_value(cmd, tier, want);
    }
    if (!mp_scopes_parse(scopes_text, &scopes)) {
        return bad_value(cmd, scopes_text, SCOPES_WANT);
    }
    dc->user_tier = tier;
    dc->user_scopes = (int)scopes;
    return NULL;
}

/* MarketPulseTierBandwidth tier KiB/s|off: a later line for the same
 * tier replaces the earlier one. */
static const char *set_tier_bandwidth(cmd_parms *cmd, void *dconf,
                                      const char *tier, const char *rate)
{
    mp_srv_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                             &marketpulse_module);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    mp_bandwidth_t *bw = apr_pcalloc(cmd->pool, sizeof(*bw));

    (void)dconf;
    if (err) {
        return err;
    }
    if ((err = mp_parse_tier_name(tier)) != NULL) {
        return bad_value(cmd, tier, err);
    }
    if ((err = mp_parse_bandwidth(rate, bw)) != NULL) {
        return bad_value(cmd, rate, err);
    }
    if (sc->bandwidth == NULL) {
        sc->bandwidth = apr_hash_make(cmd->pool);
    }
    apr_hash_set(sc->bandwidth, tier, APR_HASH_KEY_STRING, bw);
    return NULL;
}

/* MarketPulseAuthPepper /path: read now, while httpd still runs as root,
 * so the file can be readable by root alone; refused when others may
 * read it, since with the pepper a copy of api_keys can be brute-forced
 * offline. */
static const char *set_pepper(cmd_parms *cmd, void *dconf, const char *arg)
{
    mp_srv_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                             &marketpulse_module);
    const char *path = ap_server_root_relative(cmd->pool, arg);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    const char *want;

    (void)dconf;
    if (err) {
        return err;
    }
    want = path ? mp_read_pepper(cmd->pool, path, &sc->pepper,
                                 &sc->pepper_len)
                : "must be a path";
    if (want) {
        return bad_value(cmd, arg, want);
    }
    sc->pepper_file = path;
    return NULL;
}

/* One parser for every bounded integer directive: the bounds sit in the
 * command table next to the directive, the field offset in cmd->info. */
typedef struct {
    long min, max;
    const char *want;
} int_range_t;

static const int_range_t page_size_range = {
    1, MP_PAGE_SIZE_CEILING, "must be a whole number from 1 to 10000"
};
static const int_range_t timeout_range = {
    0, 3600000, "must be milliseconds from 0 (no limit) to 3600000"
};
static const int_range_t wait_range = {
    1, 60000, "must be milliseconds from 1 to 60000"
};
/* the gate is a System V semaphore, whose value stops at SEMVMX */
static const int_range_t slots_range = {
    1, 32767, "must be a whole number from 1 to 32767"
};
static const int_range_t redis_timeout_range = {
    1, 10000, "must be milliseconds from 1 to 10000"
};
/* shmcb's own limits for answers of a few KB (it refuses 64 MB and up,
 * and cannot lay out an index below about 1 MB) */
static const int_range_t shm_size_range = {
    1048576, 66060288, "must be bytes from 1048576 to 66060288"
};

static const int_range_t body_range = {
    1024, 268435456, "must be bytes from 1024 to 268435456"
};
static const int_range_t batch_range = {
    1, 100000, "must be a whole number from 1 to 100000"
};
static const int_range_t idempotency_ttl_range = {
    60, 31536000, "must be seconds from 60 to 31536000"
};

typedef struct {
    const int_range_t *range;
    size_t offset;
    int server;                /* field lives in the server record */
} int_directive_t;

static const char *set_int(cmd_parms *cmd, void *dconf, const char *arg)
{
    const int_directive_t *d = cmd->info;
    void *rec = dconf;
    long v;

    if (d->server) {
        const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
        if (err) {
            return err;
        }
        rec = ap_get_module_config(cmd->server->module_config,
                                   &marketpulse_module);
    }
    if (!mp_parse_bounded_int(arg, d->range->min, d->range->max, &v)) {
        return bad_value(cmd, arg, d->range->want);
    }
    *(int *)((char *)rec + d->offset) = (int)v;
    return NULL;
}

static const int_directive_t d_page_size = {
    &page_size_range, offsetof(mp_dir_conf_t, default_page_size), 0
};
static const int_directive_t d_max_page_size = {
    &page_size_range, offsetof(mp_dir_conf_t, max_page_size), 0
};
static const int_directive_t d_stmt_timeout = {
    &timeout_range, offsetof(mp_srv_conf_t, stmt_timeout_ms), 1
};
static const int_directive_t d_db_wait = {
    &wait_range, offsetof(mp_srv_conf_t, db_wait_ms), 1
};
static const int_directive_t d_db_slots = {
    &slots_range, offsetof(mp_srv_conf_t, db_slots), 1
};
static const int_directive_t d_export_slots = {
    &slots_range, offsetof(mp_srv_conf_t, export_slots), 1
};
static const int_directive_t d_redis_timeout = {
    &redis_timeout_range, offsetof(mp_srv_conf_t, redis_timeout_ms), 1
};
static const int_directive_t d_shm_size = {
    &shm_size_range, offsetof(mp_srv_conf_t, cache_shm_size), 1
};

static const int_directive_t d_max_body = {
    &body_range, offsetof(mp_dir_conf_t, max_body), 0
};
static const int_directive_t d_max_batch = {
    &batch_range, offsetof(mp_dir_conf_t, max_batch), 0
};
static const int_directive_t d_export_timeout = {
    &timeout_range, offsetof(mp_srv_conf_t, export_timeout_ms), 1
};
static const int_range_t slow_query_range = {
    1, 3600000, "must be milliseconds from 1 to 3600000"
};
static const int_directive_t d_slow_query = {
    &slow_query_range, offsetof(mp_srv_conf_t, slow_query_ms), 1
};
static const int_directive_t d_very_slow_query = {
    &slow_query_range, offsetof(mp_srv_conf_t, very_slow_query_ms), 1
};
static const int_range_t key_cache_ttl_range = {
    1, 3600, "must be seconds from 1 to 3600"
};
static const int_directive_t d_key_cache_ttl = {
    &key_cache_ttl_range, offsetof(mp_srv_conf_t, key_cache_ttl), 1
};
static const int_directive_t d_idempotency_ttl = {
    &idempotency_ttl_range, offsetof(mp_srv_conf_t, idempotency_ttl), 1
};

const command_rec mp_directives[] = {
    AP_INIT_FLAG("MarketPulse", set_enabled, NULL, ACCESS_CONF,
                 "On to serve the MarketPulse API under this <Location>"),
    AP_INIT_TAKE1("MarketPulseDefaultPageSize", set_int,
                  (void *)&d_page_size, ACCESS_CONF,
                  "page size of lists when the client gives no limit"),
    AP_INIT_TAKE1("MarketPulseMaxPageSize", set_int,
                  (void *)&d_max_page_size, ACCESS_CONF,
                  "largest limit a client may ask for on lists"),
    AP_INIT_TAKE1("MarketPulseStatementTimeout", set_int,
                  (void *)&d_stmt_timeout, RSRC_CONF,
                  "milliseconds one SQL statement may run; 0 for no limit"),
    AP_INIT_TAKE1("MarketPulseDBWait", set_int,
                  (void *)&d_db_wait, RSRC_CONF,
                  "milliseconds a request waits for a database slot"),
    AP_INIT_TAKE1("MarketPulseDBSlots", set_int,
                  (void *)&d_db_slots, RSRC_CONF,
                  "statements the host runs at once, all children together: "
                  "about PostgreSQL's cores"),
    AP_INIT_TAKE1("MarketPulseExportSlots", set_int,
                  (void *)&d_export_slots, RSRC_CONF,
                  "exports the host streams at once, all children together, "
                  "with slots of their own instead of MarketPulseDBSlots'"),
    AP_INIT_TAKE2("MarketPulseTierBandwidth", set_tier_bandwidth, NULL,
                  RSRC_CONF, "tier (anonymous: clients without a key) and "
                  "the KiB/s mod_ratelimit sends its exports at, or off"),
    AP_INIT_FLAG("MarketPulseCache", set_dir_flag,
                 (void *)offsetof(mp_dir_conf_t, cache), ACCESS_CONF,
                 "On to cache successful reads (Redis, else shared memory)"),
    AP_INIT_TAKE12("MarketPulseCacheTTL", set_cache_ttl, NULL, ACCESS_CONF,
                   "[endpoint] seconds a cached answer lives"),
    AP_INIT_FLAG("MarketPulseAdmin", set_dir_flag,
                 (void *)offsetof(mp_dir_conf_t, admin), ACCESS_CONF,
                 "On to answer the admin endpoints here (protect the "
                 "<Location> with Require)"),
    AP_INIT_TAKE_ARGV("MarketPulseRedis", set_redis, NULL, RSRC_CONF,
                      "host:port or unix:/path [password=SECRET] [db=N] of "
                      "the shared cache, or off"),
    AP_INIT_TAKE1("MarketPulseRedisTimeout", set_int,
                  (void *)&d_redis_timeout, RSRC_CONF,
                  "milliseconds for a Redis connect or command"),
    AP_INIT_TAKE1("MarketPulseCachePrefix", set_cache_prefix, NULL,
                  RSRC_CONF, "prefix of every cache key"),
    AP_INIT_TAKE1("MarketPulseCacheShmSize", set_int,
                  (void *)&d_shm_size, RSRC_CONF,
                  "bytes of the shared-memory fallback cache"),
    AP_INIT_TAKE_ARGV("MarketPulseCacheCoherence", set_coherence, NULL,
                      RSRC_CONF, "strict (every hit checked with Redis) or "
                      "notified [milliseconds] (hits from this host's "
                      "memory, stale at most that long)"),
    AP_INIT_FLAG("MarketPulseRollups", set_dir_flag,
                 (void *)offsetof(mp_dir_conf_t, rollups), ACCESS_CONF,
                 "On to read analytics from the rollup tables, Off to "
                 "aggregate transactions directly"),
    AP_INIT_TAKE1("MarketPulseMaxBody", set_int, (void *)&d_max_body,
                  ACCESS_CONF, "largest write body in bytes"),
    AP_INIT_TAKE1("MarketPulseMaxBatch", set_int, (void *)&d_max_batch,
                  ACCESS_CONF, "most transactions in one POST"),
    AP_INIT_TAKE1("MarketPulseExportTimeout", set_int,
                  (void *)&d_export_timeout, RSRC_CONF,
                  "milliseconds an export may run; 0 for no limit"),
    AP_INIT_TAKE1("MarketPulseIdempotencyTTL", set_int,
                  (void *)&d_idempotency_ttl, RSRC_CONF,
                  "seconds an Idempotency-Key and its answer are kept"),
    AP_INIT_FLAG("MarketPulseMetrics", set_srv_flag,
                 (void *)offsetof(mp_srv_conf_t, metrics), RSRC_CONF,
                 "Off to count no metrics and no query profile"),
    AP_INIT_TAKE1("MarketPulseSlowQueryMs", set_int, (void *)&d_slow_query,
                  RSRC_CONF, "milliseconds from which a statement is slow: "
                  "logged at warn and kept in the profile's ring"),
    AP_INIT_TAKE1("MarketPulseVerySlowQueryMs", set_int,
                  (void *)&d_very_slow_query, RSRC_CONF,
                  "milliseconds from which a slow statement counts as very "
                  "slow"),
    AP_INIT_TAKE1("MarketPulseDocs", set_docs, NULL, ACCESS_CONF,
                  "the directory of npm's swagger-ui-dist, to serve the "
                  "docs page here; or Off"),
    AP_INIT_TAKE_ARGV("MarketPulseCORSOrigin", set_cors_origin, NULL,
                      ACCESS_CONF, "origins (scheme://host[:port]) whose "
                      "pages may read the API with credentials, or * for "
                      "every origin without them, or Off"),
    AP_INIT_TAKE1("MarketPulseAuth", set_auth, NULL, ACCESS_CONF,
                  "off (no keys), optional (a key is checked when sent) or "
                  "required (no answer without a key)"),
    AP_INIT_TAKE1("MarketPulseAuthPepper", set_pepper, NULL, RSRC_CONF,
                  "the file (readable by root only) whose bytes key the "
                  "HMAC of API key secrets"),
    AP_INIT_TAKE1("MarketPulseAnonymousScopes", set_anonymous_scopes, NULL,
                  ACCESS_CONF, "what a client without a key may do: none or "
                  "read[,write][,admin]"),
    AP_INIT_FLAG("MarketPulseAuthOpen", set_dir_flag,
                 (void *)offsetof(mp_dir_conf_t, auth_open), ACCESS_CONF,
                 "On to answer the probes, the OpenAPI document and the "
                 "docs page without a key, Off to treat them like the rest"),
    AP_INIT_TAKE2("MarketPulseUserTier", set_user_tier, NULL, ACCESS_CONF,
                  "tier and scopes of a user another auth module "
                  "authenticated (r->user)"),
    AP_INIT_TAKE1("MarketPulseKeyCacheTTL", set_int,
                  (void *)&d_key_cache_ttl, RSRC_CONF,
                  "seconds a child keeps a key lookup: how long a revoked "
                  "key may still work"),
    AP_INIT_TAKE2("MarketPulseTier", set_tier, NULL, RSRC_CONF,
                  "a rate-limit tier: name and requests/window (100/60s) "
                  "or unlimited; the tier named anonymous limits clients "
                  "without a key, by address"),
    AP_INIT_TAKE1("MarketPulseAuthFailureLimit", set_auth_failures, NULL,
                  RSRC_CONF, "failed authentications a client address may "
                  "make per window (10/60s) before 429, or unlimited"),
    AP_INIT_TAKE1("MarketPulseRateLimitFallback", set_rl_fallback, NULL,
                  RSRC_CONF, "while Redis is down: local (count per host), "
                  "open (no limits) or closed (503)"),
    AP_INIT_FLAG("MarketPulseRateLimit", set_dir_flag,
                 (void *)offsetof(mp_dir_conf_t, ratelimit), ACCESS_CONF,
                 "Off to apply no rate limits here"),
    AP_INIT_FLAG("MarketPulseRateLimitLegacyHeaders", set_dir_flag,
                 (void *)offsetof(mp_dir_conf_t, rl_legacy), ACCESS_CONF,
                 "On to send X-RateLimit-Limit, -Remaining and -Reset too"),
    {NULL, {NULL}, NULL, 0, 0, NULL}
};
