/* Cache keys and ETags: equal requests share a key, different ones do
 * not; If-None-Match as clients and mod_deflate send it. */
#include <string.h>

#include "apr_tables.h"

#include "test_support.h"
#include "mp_cache_key.h"

static apr_table_t *args(apr_pool_t *p, const char *const *kv)
{
    apr_table_t *t = apr_table_make(p, 4);

    for (; kv[0]; kv += 2) {
        apr_table_addn(t, kv[0], kv[1]);
    }
    return t;
}

static void test_key_text_sorts_parameters(void **state)
{
    apr_pool_t *p = *state;
    const char *a[] = {"sort", "name", "limit", "5", NULL};
    const char *b[] = {"limit", "5", "sort", "name", NULL};

    assert_string_equal(mp_cache_key_text(p, "p20", "/customers", args(p, a)),
                        "v1 p20 /customers?limit=5&sort=name");
    assert_string_equal(mp_cache_key_text(p, "p20", "/customers", args(p, a)),
                        mp_cache_key_text(p, "p20", "/customers", args(p, b)));
}

static void test_key_text_cannot_be_confused_by_separators(void **state)
{
    apr_pool_t *p = *state;
    const char *a[] = {"category", "a&b=c", NULL};
    const char *b[] = {"category", "a", "b", "c", NULL};

    assert_string_not_equal(mp_cache_key_text(p, "p20", "/products", args(p, a)),
                            mp_cache_key_text(p, "p20", "/products", args(p, b)));
    assert_string_equal(mp_cache_key_text(p, "p20", "/products", args(p, a)),
                        "v1 p20 /products?category=a%26b%3Dc");
}

static void test_key_text_separates_configurations(void **state)
{
    apr_pool_t *p = *state;
    const char *a[] = {NULL};

    assert_string_not_equal(mp_cache_key_text(p, "p20", "/products", args(p, a)),
                            mp_cache_key_text(p, "p7", "/products", args(p, a)));
}

static void test_key_hash_is_fixed_length_hex(void **state)
{
    const char *h = mp_cache_key_hash(*state, "v1 /dashboard?");

    assert_int_equal(strlen(h), 40);
    assert_int_equal(strspn(h, "0123456789abcdef"), 40);
    assert_string_not_equal(h, mp_cache_key_hash(*state, "v1 /dashboard?x="));
}

static void test_etag_is_quoted_md5(void **state)
{
    assert_string_equal(mp_etag_of(*state, "abc", 3),
                        "\"900150983cd24fb0d6963f7d28e17f72\"");
}

static void test_if_none_match_forms(void **state)
{
    const char *tag = "\"abc\"";

    (void)state;
    assert_true(mp_etag_matches("\"abc\"", tag));
    assert_true(mp_etag_matches("W/\"abc\"", tag));
    assert_true(mp_etag_matches("\"x\", \"abc\"", tag));
    assert_true(mp_etag_matches("*", tag));
    assert_true(mp_etag_matches("\"abc-gzip\"", tag));
    assert_false(mp_etag_matches("\"abcd\"", tag));
    assert_false(mp_etag_matches("\"ab\"", tag));
    assert_false(mp_etag_matches("abc", tag));
    assert_false(mp_etag_matches("", tag));
    assert_false(mp_etag_matches(NULL, tag));
    assert_false(mp_etag_matches("\"unterminated", tag));
}

static void test_carried_generation(void **state)
{
    (void)state;
    assert_true(mp_carried_generation("42") == 42);
    assert_true(mp_carried_generation("1764720000000123")
                == 1764720000000123ULL);
    assert_true(mp_carried_generation("x") == 0);
    assert_true(mp_carried_generation("-1") == 0);
    assert_true(mp_carried_generation(" 7") == 0);
    assert_true(mp_carried_generation("1e9") == 0);
    /* past 19 digits it could overflow: not a generation */
    assert_true(mp_carried_generation("9999999999999999999")
                == 9999999999999999999ULL);
    assert_true(mp_carried_generation("12345678901234567890") == 0);
    assert_true(mp_carried_generation("") == 0);
    assert_true(mp_carried_generation(NULL) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(test_key_text_sorts_parameters),
        POOL_TEST(test_key_text_cannot_be_confused_by_separators),
        POOL_TEST(test_key_text_separates_configurations),
        POOL_TEST(test_key_hash_is_fixed_length_hex),
        POOL_TEST(test_etag_is_quoted_md5),
        POOL_TEST(test_if_none_match_forms),
        POOL_TEST(test_carried_generation),
    };
    return cmocka_run_group_tests_name("cache_key", tests, NULL, NULL);
}
