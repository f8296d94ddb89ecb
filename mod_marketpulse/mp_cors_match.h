/* CORS without httpd: which origin an answer names, and the header lists
 * a browser is told.  Pure, so the unit tests pin them. */
#ifndef MP_CORS_MATCH_H
#define MP_CORS_MATCH_H

#include "mp_conf_parse.h"

/* The request headers a preflight allows: every one the module reads
 * (the keys, the write body's type, idempotency, revalidation, the
 * client's request id, the generation a write handed back). */
#define MP_CORS_ALLOW_HEADERS "Authorization, X-API-Key, Content-Type, " \
    "Idempotency-Key, If-None-Match, X-Request-ID, X-MarketPulse-Generation"

/* The answer headers a page's script may read, beyond the safelisted
 * ones (Cache-Control, Content-Type, Content-Length, ...): the ones the
 * API sends, and the rate limiter's. */
#define MP_CORS_EXPOSE_HEADERS "X-Request-ID, X-Cache, ETag, Location, " \
    "Retry-After, Allow, Content-Disposition, Idempotent-Replayed, " \
    "X-MarketPulse-Generation, RateLimit, RateLimit-Policy, " \
    "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, " \
    "WWW-Authenticate"

/* Seconds a browser may keep a preflight's answer: short enough that a
 * changed configuration reaches browsers soon (Chromium keeps at most
 * 7200 anyway). */
#define MP_CORS_MAX_AGE "600"

/* Whether the origins set CORS up at all (Vary: Origin is sent then). */
int mp_cors_enabled(const mp_cors_origins_t *o);

/* Access-Control-Allow-Origin for a request with this Origin (NULL when
 * it sent none): "*" where every origin is allowed, origin itself where
 * it is listed (compared without case, as scheme and host are), NULL
 * otherwise. */
const char *mp_cors_allow_origin(const mp_cors_origins_t *o,
                                 const char *origin);

/* Whether the answer may be read with the user's credentials (cookies,
 * HTTP auth): for a listed origin, never for "*". */
int mp_cors_credentials(const mp_cors_origins_t *o);

#endif
