/* The envelope: data, pagination and error bodies as SPEC.md gives them. */
#include <string.h>

#include "test_support.h"
#include "mp_envelope.h"
#include "mp_request.h"

static void assert_json(json_t *value, const char *expected)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS);

    assert_string_equal(text, expected);
    free(text);
    json_decref(value);
}

static void test_error_codes_follow_status(void **state)
{
    (void)state;
    assert_string_equal(mp_error_code(400), "BAD_REQUEST");
    assert_string_equal(mp_error_code(404), "NOT_FOUND");
    assert_string_equal(mp_error_code(405), "METHOD_NOT_ALLOWED");
    assert_string_equal(mp_error_code(422), "VALIDATION_ERROR");
    assert_string_equal(mp_error_code(503), "SERVICE_UNAVAILABLE");
    assert_string_equal(mp_error_code(500), "INTERNAL_ERROR");
}

static void test_error_body_lists_every_detail(void **state)
{
    apr_array_header_t *d = apr_array_make(*state, 2,
                                           sizeof(mp_field_error_t));
    mp_field_error_t *e = apr_array_push(d);

    e->field = "limit";
    e->issue = "must be between 1 and 100";
    e = apr_array_push(d);
    e->field = "from";
    e->issue = "must be a date as YYYY-MM-DD";
    assert_json(mp_envelope_error(422, "bad", d, "req-1",
                                  "2025-11-20T10:00:00.000Z"),
        "{\"error\":{\"code\":\"VALIDATION_ERROR\",\"details\":["
        "{\"field\":\"limit\",\"issue\":\"must be between 1 and 100\"},"
        "{\"field\":\"from\",\"issue\":\"must be a date as YYYY-MM-DD\"}],"
        "\"message\":\"bad\",\"request_id\":\"req-1\","
        "\"timestamp\":\"2025-11-20T10:00:00.000Z\"}}");
}

static void test_error_body_without_details_has_empty_list(void **state)
{
    (void)state;
    assert_json(mp_envelope_error(404, "gone", NULL, "r", "t"),
        "{\"error\":{\"code\":\"NOT_FOUND\",\"details\":[],"
        "\"message\":\"gone\",\"request_id\":\"r\",\"timestamp\":\"t\"}}");
}

static void test_offset_pagination_has_total(void **state)
{
    (void)state;
    assert_json(mp_pagination(20, 40, 1234, "abc", 1),
        "{\"has_more\":true,\"limit\":20,\"next_cursor\":\"abc\","
        "\"offset\":40,\"total\":1234}");
}

static void test_cursor_pagination_has_no_total(void **state)
{
    (void)state;
    assert_json(mp_pagination(20, -1, 0, NULL, 0),
        "{\"has_more\":false,\"limit\":20,\"next_cursor\":null}");
}

static void test_data_envelope_wraps_data(void **state)
{
    (void)state;
    assert_json(mp_envelope_data(json_pack("[i]", 1), NULL),
                "{\"data\":[1]}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(test_error_codes_follow_status),
        POOL_TEST(test_error_body_lists_every_detail),
        POOL_TEST(test_error_body_without_details_has_empty_list),
        POOL_TEST(test_offset_pagination_has_total),
        POOL_TEST(test_cursor_pagination_has_no_total),
        POOL_TEST(test_data_envelope_wraps_data),
    };
    return cmocka_run_group_tests_name("envelope", tests, NULL, NULL);
}
