/* Cursors as clients send them back: the text as given, and the input's
 * bytes as the JSON inside a cursor (base64url-encoded here, so mutations
 * reach the JSON and not only the base64).  A cursor that decodes must
 * re-encode, within the length the API accepts, to one that decodes to
 * the same fields; a key that passes its kind's check must be what that
 * kind promises SQL. */
#include <errno.h>
#include <string.h>

#include "apr_base64.h"
#include "apr_strings.h"

#include "fuzz_support.h"
#include "mp_cursor.h"
#include "mp_request.h"

static int same(const mp_cursor_t *a, const mp_cursor_t *b)
{
    return strcmp(a->sort, b->sort) == 0 && strcmp(a->order, b->order) == 0
           && strcmp(a->key, b->key) == 0 && strcmp(a->id, b->id) == 0;
}

static void check_integer_key(const char *k)
{
    char *end;

    errno = 0;
    (void)strtoll(k, &end, 10);       /* a bigint: no overflow */
    FUZZ_CHECK(errno == 0 && *end == '\0' && end != k);
}

static void check_numeric_key(const char *k)
{
    size_t n;

    if (strcmp(k, "-Infinity") == 0) return;
    if (*k == '-') k++;
    n = strspn(k, "0123456789");
    FUZZ_CHECK(n > 0);
    if (k[n] == '.') {
        size_t f = strspn(k + n + 1, "0123456789");

        FUZZ_CHECK(f > 0 && k[n + 1 + f] == '\0');
    }
    else {
        FUZZ_CHECK(k[n] == '\0');
    }
}

static void check_timestamp_key(const char *k)
{
    size_t y = strspn(k, "0123456789");
    long year = strtol(k, NULL, 10);

    if (strcmp(k, "-infinity") == 0) return;
    /* YYYY[YY]-MM-DDTHH:MM:SS.ffffffZ in the years PostgreSQL holds */
    FUZZ_CHECK(y >= 4 && y <= 6 && year >= 1 && year <= 294276);
    FUZZ_CHECK(strlen(k + y) == 23 && k[y + 22] == 'Z' && k[y + 15] == '.');
    FUZZ_CHECK(strspn(k + y + 16, "0123456789") == 6);
}

static void check_keys(const char *k)
{
    if (mp_cursor_key_valid(MP_KEY_INTEGER, k)) check_integer_key(k);
    if (mp_cursor_key_valid(MP_KEY_NUMERIC, k)) check_numeric_key(k);
    if (mp_cursor_key_valid(MP_KEY_TIMESTAMP, k)) check_timestamp_key(k);
    /* what the cursor holds came through jansson: always UTF-8 */
    FUZZ_CHECK(mp_cursor_key_valid(MP_KEY_TEXT, k));
}

static void check_cursor(apr_pool_t *p, const char *text)
{
    mp_cursor_t c, again, third;
    const char *text2;

    if (!mp_cursor_decode(p, text, &c)) {
        return;
    }
    FUZZ_CHECK(c.sort && c.order && c.key && c.id && mp_id_valid(c.id));
    check_keys(c.key);
    text2 = mp_cursor_encode(p, &c);
    FUZZ_CHECK(text2 != NULL);
    /* safe in a query string as it is */
    FUZZ_CHECK(strspn(text2, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
                             "tuvwxyz0123456789-_") == strlen(text2));
    /* compact JSON is never longer than what it was read from */
    FUZZ_CHECK(strlen(text2) <= strlen(text));
    FUZZ_CHECK(mp_cursor_decode(p, text2, &again));
    FUZZ_CHECK(same(&c, &again));
    /* and the encoding is canonical */
    FUZZ_CHECK(strcmp(mp_cursor_encode(p, &again), text2) == 0);
    FUZZ_CHECK(mp_cursor_decode(p, text2, &third) && same(&third, &c));
}

/* base64url without padding, as a forger would write one */
static char *b64url(apr_pool_t *p, const uint8_t *data, size_t size)
{
    char *out = apr_palloc(p, (apr_size_t)apr_base64_encode_len((int)size));
    int n = apr_base64_encode_binary(out, data, (int)size);

    for (int i = 0; i < n; i++) {
        if (out[i] == '+') out[i] = '-';
        else if (out[i] == '/') out[i] = '_';
        else if (out[i] == '=') { out[i] = '\0'; break; }
    }
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstring(data, size);
    apr_pool_t *p = fuzz_pool_open();

    check_cursor(p, text);
    if (size <= 2 * MP_CURSOR_MAX_LEN) {
        check_cursor(p, b64url(p, data, size));
    }
    fuzz_pool_close(p);
    free(text);
    return 0;
}
