/* The rules of the directives' values, as pure functions of their text:
 * each returns the parsed value or what a good value looks like, and
 * mp_config.c puts the directive's name and the value in front.  APR
 * only, so that the unit tests pin every rule without httpd. */
#ifndef MP_CONF_PARSE_H
#define MP_CONF_PARSE_H

#include "apr_pools.h"
#include "apr_tables.h"

/* The endpoints whose answers are cached, each with its own TTL. */
typedef enum {
    MP_CACHE_DASHBOARD,
    MP_CACHE_REVENUE,
    MP_CACHE_CUSTOMERS,
    MP_CACHE_PRODUCTS,
    MP_CACHE_TRANSACTIONS,
    MP_CACHE_ENDPOINTS,        /* how many; also "not cached" in routes */
    MP_CACHE_NONE = MP_CACHE_ENDPOINTS
} mp_cache_endpoint_t;

/* Their names in MarketPulseCacheTTL, in the order of the enum. */
extern const char *const mp_cache_endpoint_names[MP_CACHE_ENDPOINTS];

/* Where MarketPulseRedis points. */
typedef struct {
    const char *host;          /* "" for off; a socket path when port is 0 */
    int port;
    const char *password;      /* NULL: no AUTH */
    int db;                    /* 0: no SELECT */
} mp_redis_target_t;

/* Parses a whole decimal number in [min, max] (strtol's syntax: leading
 * blanks and a sign pass, nothing may follow); 1 with *out set, else 0. */
int mp_parse_bounded_int(const char *text, long min, long max, long *out);

/* MarketPulseRedis's words, as httpd split them: host:port (the port
 * after the last ':'), unix:/path or off, then password=SECRET and
 * db=0..15.  NULL with *out filled, or the error text with *bad the word
 * to quote; a word that may hold a password is quoted as "password=...". */
const char *mp_parse_redis(apr_pool_t *p, int argc, char *const argv[],
                           mp_redis_target_t *out, const char **bad);

/* The endpoint MarketPulseCacheTTL names: NULL with *ep set, or the
 * error text. */
const char *mp_parse_cache_endpoint(apr_pool_t *p, const char *name,
                                    mp_cache_endpoint_t *ep);

/* MarketPulseCacheCoherence strict | notified [milliseconds]: *bound_ms
 * 0 for strict, else the staleness bound (default
 * MP_DEFAULT_COHERENCE_BOUND_MS, 10 to 60000).  NULL, or the error text
 * with *bad the word to quote. */
#define MP_DEFAULT_COHERENCE_BOUND_MS 250
const char *mp_parse_cache_coherence(int argc, char *const argv[],
                                     int *bound_ms, const char **bad);

/* NULL when text may begin every cache key, else the error text. */
const char *mp_parse_cache_prefix(const char *text);

/* The origins MarketPulseCORSOrigin lets read answers from a browser. */
typedef enum {
    MP_CORS_UNSET,             /* not given in this section */
    MP_CORS_OFF,               /* Off: no CORS here (a nested section) */
    MP_CORS_ANY,               /* "*": every origin, never credentials */
    MP_CORS_LIST               /* the listed origins, with credentials */
} mp_cors_mode_t;

typedef struct {
    mp_cors_mode_t mode;
    apr_array_header_t *origins;   /* MP_CORS_LIST: const char *, in
                                      lowercase as browsers send them */
} mp_cors_origins_t;

/* MarketPulseCORSOrigin's words: origins (scheme://host[:port], nothing
 * after), or "*" alone, or Off alone.  A second line of one section adds
 * its origins to the first's (out as the first left it; zeroed for the
 * first); "*" and Off stand alone in their section.  NULL, or the error
 * text with *bad the word to quote. */
const char *mp_parse_cors_origins(apr_pool_t *p, int argc, char *const argv[],
                                  mp_cors_origins_t *out, const char **bad);

/* A tier's name, as MarketPulseUserTier and api_keys.tier hold it: 1-32
 * of letters, digits, '_' and '-'.  NULL, or what a good one looks like. */
const char *mp_parse_tier_name(const char *text);

/* A tier's bandwidth (MarketPulseTierBandwidth), as mod_ratelimit reads
 * it (rate-limit, KiB/s), up to MP_BANDWIDTH_MAX_KIB: far below where
 * mod_ratelimit's int arithmetic (value x 1024) overflows. */
#define MP_BANDWIDTH_MAX_KIB 1048576
typedef struct {
    int kib_per_s;             /* 0: off (the tier is not throttled) */
} mp_bandwidth_t;

/* KiB/s or off: NULL with *out filled, or the error text. */
const char *mp_parse_bandwidth(const char *text, mp_bandwidth_t *out);

/* The pepper of API key hashes: the file's bytes, a trailing newline
 * dropped, at least 32 of them (4 KB at most), and the file readable by
 * its owner alone.  NULL with *out, *len set, or what is wrong. */
const char *mp_read_pepper(apr_pool_t *p, const char *path,
                           const unsigned char **out, apr_size_t *len);
/* A rate-limit tier: limit requests per window_s seconds; limit 0 is
 * unlimited.  The limit fits the per-host fallback's 24-bit counters. */
#define MP_RATE_LIMIT_MAX 10000000
#define MP_RATE_WINDOW_MAX 86400
typedef struct {
    const char *name;
    long limit;
    int window_s;
} mp_tier_t;

/* MarketPulseTier NAME N/W{s|m|h} | unlimited.  The name follows
 * mp_parse_tier_name (keys name their tier the same way); clients see it
 * in RateLimit-Policy (a structured-field string, which all of those
 * characters may be in) and it is part of Redis keys.  NULL with *out
 * filled (name not copied), or the error text with *bad the word to
 * quote. */
const char *mp_parse_tier(const char *name, const char *rate, mp_tier_t *out,
                          const char **bad);

/* MarketPulseRateLimitFallback: what limits do while Redis is down. */
typedef enum {
    MP_RL_FALLBACK_LOCAL,      /* count per host in shared memory */
    MP_RL_FALLBACK_OPEN,       /* let every request through uncounted */
    MP_RL_FALLBACK_CLOSED      /* answer 503 */
} mp_rl_fallback_t;
const char *mp_parse_rl_fallback(const char *text, int *mode);

#endif
