/* The config records of mod_marketpulse: made, merged, and read through
 * accessors that give each setting its default.  The directives that
 * fill them (their parsers and the table) are in mp_directives.c. */
#include "httpd.h"
#include "apr_hash.h"
#include "apr_strings.h"

#include "mp_apikey.h"
#include "mp_config.h"

void *mp_create_dir_conf(apr_pool_t *p, char *dir)
{
    mp_dir_conf_t *dc = apr_pcalloc(p, sizeof(*dc));

    (void)dir;
    dc->enabled = MP_UNSET;
    dc->default_page_size = MP_UNSET;
    dc->max_page_size = MP_UNSET;
    dc->cache = MP_UNSET;
    dc->admin = MP_UNSET;
    dc->ttl_default = MP_UNSET;
    dc->rollups = MP_UNSET;
    dc->max_body = MP_UNSET;
    dc->max_batch = MP_UNSET;
    dc->auth = MP_UNSET;
    dc->anonymous_scopes = MP_UNSET;
    dc->auth_open = MP_UNSET;
    dc->user_scopes = MP_UNSET;
    dc->ratelimit = MP_UNSET;
    dc->rl_legacy = MP_UNSET;
    for (int i = 0; i < MP_CACHE_ENDPOINTS; i++) {
        dc->ttl[i] = MP_UNSET;
    }
    return dc;
}

#define MERGE_INT(field) (add->field != MP_UNSET ? add->field : base->field)

void *mp_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    const mp_dir_conf_t *base = basev, *add = addv;
    mp_dir_conf_t *dc = apr_pcalloc(p, sizeof(*dc));

    dc->enabled = MERGE_INT(enabled);
    /* The prefix belongs to the section that switched the module on, so a
     * nested <Location /api/x> keeps routing relative to /api. */
    dc->base = add->enabled != MP_UNSET ? add->base : base->base;
    dc->default_page_size = MERGE_INT(default_page_size);
    dc->max_page_size = MERGE_INT(max_page_size);
    dc->cache = MERGE_INT(cache);
    dc->admin = MERGE_INT(admin);
    dc->ttl_default = MERGE_INT(ttl_default);
    dc->rollups = MERGE_INT(rollups);
    dc->max_body = MERGE_INT(max_body);
    dc->max_batch = MERGE_INT(max_batch);
    dc->docs = add->docs ? add->docs : base->docs;
    /* a nested section's list replaces the outer one, as Off does */
    dc->cors = add->cors ? add->cors : base->cors;
    dc->auth = MERGE_INT(auth);
    dc->anonymous_scopes = MERGE_INT(anonymous_scopes);
    dc->auth_open = MERGE_INT(auth_open);
    dc->user_scopes = MERGE_INT(user_scopes);
    dc->user_tier = add->user_scopes != MP_UNSET ? add->user_tier
                                                 : base->user_tier;
    dc->ratelimit = MERGE_INT(ratelimit);
    dc->rl_legacy = MERGE_INT(rl_legacy);
    for (int i = 0; i < MP_CACHE_ENDPOINTS; i++) {
        dc->ttl[i] = MERGE_INT(ttl[i]);
    }
    return dc;
}

void *mp_create_srv_conf(apr_pool_t *p, server_rec *s)
{
    mp_srv_conf_t *sc = apr_pcalloc(p, sizeof(*sc));

    (void)s;
    sc->stmt_timeout_ms = MP_UNSET;
    sc->db_wait_ms = MP_UNSET;
    sc->db_slots = MP_UNSET;
    sc->export_slots = MP_UNSET;
    sc->redis_timeout_ms = MP_UNSET;
    sc->cache_shm_size = MP_UNSET;
    sc->coherence_ms = MP_UNSET;
    sc->export_timeout_ms = MP_UNSET;
    sc->idempotency_ttl = MP_UNSET;
    sc->metrics = MP_UNSET;
    sc->slow_query_ms = MP_UNSET;
    sc->very_slow_query_ms = MP_UNSET;
    sc->key_cache_ttl = MP_UNSET;
    sc->rl_fallback = MP_UNSET;
    return sc;
}

