/* The RateLimit fields' text, as draft-ietf-httpapi-ratelimit-headers-11
 * writes them, the decimals they (and the Redis commands) are written
 * with, and the rounding of what is left into seconds. */
#include "test_support.h"
#include "mp_decimal.h"
#include "mp_ratelimit_fields.h"

static void test_fields_read_as_the_draft_writes_them(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(mp_rl_policy_field(p, "pro", 100, 60),
                        "\"pro\";q=100;w=60");
    assert_string_equal(mp_rl_field(p, "pro", 57, 23), "\"pro\";r=57;t=23");
    assert_string_equal(mp_rl_field(p, "free", -3, 1), "\"free\";r=0;t=1");
    assert_string_equal(mp_rl_policy_field(p, "enterprise", 10000000, 3600),
                        "\"enterprise\";q=10000000;w=3600");
    assert_string_equal(mp_rl_field(p, "x", 0, 0), "\"x\";r=0;t=0");
    assert_string_equal(mp_rl_field(p, "authfail", 2147483647L, 86400),
                        "\"authfail\";r=2147483647;t=86400");
}

static void assert_decimal(apr_uint64_t v, const char *want)
{
    char buf[MP_DECIMAL_MAX + 1];

    *mp_decimal(buf, v) = '\0';
    assert_string_equal(buf, want);
}

/* the numbers of the fields and of the Redis commands' RESP */
static void test_decimals_are_written_whole(void **state)
{
    (void)state;
    assert_decimal(0, "0");
    assert_decimal(9, "9");
    assert_decimal(10, "10");
    assert_decimal(3600000, "3600000");
    assert_decimal(APR_UINT64_MAX, "18446744073709551615");
}

static void test_seconds_round_up_and_are_at_least_one(void **state)
{
    (void)state;
    assert_int_equal(mp_rl_seconds(0), 1);
    assert_int_equal(mp_rl_seconds(1), 1);
    assert_int_equal(mp_rl_seconds(1000), 1);
    assert_int_equal(mp_rl_seconds(1001), 2);
    assert_int_equal(mp_rl_seconds(59999), 60);
    assert_int_equal(mp_rl_seconds(60000), 60);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(test_fields_read_as_the_draft_writes_them),
        POOL_TEST(test_decimals_are_written_whole),
        POOL_TEST(test_seconds_round_up_and_are_at_least_one),
    };
    return cmocka_run_group_tests_name("ratelimit_fields", tests, NULL, NULL);
}
