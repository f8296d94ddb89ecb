/* Pure helpers of the cache: the normalized text a cache key is made
 * from, and If-None-Match matching.  Unit-tested without httpd. */
#ifndef MP_CACHE_KEY_H
#define MP_CACHE_KEY_H

#include "apr_pools.h"
#include "apr_tables.h"

/* "v1 p20 /customers?limit=5&sort=name": the API version, the settings
 * that shape an answer (variant: hosts sharing a Redis may be configured
 * differently), the route path (after the mount point and /v1) and the
 * decoded query parameters sorted by name then value, each re-encoded,
 * so that equal requests written differently share one entry. */
const char *mp_cache_key_text(apr_pool_t *p, const char *variant,
                              const char *path, const apr_table_t *args);

/* Hex SHA-1 of text: keys of a fixed, short length. */
const char *mp_cache_key_hash(apr_pool_t *p, const char *text);

/* Strong ETag of a body: "\"<hex md5>\"". */
const char *mp_etag_of(apr_pool_t *p, const char *body, apr_size_t len);

/* Whether an If-None-Match header names etag: "*", a list, weak tags
 * (W/) and the "-gzip" suffix mod_deflate adds all count (RFC 9110 uses
 * the weak comparison for If-None-Match). */
int mp_etag_matches(const char *if_none_match, const char *etag);

/* The cache generation a client carries from its last write, in the
 * X-MarketPulse-Generation header or the mp_generation cookie (read by
 * httpd's ap_cookie_read): the value as a number, 0 when it is not a
 * whole number of 1 to 19 digits (or NULL). */
#define MP_GENERATION_HEADER "X-MarketPulse-Generation"
#define MP_GENERATION_COOKIE "mp_generation"
apr_uint64_t mp_carried_generation(const char *text);

#endif
