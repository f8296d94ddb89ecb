/* Route matching: prefixes, /v1, {id} segments, 404 versus 405. */
#include "test_support.h"
#include "mp_router.h"

static int h_list(mp_req_t *r) { (void)r; return 1; }
static int h_one(mp_req_t *r) { (void)r; return 2; }
static int h_post(mp_req_t *r) { (void)r; return 3; }

static const mp_route_t routes[] = {
    {"GET", "/customers", h_list, 0, 0},
    {"GET", "/customers/{id}", h_one, 0, 0},
    {"POST", "/customers", h_post, 0, 0},
    {"GET", "/health/live", h_list, 0, 0},
    {"GET", "/customers/export", h_list, 0, 0},
    {"PATCH", "/customers/{id}", h_post, 0, 0},
    {NULL, NULL, NULL, 0, 0}
};

static void test_route_path_strips_base_and_v1(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(mp_route_path(p, "/api", "/api/customers"),
                        "/customers");
    assert_string_equal(mp_route_path(p, "/api", "/api/v1/customers"),
                        "/customers");
    assert_string_equal(mp_route_path(p, "/api/", "/api/customers/"),
                        "/customers");
    assert_string_equal(mp_route_path(p, "/api", "/api"), "/");
    assert_string_equal(mp_route_path(p, "/api", "/api/v1"), "/");
    assert_string_equal(mp_route_path(p, "/api", "/api/v10/x"), "/v10/x");
}

static void test_route_path_rejects_other_prefixes(void **state)
{
    apr_pool_t *p = *state;

    assert_null(mp_route_path(p, "/api", "/apix/customers"));
    assert_null(mp_route_path(p, "/api", "/other"));
}

static void test_match_finds_route_and_id(void **state)
{
    mp_route_match_t m;

    assert_int_equal(mp_route_match(*state, routes, "GET", "/customers/42",
                                    &m), MP_ROUTE_FOUND);
    assert_ptr_equal(m.route->fn, h_one);
    assert_string_equal(m.param, "42");
    assert_int_equal(mp_route_match(*state, routes, "GET", "/customers", &m),
                     MP_ROUTE_FOUND);
    assert_ptr_equal(m.route->fn, h_list);
    assert_null(m.param);
}

static void test_literal_path_is_not_an_id(void **state)
{
    mp_route_match_t m;

    assert_int_equal(mp_route_match(*state, routes, "PATCH",
                                    "/customers/export", &m),
                     MP_ROUTE_BAD_METHOD);
    assert_string_equal(m.allow, "GET, HEAD");
    assert_int_equal(mp_route_match(*state, routes, "PATCH",
                                    "/customers/7", &m), MP_ROUTE_FOUND);
    assert_string_equal(m.param, "7");
}

static void test_match_head_uses_get_route(void **state)
{
    mp_route_match_t m;

    assert_int_equal(mp_route_match(*state, routes, "HEAD", "/health/live",
                                    &m), MP_ROUTE_FOUND);
    assert_ptr_equal(m.route->fn, h_list);
}

static void test_match_method_not_allowed_lists_allow(void **state)
{
    mp_route_match_t m;

    assert_int_equal(mp_route_match(*state, routes, "DELETE", "/customers",
                                    &m), MP_ROUTE_BAD_METHOD);
    assert_string_equal(m.allow, "GET, HEAD, POST");
    assert_int_equal(mp_route_match(*state, routes, "POST", "/customers/7",
                                    &m), MP_ROUTE_BAD_METHOD);
    assert_string_equal(m.allow, "GET, HEAD, PATCH");
}

static void test_match_unknown_path_is_not_found(void **state)
{
    mp_route_match_t m;

    assert_int_equal(mp_route_match(*state, routes, "GET", "/nope", &m),
                     MP_ROUTE_NOT_FOUND);
    assert_int_equal(mp_route_match(*state, routes, "GET", "/customers/1/x",
                                    &m), MP_ROUTE_NOT_FOUND);
    assert_int_equal(mp_route_match(*state, routes, "GET", "/customers//",
                                    &m), MP_ROUTE_NOT_FOUND);
    assert_int_equal(mp_route_match(*state, routes, "GET", "/health", &m),
                     MP_ROUTE_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(test_route_path_strips_base_and_v1),
        POOL_TEST(test_route_path_rejects_other_prefixes),
        POOL_TEST(test_match_finds_route_and_id),
        POOL_TEST(test_literal_path_is_not_an_id),
        POOL_TEST(test_match_head_uses_get_route),
        POOL_TEST(test_match_method_not_allowed_lists_allow),
        POOL_TEST(test_match_unknown_path_is_not_found),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
