/* API keys as clients send them and as the database holds them: the
 * credential taken from the request's headers, the key's form
 * (mp_<id>_<secret>), the HMAC-SHA256 of its secret under the pepper and
 * its constant-time check, and scope lists.  Pure (APR and libcrypto),
 * unit-tested and fuzzed: every byte here comes from a client. */
#ifndef MP_APIKEY_H
#define MP_APIKEY_H

#include "apr_pools.h"

#define MP_APIKEY_ID_MIN      8
#define MP_APIKEY_ID_MAX      32
#define MP_APIKEY_SECRET_MIN  32
#define MP_APIKEY_SECRET_MAX  128
#define MP_APIKEY_HASH_HEX    64      /* HMAC-SHA256, in hex */
#define MP_PEPPER_MIN         32      /* bytes */

/* Scopes, as a set of bits. */
#define MP_SCOPE_READ   0x1u
#define MP_SCOPE_WRITE  0x2u
#define MP_SCOPE_ADMIN  0x4u

typedef enum {
    MP_CRED_NONE,              /* no key sent */
    MP_CRED_KEY,               /* one key (maybe malformed: check it) */
    MP_CRED_CONFLICT           /* Bearer and X-API-Key disagree */
} mp_cred_t;

/* The key the client sent: `Authorization: Bearer <key>` (the scheme in
 * any case, then spaces) or `X-API-Key: <key>`; either may be NULL.  An
 * Authorization of another scheme (Basic, for another auth module) is
 * not ours and is ignored. */
mp_cred_t mp_apikey_credential(const char *authorization,
                               const char *x_api_key, const char **key);

typedef struct {
    char id[MP_APIKEY_ID_MAX + 1];
    const char *secret;        /* points into the key text */
    apr_size_t secret_len;
} mp_apikey_t;

/* 1 when text is mp_<id>_<secret>: id 8-32 of [a-z0-9], secret 32-128 of
 * [A-Za-z0-9]; the parts in *out. */
int mp_apikey_parse(const char *text, mp_apikey_t *out);

/* The lowercase hex HMAC-SHA256 of the secret under pepper, into hex
 * (MP_APIKEY_HASH_HEX + 1 bytes).  0 when libcrypto failed. */
int mp_apikey_hash(const unsigned char *pepper, apr_size_t pepper_len,
                   const char *secret, apr_size_t secret_len, char *hex);

/* 1 when the secret's hash is stored_hex, in time that does not depend
 * on where they differ. */
int mp_apikey_matches(const unsigned char *pepper, apr_size_t pepper_len,
                      const mp_apikey_t *key, const char *stored_hex);

/* 1 when the key's secret is text (a secret proved before), in time
 * that does not depend on where they differ. */
int mp_apikey_same_secret(const mp_apikey_t *key, const char *text);

/* "read,write,admin" (any order, no repeats) or "none" -> bits; 1 when
 * the text is such a list. */
int mp_scopes_parse(const char *text, unsigned *out);
/* The bits as that list ("none" for no scope). */
const char *mp_scopes_text(apr_pool_t *p, unsigned scopes);

#endif
