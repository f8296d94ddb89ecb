/* Configuration of mod_marketpulse: the per-<Location> and per-server
 * records and their merge rules (mp_config.c) and the directive parsers
 * that fill them (mp_directives.c).
 * Every value is checked at config time (the rules are in mp_conf_parse),
 * so that a bad value fails `apachectl configtest` with the directive's
 * name and the value. */
#ifndef MP_CONFIG_H
#define MP_CONFIG_H

#include "httpd.h"
#include "http_config.h"
#include "apr_hash.h"

#include "mp_conf_parse.h"
#include "mp_dbd_conf.h"

#define MP_UNSET (-1)

/* Defaults, also documented in docs/directives.md. */
#define MP_DEFAULT_PAGE_SIZE        20
#define MP_DEFAULT_MAX_PAGE_SIZE    100
#define MP_PAGE_SIZE_CEILING        10000
#define MP_DEFAULT_STMT_TIMEOUT_MS  5000
#define MP_DEFAULT_DB_WAIT_MS       1000
#define MP_DEFAULT_DB_SLOTS         10
#define MP_DEFAULT_EXPORT_SLOTS     2
#define MP_DEFAULT_CACHE_TTL        30
#define MP_DEFAULT_REDIS_TIMEOUT_MS 50
#define MP_DEFAULT_CACHE_SHM_SIZE   (8 * 1024 * 1024)
#define MP_DEFAULT_MAX_BODY         (1024 * 1024)
#define MP_DEFAULT_MAX_BATCH        500
#define MP_DEFAULT_EXPORT_TIMEOUT_MS 3600000
#define MP_DEFAULT_IDEMPOTENCY_TTL  86400
#define MP_DEFAULT_SLOW_QUERY_MS    100
#define MP_DEFAULT_VERY_SLOW_QUERY_MS 1000
#define MP_DEFAULT_KEY_CACHE_TTL    30

/* MarketPulseAuth */
typedef enum {
    MP_AUTH_OFF = 0,           /* keys are not read: everyone anonymous */
    MP_AUTH_OPTIONAL,          /* a key is checked when sent */
    MP_AUTH_REQUIRED           /* no key, no answer (but the open routes) */
} mp_auth_mode_t;

typedef struct {
    int enabled;               /* MarketPulse On|Off */
    const char *base;          /* URL prefix of the section that said On */
    int default_page_size;     /* MarketPulseDefaultPageSize */
    int max_page_size;         /* MarketPulseMaxPageSize */
    int cache;                 /* MarketPulseCache On|Off */
    int admin;                 /* MarketPulseAdmin On|Off */
    int ttl_default;           /* MarketPulseCacheTTL seconds */
    int ttl[MP_CACHE_ENDPOINTS];   /* MarketPulseCacheTTL endpoint seconds */
    int rollups;               /* MarketPulseRollups On|Off */
    int max_body;              /* MarketPulseMaxBody bytes */
    int max_batch;             /* MarketPulseMaxBatch */
    const char *docs;          /* MarketPulseDocs: swagger-ui-dist's
                                  directory, "" for Off, NULL unset */
    mp_cors_origins_t *cors;   /* MarketPulseCORSOrigin, NULL unset */
    int auth;                  /* MarketPulseAuth: mp_auth_mode_t */
    int anonymous_scopes;      /* MarketPulseAnonymousScopes: MP_SCOPE_* */
    int auth_open;             /* MarketPulseAuthOpen On|Off: probes,
                                  document and docs page without a key */
    const char *user_tier;     /* MarketPulseUserTier: r->user's tier... */
    int user_scopes;           /* ...and scopes; MP_UNSET: not mapped */
    int ratelimit;             /* MarketPulseRateLimit On|Off */
    int rl_legacy;             /* MarketPulseRateLimitLegacyHeaders */
} mp_dir_conf_t;

struct mp_gate;

