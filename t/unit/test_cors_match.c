/* CORS: which origin an answer names, and when credentials go with it. */
#include <string.h>

#include "apr_tables.h"

#include "test_support.h"
#include "mp_cors_match.h"

static mp_cors_origins_t listed(apr_pool_t *p)
{
    mp_cors_origins_t o = { MP_CORS_LIST, apr_array_make(p, 2,
                                                         sizeof(char *)) };

    APR_ARRAY_PUSH(o.origins, const char *) = "http://localhost:3000";
    APR_ARRAY_PUSH(o.origins, const char *) = "https://app.example.com";
    return o;
}

static void test_listed_origin_is_named_as_the_request_sent_it(void **state)
{
    mp_cors_origins_t o = listed(*state);
    const char *origin = "HTTPS://App.Example.com";

    assert_string_equal(mp_cors_allow_origin(&o, "http://localhost:3000"),
                        "http://localhost:3000");
    /* compared without case, answered with the request's own bytes */
    assert_ptr_equal(mp_cors_allow_origin(&o, origin), origin);
    assert_true(mp_cors_credentials(&o));
    assert_true(mp_cors_enabled(&o));
}

static void test_other_origins_get_nothing(void **state)
{
    mp_cors_origins_t o = listed(*state);

    assert_null(mp_cors_allow_origin(&o, "http://localhost:3001"));
    assert_null(mp_cors_allow_origin(&o, "http://localhost"));
    assert_null(mp_cors_allow_origin(&o, "https://app.example.com.evil"));
    assert_null(mp_cors_allow_origin(&o, "https://evil.app.example.com"));
    assert_null(mp_cors_allow_origin(&o, "http://app.example.com"));
    assert_null(mp_cors_allow_origin(&o, "https://app.example.com/"));
    assert_null(mp_cors_allow_origin(&o, "null"));
    assert_null(mp_cors_allow_origin(&o, ""));
    assert_null(mp_cors_allow_origin(&o, NULL));
}

static void test_star_names_no_origin_and_no_credentials(void **state)
{
    mp_cors_origins_t o = { MP_CORS_ANY, NULL };

    (void)state;
    assert_string_equal(mp_cors_allow_origin(&o, "https://any.example"),
                        "*");
    assert_string_equal(mp_cors_allow_origin(&o, "null"), "*");
    /* no Origin, no CORS request */
    assert_null(mp_cors_allow_origin(&o, NULL));
    assert_false(mp_cors_credentials(&o));
    assert_true(mp_cors_enabled(&o));
}

static void test_unset_or_off_is_no_cors(void **state)
{
    mp_cors_origins_t off = { MP_CORS_OFF, NULL };
    mp_cors_origins_t unset = { MP_CORS_UNSET, NULL };

    (void)state;
    assert_false(mp_cors_enabled(NULL));
    assert_false(mp_cors_enabled(&off));
    assert_false(mp_cors_enabled(&unset));
    assert_null(mp_cors_allow_origin(NULL, "http://localhost:3000"));
    assert_null(mp_cors_allow_origin(&off, "http://localhost:3000"));
    assert_false(mp_cors_credentials(&off));
}

static void test_preflight_allows_every_request_header_read(void **state)
{
    const char *read[] = { "Authorization", "X-API-Key", "Content-Type",
                           "Idempotency-Key", "If-None-Match",
                           "X-Request-ID", "X-MarketPulse-Generation" };

    (void)state;
    for (size_t i = 0; i < sizeof(read) / sizeof(*read); i++) {
        assert_non_null(strstr(MP_CORS_ALLOW_HEADERS, read[i]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(test_listed_origin_is_named_as_the_request_sent_it),
        POOL_TEST(test_other_origins_get_nothing),
        POOL_TEST(test_star_names_no_origin_and_no_credentials),
        POOL_TEST(test_unset_or_off_is_no_cors),
        POOL_TEST(test_preflight_allows_every_request_header_read),
    };
    return cmocka_run_group_tests_name("cors_match", tests, NULL, NULL);
}
