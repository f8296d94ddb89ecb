/* Hex encoding and random tokens: the digits every id, key and ETag is
 * written in. */
#include <string.h>

#include "test_support.h"
#include "mp_hex.h"

static void test_hex_writes_two_lowercase_digits_per_byte(void **state)
{
    apr_pool_t *p = *state;
    const unsigned char raw[] = {0x00, 0x0f, 0xa0, 0xff, 0x5c};

    assert_string_equal(mp_hex(p, raw, sizeof(raw)), "000fa0ff5c");
    assert_string_equal(mp_hex(p, raw, 0), "");
}

static void test_random_tokens_differ_and_are_hex(void **state)
{
    apr_pool_t *p = *state;
    const char *a = mp_hex_random(p, 16), *b = mp_hex_random(p, 16);

    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(strspn(a, "0123456789abcdef"), 32);
    assert_string_not_equal(a, b);
}

static void test_random_refuses_more_than_it_can_hold(void **state)
{
    assert_null(mp_hex_random(*state, 65));
    assert_non_null(mp_hex_random(*state, 64));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_writes_two_lowercase_digits_per_byte),
        cmocka_unit_test(test_random_tokens_differ_and_are_hex),
        cmocka_unit_test(test_random_refuses_more_than_it_can_hold),
    };

    return cmocka_run_group_tests_name("mp_hex", tests, pool_setup,
                                       pool_teardown);
}
