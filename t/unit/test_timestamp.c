/* PostgreSQL's ISO timestamp text to RFC 3339: seconds for display,
 * microseconds for cursor keys, and the texts that are not rewritten. */
#include <string.h>

#include "test_support.h"
#include "mp_timestamp.h"

static void assert_ts(const char *pg, int micro, const char *expected)
{
    char out[MP_TS_MAX];
    size_t len = mp_ts_rfc3339(pg, micro, out);

    assert_int_equal(len, strlen(expected));
    assert_string_equal(out, expected);
}

static void assert_not_rewritten(const char *pg)
{
    char out[MP_TS_MAX];

    assert_int_equal(mp_ts_rfc3339(pg, 0, out), 0);
    assert_int_equal(mp_ts_rfc3339(pg, 1, out), 0);
}

static void test_whole_seconds(void **state)
{
    (void)state;
    assert_ts("2025-11-20 13:45:07", 0, "2025-11-20T13:45:07Z");
    assert_ts("2025-11-20 13:45:07", 1, "2025-11-20T13:45:07.000000Z");
}

static void test_fractions_are_cut_or_padded(void **state)
{
    (void)state;
    /* PostgreSQL drops trailing zeros: .0123 is 12300 microseconds */
    assert_ts("2025-11-20 13:45:07.0123", 0, "2025-11-20T13:45:07Z");
    assert_ts("2025-11-20 13:45:07.0123", 1, "2025-11-20T13:45:07.012300Z");
    assert_ts("1999-12-31 23:59:59.999999", 1,
              "1999-12-31T23:59:59.999999Z");
    assert_ts("2024-02-29 00:00:00.5", 1, "2024-02-29T00:00:00.500000Z");
}

static void test_long_years_keep_their_digits(void **state)
{
    (void)state;
    assert_ts("12345-03-15 01:02:03", 0, "12345-03-15T01:02:03Z");
    assert_ts("0044-03-15 01:02:03", 0, "0044-03-15T01:02:03Z");
}

static void test_other_texts_are_left_alone(void **state)
{
    (void)state;
    assert_not_rewritten("infinity");
    assert_not_rewritten("-infinity");
    assert_not_rewritten("0044-03-15 01:02:03 BC");
    assert_not_rewritten("0044-03-15 01:02:03.5 BC");
    assert_not_rewritten("2025-11-20 13:45:07+00");     /* a timestamptz */
    assert_not_rewritten("2025-11-20T13:45:07");
    assert_not_rewritten("20/11/2025 13:45:07");        /* DateStyle SQL */
    assert_not_rewritten("2025-11-20 13:45:07.");
    assert_not_rewritten("2025-11-20 13:45:07.1234567");
    assert_not_rewritten("2025-11-20 13:45");
    assert_not_rewritten("025-11-20 13:45:07");
    assert_not_rewritten("");
    assert_not_rewritten(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(test_whole_seconds),
        POOL_TEST(test_fractions_are_cut_or_padded),
        POOL_TEST(test_long_years_keep_their_digits),
        POOL_TEST(test_other_texts_are_left_alone),
    };
    return cmocka_run_group_tests_name("timestamp", tests, NULL, NULL);
}