void *mp_merge_srv_conf(apr_pool_t *p, void *basev, void *addv)
{
    const mp_srv_conf_t *base = basev, *add = addv;
    mp_srv_conf_t *sc = apr_pcalloc(p, sizeof(*sc));

    sc->stmt_timeout_ms = MERGE_INT(stmt_timeout_ms);
    sc->db_wait_ms = MERGE_INT(db_wait_ms);
    sc->db_slots = MERGE_INT(db_slots);
    sc->export_slots = MERGE_INT(export_slots);
    /* a virtual host's tiers add to the main server's, a tier it names
     * again is its own */
    sc->bandwidth = add->bandwidth && base->bandwidth
        ? apr_hash_overlay(p, add->bandwidth, base->bandwidth)
        : add->bandwidth ? add->bandwidth : base->bandwidth;
    sc->redis_host = add->redis_host ? add->redis_host : base->redis_host;
    sc->redis_port = add->redis_host ? add->redis_port : base->redis_port;
    sc->redis_password = add->redis_host ? add->redis_password
                                         : base->redis_password;
    sc->redis_db = add->redis_host ? add->redis_db : base->redis_db;
    sc->redis_timeout_ms = MERGE_INT(redis_timeout_ms);
    sc->cache_prefix = add->cache_prefix ? add->cache_prefix
                                         : base->cache_prefix;
    sc->cache_shm_size = MERGE_INT(cache_shm_size);
    sc->coherence_ms = MERGE_INT(coherence_ms);
    sc->export_timeout_ms = MERGE_INT(export_timeout_ms);
    sc->idempotency_ttl = MERGE_INT(idempotency_ttl);
    sc->metrics = MERGE_INT(metrics);
    sc->slow_query_ms = MERGE_INT(slow_query_ms);
    sc->very_slow_query_ms = MERGE_INT(very_slow_query_ms);
    sc->pepper = add->pepper ? add->pepper : base->pepper;
    sc->pepper_len = add->pepper ? add->pepper_len : base->pepper_len;
    sc->pepper_file = add->pepper ? add->pepper_file : base->pepper_file;
    sc->key_cache_ttl = MERGE_INT(key_cache_ttl);
    sc->rl_fallback = MERGE_INT(rl_fallback);
    sc->auth_failures = add->auth_failures ? add->auth_failures
                                           : base->auth_failures;
    /* a virtual host's tiers add to (or redefine) the main server's */
    sc->tiers = add->tiers && base->tiers
        ? apr_hash_overlay(p, add->tiers, base->tiers)
        : add->tiers ? add->tiers : base->tiers;
    return sc;
}

static int value_or(int v, int def)
{
    return v == MP_UNSET ? def : v;
}

int mp_conf_page_size(const mp_dir_conf_t *dc)
{
    int max = mp_conf_max_page_size(dc);
    int size = value_or(dc->default_page_size, MP_DEFAULT_PAGE_SIZE);

    return size > max ? max : size;
}

int mp_conf_max_page_size(const mp_dir_conf_t *dc)
{
    return value_or(dc->max_page_size, MP_DEFAULT_MAX_PAGE_SIZE);
}

int mp_conf_rollups(const mp_dir_conf_t *dc)
{
    return value_or(dc->rollups, 1);
}

int mp_conf_max_body(const mp_dir_conf_t *dc)
{
    return value_or(dc->max_body, MP_DEFAULT_MAX_BODY);
}

int mp_conf_max_batch(const mp_dir_conf_t *dc)
{
    return value_or(dc->max_batch, MP_DEFAULT_MAX_BATCH);
}

const char *mp_conf_docs(const mp_dir_conf_t *dc)
{
    return dc->docs && *dc->docs ? dc->docs : NULL;
}

int mp_conf_export_timeout_ms(const mp_srv_conf_t *sc)
{
    return value_or(sc->export_timeout_ms, MP_DEFAULT_EXPORT_TIMEOUT_MS);
}

int mp_conf_idempotency_ttl(const mp_srv_conf_t *sc)
{
    return value_or(sc->idempotency_ttl, MP_DEFAULT_IDEMPOTENCY_TTL);
}

int mp_conf_metrics(const mp_srv_conf_t *sc)
{
    return value_or(sc->metrics, 1);
}

