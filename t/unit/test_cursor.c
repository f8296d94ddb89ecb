/* Cursors: round trip, opacity in URLs, rejection of forged ones. */
#include <string.h>

#include "apr_base64.h"
#include "apr_strings.h"

#include "test_support.h"
#include "mp_cursor.h"
#include "mp_timestamp.h"

static void test_cursor_round_trips(void **state)
{
    mp_cursor_t in = {"lifetime_value", "desc", "1523.46", "42"}, out;
    const char *text = mp_cursor_encode(*state, &in);

    assert_non_null(text);
    assert_int_equal(strcspn(text, "+/=&?% "), strlen(text));
    assert_true(mp_cursor_decode(*state, text, &out));
    assert_string_equal(out.sort, "lifetime_value");
    assert_string_equal(out.order, "desc");
    assert_string_equal(out.key, "1523.46");
    assert_string_equal(out.id, "42");
}

static void test_cursor_keeps_unicode_keys(void **state)
{
    mp_cursor_t in = {"name", "asc", "Zo\xC3\xAB \"Q\" O'Brien", "7"}, out;

    assert_true(mp_cursor_decode(*state, mp_cursor_encode(*state, &in), &out));
    assert_string_equal(out.key, in.key);
}

/* base64url of arbitrary text, the way a forger would make one */
static const char *b64url(apr_pool_t *p, const char *text)
{
    char *out = apr_palloc(p, apr_base64_encode_len((int)strlen(text)));
    int n = apr_base64_encode(out, text, (int)strlen(text));

    for (int i = 0; i < n; i++) {
        if (out[i] == '+') out[i] = '-';
        if (out[i] == '/') out[i] = '_';
        if (out[i] == '=') out[i] = '\0';
    }
    return out;
}

static void test_cursor_rejects_garbage(void **state)
{
    apr_pool_t *p = *state;
    mp_cursor_t c;

    assert_false(mp_cursor_decode(p, "", &c));
    assert_false(mp_cursor_decode(p, "not a cursor!", &c));
    assert_false(mp_cursor_decode(p, "abc", &c));
    assert_false(mp_cursor_decode(p, b64url(p, "[1,2]"), &c));
    assert_false(mp_cursor_decode(p, b64url(p, "{\"s\":\"a\"}"), &c));
    assert_false(mp_cursor_decode(p, b64url(p,
        "{\"s\":\"a\",\"o\":\"asc\",\"k\":\"1\",\"i\":\"0\"}"), &c));
    assert_false(mp_cursor_decode(p, b64url(p,
        "{\"s\":\"a\",\"o\":\"asc\",\"k\":1,\"i\":\"5\"}"), &c));
    assert_false(mp_cursor_decode(p, b64url(p,
        "{\"s\":\"a\",\"s\":\"b\",\"o\":\"asc\",\"k\":\"1\",\"i\":\"5\"}"), &c));
    assert_true(mp_cursor_decode(p, b64url(p,
        "{\"s\":\"a\",\"o\":\"asc\",\"k\":\"1\",\"i\":\"5\"}"), &c));
}

static void test_cursor_rejects_oversized_text(void **state)
{
    char *big = apr_palloc(*state, MP_CURSOR_MAX_LEN + 2);
    mp_cursor_t c;

    memset(big, 'A', MP_CURSOR_MAX_LEN + 1);
    big[MP_CURSOR_MAX_LEN + 1] = '\0';
    assert_false(mp_cursor_decode(*state, big, &c));
}

