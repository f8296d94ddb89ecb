/* API keys: their form, their hash, their scopes (mp_apikey.h). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "apr_strings.h"

#include "mp_apikey.h"

#define KEY_PREFIX "mp_"

static int is_bearer(const char *authorization, const char **token)
{
    static const char scheme[] = "bearer";
    apr_size_t n = sizeof(scheme) - 1;

    /* "Bearer" alone (httpd drops the blanks that ended the line) is
     * a Bearer credential too, and an empty one */
    if (strncasecmp(authorization, scheme, n) != 0
        || (authorization[n] != ' ' && authorization[n] != '\t'
            && authorization[n] != '\0')) {
        return 0;
    }
    authorization += n;
    while (*authorization == ' ' || *authorization == '\t') {
        authorization++;
    }
    *token = authorization;
    return 1;
}

mp_cred_t mp_apikey_credential(const char *authorization,
                               const char *x_api_key, const char **key)
{
    const char *bearer = NULL;

    if (authorization && !is_bearer(authorization, &bearer)) {
        bearer = NULL;
    }
    if (bearer && x_api_key && strcmp(bearer, x_api_key) != 0) {
        return MP_CRED_CONFLICT;
    }
    *key = bearer ? bearer : x_api_key;
    return *key ? MP_CRED_KEY : MP_CRED_NONE;
}

/* Whether c is an ASCII digit or lower-case letter (or, unless
 * lower_only, upper-case): compared as bytes, not through the locale's
 * tables, since every request with a key runs this over the key. */
static int key_char(char c, int lower_only)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
           || (!lower_only && c >= 'A' && c <= 'Z');
}

/* The length of the run of s that is in the class, up to max + 1. */
static apr_size_t span(const char *s, int lower_only, apr_size_t max)
{
    apr_size_t n = 0;

    while (n <= max && key_char(s[n], lower_only)) {
        n++;
    }
    return n;
}

int mp_apikey_parse(const char *text, mp_apikey_t *out)
{
    apr_size_t id_len, secret_len;
    const char *secret;

    if (strncmp(text, KEY_PREFIX, sizeof(KEY_PREFIX) - 1) != 0) {
        return 0;
    }
    text += sizeof(KEY_PREFIX) - 1;
    id_len = span(text, 1, MP_APIKEY_ID_MAX);
    if (id_len < MP_APIKEY_ID_MIN || id_len > MP_APIKEY_ID_MAX
        || text[id_len] != '_') {
        return 0;
    }
    secret = text + id_len + 1;
    secret_len = span(secret, 0, MP_APIKEY_SECRET_MAX);
    if (secret_len < MP_APIKEY_SECRET_MIN
        || secret_len > MP_APIKEY_SECRET_MAX || secret[secret_len] != '\0') {
        return 0;
    }
    memcpy(out->id, text, id_len);
    out->id[id_len] = '\0';
    out->secret = secret;
    out->secret_len = secret_len;
    return 1;
}

int mp_apikey_hash(const unsigned char *pepper, apr_size_t pepper_len,
                   const char *secret, apr_size_t secret_len, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;

    if (HMAC(EVP_sha256(), pepper, (int)pepper_len,
             (const unsigned char *)secret, secret_len, mac, &mac_len)
        == NULL || mac_len * 2 != MP_APIKEY_HASH_HEX) {
        return 0;
    }
    for (unsigned int i = 0; i < mac_len; i++) {
        hex[2 * i] = digits[mac[i] >> 4];
        hex[2 * i + 1] = digits[mac[i] & 0xf];
    }
    hex[MP_APIKEY_HASH_HEX] = '\0';
    return 1;
}

int mp_apikey_matches(const unsigned char *pepper, apr_size_t pepper_len,
                      const mp_apikey_t *key, const char *stored_hex)
{
    char hex[MP_APIKEY_HASH_HEX + 1];

    if (stored_hex == NULL || strlen(stored_hex) != MP_APIKEY_HASH_HEX
        || !mp_apikey_hash(pepper, pepper_len, key->secret,
                           key->secret_len, hex)) {
        return 0;
    }
    return CRYPTO_memcmp(hex, stored_hex, MP_APIKEY_HASH_HEX) == 0;
}

int mp_apikey_same_secret(const mp_apikey_t *key, const char *text)
{
    return strlen(text) == key->secret_len
           && CRYPTO_memcmp(text, key->secret, key->secret_len) == 0;
}

static const struct {
    const char *name;
    unsigned bit;
} scope_names[] = {
    {"read", MP_SCOPE_READ}, {"write", MP_SCOPE_WRITE},
    {"admin", MP_SCOPE_ADMIN}
};
#define NSCOPES (sizeof(scope_names) / sizeof(scope_names[0]))

/* The bit of the name s[0..n), or 0. */
static unsigned scope_bit(const char *s, apr_size_t n)
{
    for (apr_size_t i = 0; i < NSCOPES; i++) {
        if (strlen(scope_names[i].name) == n
            && strncmp(scope_names[i].name, s, n) == 0) {
            return scope_names[i].bit;
        }
    }
    return 0;
}

int mp_scopes_parse(const char *text, unsigned *out)
{
    unsigned bits = 0;

    if (strcmp(text, "none") == 0) {
        *out = 0;
        return 1;
    }
    for (;;) {
        apr_size_t n = strcspn(text, ",");
        unsigned bit = scope_bit(text, n);

        if (bit == 0 || (bits & bit)) {
            return 0;
        }
        bits |= bit;
        if (text[n] == '\0') {
            break;
        }
        text += n + 1;
    }
    *out = bits;
    return 1;
}

const char *mp_scopes_text(apr_pool_t *p, unsigned scopes)
{
    const char *text = NULL;

    for (apr_size_t i = 0; i < NSCOPES; i++) {
        if (scopes & scope_names[i].bit) {
            text = text ? apr_pstrcat(p, text, ",", scope_names[i].name,
                                      NULL)
                        : scope_names[i].name;
        }
    }
    return text ? text : "none";
}