typedef struct {
    struct mp_gate *gate;      /* one per server, made in post_config,
                                  shared by all the children */
    int stmt_timeout_ms;       /* MarketPulseStatementTimeout, 0 = none */
    int db_wait_ms;            /* MarketPulseDBWait */
    int db_slots;              /* MarketPulseDBSlots */
    struct mp_gate *export_gate;   /* the exports' own gate, made and
                                      shared like gate */
    int export_slots;          /* MarketPulseExportSlots */
    apr_hash_t *bandwidth;     /* MarketPulseTierBandwidth: tier name ->
                                  mp_bandwidth_t; NULL when none is set */
    const char *redis_host;    /* MarketPulseRedis host:port ... */
    int redis_port;            /* 0: redis_host is a Unix socket path */
    const char *redis_password;
    int redis_db;
    int redis_timeout_ms;      /* MarketPulseRedisTimeout */
    const char *cache_prefix;  /* MarketPulseCachePrefix */
    int cache_shm_size;        /* MarketPulseCacheShmSize */
    int coherence_ms;          /* MarketPulseCacheCoherence: 0 strict,
                                  else notified with this bound */
    void *redis;               /* per child: the Redis context pool */
    void *listen;              /* notified: this server's listener state,
                                  in shared memory (mp_cache_listen.c) */
    int export_timeout_ms;     /* MarketPulseExportTimeout, 0 = none */
    int idempotency_ttl;       /* MarketPulseIdempotencyTTL seconds */
    int metrics;               /* MarketPulseMetrics On|Off */
    int slow_query_ms;         /* MarketPulseSlowQueryMs */
    int very_slow_query_ms;    /* MarketPulseVerySlowQueryMs */
    mp_dbd_conf_t dbd_pool;    /* mod_dbd's settings for this server, read
                                  at post_config (for the health) */
    const unsigned char *pepper;   /* MarketPulseAuthPepper's file, read at
                                      start-up (as root), or NULL */
    apr_size_t pepper_len;
    const char *pepper_file;
    int key_cache_ttl;         /* MarketPulseKeyCacheTTL seconds */
    void *keys;                /* per child: the key lookups (mp_keycache) */
    apr_hash_t *tiers;         /* MarketPulseTier: name -> mp_tier_t */
    const mp_tier_t *auth_failures;    /* MarketPulseAuthFailureLimit,
                                          NULL unset */
    int rl_fallback;           /* MarketPulseRateLimitFallback
                                  (mp_rl_fallback_t) */
} mp_srv_conf_t;

extern module AP_MODULE_DECLARE_DATA marketpulse_module;
extern const command_rec mp_directives[];   /* mp_directives.c */

void *mp_create_dir_conf(apr_pool_t *p, char *dir);
void *mp_merge_dir_conf(apr_pool_t *p, void *basev, void *addv);
void *mp_create_srv_conf(apr_pool_t *p, server_rec *s);
void *mp_merge_srv_conf(apr_pool_t *p, void *basev, void *addv);

/* Effective values, with the defaults applied to what was left unset. */
int mp_conf_page_size(const mp_dir_conf_t *dc);
int mp_conf_max_page_size(const mp_dir_conf_t *dc);
int mp_conf_stmt_timeout_ms(const mp_srv_conf_t *sc);
int mp_conf_rollups(const mp_dir_conf_t *dc);
int mp_conf_max_body(const mp_dir_conf_t *dc);
int mp_conf_max_batch(const mp_dir_conf_t *dc);
/* The directory of the docs page's assets, or NULL where it is off. */
const char *mp_conf_docs(const mp_dir_conf_t *dc);
int mp_conf_export_timeout_ms(const mp_srv_conf_t *sc);
int mp_conf_idempotency_ttl(const mp_srv_conf_t *sc);
int mp_conf_metrics(const mp_srv_conf_t *sc);
int mp_conf_slow_query_ms(const mp_srv_conf_t *sc);
int mp_conf_very_slow_query_ms(const mp_srv_conf_t *sc);
int mp_conf_db_wait_ms(const mp_srv_conf_t *sc);
int mp_conf_db_slots(const mp_srv_conf_t *sc);
int mp_conf_export_slots(const mp_srv_conf_t *sc);
/* The bandwidth of a tier ("anonymous" for clients without a key), or
 * NULL when it is not throttled. */
const mp_bandwidth_t *mp_conf_bandwidth(const mp_srv_conf_t *sc,
                                        const char *tier);
int mp_conf_cache_ttl(const mp_dir_conf_t *dc, mp_cache_endpoint_t ep);
int mp_conf_redis_timeout_ms(const mp_srv_conf_t *sc);
const char *mp_conf_cache_prefix(const mp_srv_conf_t *sc);
int mp_conf_cache_shm_size(const mp_srv_conf_t *sc);
/* MarketPulseTier's definition of name, or NULL. */
const mp_tier_t *mp_conf_tier(const mp_srv_conf_t *sc, const char *name);
int mp_conf_rl_fallback(const mp_srv_conf_t *sc);
/* Failed authentications an address may make per window: limit 0 for
 * unlimited (MarketPulseAuthFailureLimit, 10/60s by default). */
mp_tier_t mp_conf_auth_failure_limit(const mp_srv_conf_t *sc);
int mp_conf_ratelimit(const mp_dir_conf_t *dc);
int mp_conf_rl_legacy(const mp_dir_conf_t *dc);
/* 0: strict; else notified, with the bound in milliseconds (Redis
 * configured: the mode needs its listener) */
int mp_conf_coherence_ms(const mp_srv_conf_t *sc);
mp_auth_mode_t mp_conf_auth(const mp_dir_conf_t *dc);
unsigned mp_conf_anonymous_scopes(const mp_dir_conf_t *dc);
int mp_conf_auth_open(const mp_dir_conf_t *dc);
int mp_conf_key_cache_ttl(const mp_srv_conf_t *sc);

#endif