static void test_key_kinds_are_checked(void **state)
{
    (void)state;
    assert_true(mp_cursor_key_valid(MP_KEY_NUMERIC, "1523.46"));
    assert_true(mp_cursor_key_valid(MP_KEY_NUMERIC, "-0.5"));
    assert_true(mp_cursor_key_valid(MP_KEY_NUMERIC, "0"));
    assert_false(mp_cursor_key_valid(MP_KEY_NUMERIC, "1e5"));
    assert_false(mp_cursor_key_valid(MP_KEY_NUMERIC, "12."));
    assert_false(mp_cursor_key_valid(MP_KEY_NUMERIC, "NaN"));
    assert_true(mp_cursor_key_valid(MP_KEY_INTEGER, "42"));
    assert_false(mp_cursor_key_valid(MP_KEY_INTEGER, "4.2"));
    assert_false(mp_cursor_key_valid(MP_KEY_INTEGER, "9999999999999999999"));
    assert_true(mp_cursor_key_valid(MP_KEY_TIMESTAMP,
                                    "2025-11-20T23:59:24.000000Z"));
    assert_true(mp_cursor_key_valid(MP_KEY_TIMESTAMP, "-infinity"));
    assert_false(mp_cursor_key_valid(MP_KEY_TIMESTAMP,
                                     "2025-11-20T24:00:00.000000Z"));
    assert_false(mp_cursor_key_valid(MP_KEY_TIMESTAMP,
                                     "2025-02-30T10:00:00.000000Z"));
    assert_false(mp_cursor_key_valid(MP_KEY_TIMESTAMP, "2025-11-20"));
    assert_true(mp_cursor_key_valid(MP_KEY_TEXT, "any name"));
}

/* Found by fuzz_timestamp: a key written from PostgreSQL's text failed
 * the cursor's own check outside 1900-9999, so a list walk stopped with
 * a 400 at a row from 9999-12-31T23:00:00-05:00 (10000-01-01 UTC) or
 * 1900-01-01T00:00:00+01:00 (1899-12-31 UTC), both accepted writes. */
static void test_cursor_accepts_every_timestamp_key_it_writes(void **state)
{
    static const char *const from_postgres[] = {
        "10000-01-01 04:00:00", "1899-12-31 23:00:00", "0001-01-01 00:00:00",
        "294276-12-31 23:59:59.999999", "10000-02-29 12:00:00.5", NULL
    };
    mp_cursor_t c = {"transaction_date", "desc", NULL, "4999"}, back;
    char ts[MP_TS_MAX];

    for (int i = 0; from_postgres[i]; i++) {
        assert_true(mp_ts_rfc3339(from_postgres[i], 1, ts) > 0);
        assert_true(mp_cursor_key_valid(MP_KEY_TIMESTAMP, ts));
        c.key = ts;
        assert_true(mp_cursor_decode(*state, mp_cursor_encode(*state, &c),
                                     &back));
        assert_string_equal(back.key, ts);
    }
    assert_true(mp_cursor_key_valid(MP_KEY_TIMESTAMP,
                                    "10000-01-01T04:00:00.000000Z"));
    /* what PostgreSQL cannot hold or would not write */
    assert_false(mp_cursor_key_valid(MP_KEY_TIMESTAMP,
                                     "294277-01-01T00:00:00.000000Z"));
    assert_false(mp_cursor_key_valid(MP_KEY_TIMESTAMP,
                                     "0000-01-01T00:00:00.000000Z"));
    assert_false(mp_cursor_key_valid(MP_KEY_TIMESTAMP,
                                     "010000-01-01T00:00:00.000000Z"));
    assert_false(mp_cursor_key_valid(MP_KEY_TIMESTAMP,
                                     "1000000-01-01T00:00:00.000000Z"));
    assert_false(mp_cursor_key_valid(MP_KEY_TIMESTAMP,
                                     "10100-02-29T00:00:00.000000Z"));
    assert_false(mp_cursor_key_valid(MP_KEY_TIMESTAMP,
                                     "10000-01-01T04:00:00Z"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(test_cursor_round_trips),
        POOL_TEST(test_cursor_keeps_unicode_keys),
        POOL_TEST(test_cursor_rejects_garbage),
        POOL_TEST(test_cursor_rejects_oversized_text),
        POOL_TEST(test_key_kinds_are_checked),
        POOL_TEST(test_cursor_accepts_every_timestamp_key_it_writes),
    };
    return cmocka_run_group_tests_name("cursor", tests, NULL, NULL);
}
