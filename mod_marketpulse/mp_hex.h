/* Bytes as lowercase hex, and random tokens: what request ids, cache
 * keys, ETags, lock tokens and idempotency hashes are written in.  Pure
 * APR, unit-tested. */
#ifndef MP_HEX_H
#define MP_HEX_H

#include "apr_pools.h"

/* 2 * n hex digits of raw, NUL-terminated, in p. */
char *mp_hex(apr_pool_t *p, const unsigned char *raw, apr_size_t n);

/* n random bytes as hex, or NULL when the system has no randomness to
 * give (the caller picks its own fallback). */
const char *mp_hex_random(apr_pool_t *p, apr_size_t n);

#endif
