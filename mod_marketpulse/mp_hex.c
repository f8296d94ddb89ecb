/* Hex encoding and random tokens. */
#include "apr_general.h"

#include "mp_hex.h"

#define MAX_RANDOM_BYTES 64

char *mp_hex(apr_pool_t *p, const unsigned char *raw, apr_size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *hex = apr_palloc(p, 2 * n + 1);

    for (apr_size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[raw[i] >> 4];
        hex[2 * i + 1] = digits[raw[i] & 0x0f];
    }
    hex[2 * n] = '\0';
    return hex;
}

const char *mp_hex_random(apr_pool_t *p, apr_size_t n)
{
    unsigned char raw[MAX_RANDOM_BYTES];

    if (n > sizeof(raw) || apr_generate_random_bytes(raw, n) != APR_SUCCESS) {
        return NULL;
    }
    return mp_hex(p, raw, n);
}