int mp_conf_slow_query_ms(const mp_srv_conf_t *sc)
{
    return value_or(sc->slow_query_ms, MP_DEFAULT_SLOW_QUERY_MS);
}

int mp_conf_very_slow_query_ms(const mp_srv_conf_t *sc)
{
    return value_or(sc->very_slow_query_ms, MP_DEFAULT_VERY_SLOW_QUERY_MS);
}

int mp_conf_stmt_timeout_ms(const mp_srv_conf_t *sc)
{
    return value_or(sc->stmt_timeout_ms, MP_DEFAULT_STMT_TIMEOUT_MS);
}

int mp_conf_db_wait_ms(const mp_srv_conf_t *sc)
{
    return value_or(sc->db_wait_ms, MP_DEFAULT_DB_WAIT_MS);
}

int mp_conf_db_slots(const mp_srv_conf_t *sc)
{
    return value_or(sc->db_slots, MP_DEFAULT_DB_SLOTS);
}

int mp_conf_export_slots(const mp_srv_conf_t *sc)
{
    return value_or(sc->export_slots, MP_DEFAULT_EXPORT_SLOTS);
}

const mp_bandwidth_t *mp_conf_bandwidth(const mp_srv_conf_t *sc,
                                        const char *tier)
{
    const mp_bandwidth_t *bw = sc->bandwidth
        ? apr_hash_get(sc->bandwidth, tier, APR_HASH_KEY_STRING) : NULL;

    return bw && bw->kib_per_s > 0 ? bw : NULL;
}

int mp_conf_cache_ttl(const mp_dir_conf_t *dc, mp_cache_endpoint_t ep)
{
    if (ep < MP_CACHE_ENDPOINTS && dc->ttl[ep] != MP_UNSET) {
        return dc->ttl[ep];
    }
    return value_or(dc->ttl_default, MP_DEFAULT_CACHE_TTL);
}

int mp_conf_coherence_ms(const mp_srv_conf_t *sc)
{
    if (sc->redis_host == NULL || *sc->redis_host == '\0') {
        return 0;
    }
    return value_or(sc->coherence_ms, 0);
}

mp_auth_mode_t mp_conf_auth(const mp_dir_conf_t *dc)
{
    return (mp_auth_mode_t)value_or(dc->auth, MP_AUTH_OFF);
}

unsigned mp_conf_anonymous_scopes(const mp_dir_conf_t *dc)
{
    return (unsigned)value_or(dc->anonymous_scopes, MP_SCOPE_READ);
}

int mp_conf_auth_open(const mp_dir_conf_t *dc)
{
    return value_or(dc->auth_open, 1);
}

int mp_conf_key_cache_ttl(const mp_srv_conf_t *sc)
{
    return value_or(sc->key_cache_ttl, MP_DEFAULT_KEY_CACHE_TTL);
}

int mp_conf_redis_timeout_ms(const mp_srv_conf_t *sc)
{
    return value_or(sc->redis_timeout_ms, MP_DEFAULT_REDIS_TIMEOUT_MS);
}

const char *mp_conf_cache_prefix(const mp_srv_conf_t *sc)
{
    return sc->cache_prefix ? sc->cache_prefix : "mp:";
}

int mp_conf_cache_shm_size(const mp_srv_conf_t *sc)
{
    return value_or(sc->cache_shm_size, MP_DEFAULT_CACHE_SHM_SIZE);
}

const mp_tier_t *mp_conf_tier(const mp_srv_conf_t *sc, const char *name)
{
    return sc->tiers && name ? apr_hash_get(sc->tiers, name,
                                            APR_HASH_KEY_STRING) : NULL;
}

mp_tier_t mp_conf_auth_failure_limit(const mp_srv_conf_t *sc)
{
    static const mp_tier_t by_default = {"authfail", 10, 60};

    return sc->auth_failures ? *sc->auth_failures : by_default;
}

int mp_conf_rl_fallback(const mp_srv_conf_t *sc)
{
    return value_or(sc->rl_fallback, MP_RL_FALLBACK_LOCAL);
}

int mp_conf_ratelimit(const mp_dir_conf_t *dc)
{
    return value_or(dc->ratelimit, 1);
}

int mp_conf_rl_legacy(const mp_dir_conf_t *dc)
{
    return value_or(dc->rl_legacy, 0);
}
