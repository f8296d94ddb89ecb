/* Query-string decoding and parameter validation. */
#include <string.h>

#include "test_support.h"
#include "mp_request.h"

static const mp_field_error_t *error_at(const mp_params_t *ps, int i)
{
    return &APR_ARRAY_IDX(ps->errors, i, mp_field_error_t);
}

static void test_digits_needs_n_ascii_digits(void **state)
{
    (void)state;
    assert_true(mp_digits("0123456789", 10));
    assert_true(mp_digits("12x", 2));            /* only the first n */
    assert_false(mp_digits("1x", 2));
    assert_false(mp_digits("\xd9\xa3", 2));      /* Arabic-Indic three */
    assert_false(mp_digits("", 0));
}

static void test_url_decode_handles_escapes_and_plus(void **state)
{
    char text[] = "a%20b+c%C3%A9";

    (void)state;
    assert_true(mp_url_decode(text));
    assert_string_equal(text, "a b c\xC3\xA9");
}

static void test_url_decode_rejects_bad_input(void **state)
{
    char bad_hex[] = "%G1", short_esc[] = "abc%2", nul[] = "a%00b",
         bad_utf8[] = "%C3%28", overlong[] = "%C0%AF", surrogate[] = "%ED%A0%80";

    (void)state;
    assert_false(mp_url_decode(bad_hex));
    assert_false(mp_url_decode(short_esc));
    assert_false(mp_url_decode(nul));
    assert_false(mp_url_decode(bad_utf8));
    assert_false(mp_url_decode(overlong));
    assert_false(mp_url_decode(surrogate));
}

static void test_parse_marks_malformed_query(void **state)
{
    mp_params_t *ps = mp_params_parse(*state, "limit=5&x=%ZZ");

    assert_true(ps->malformed);
    assert_false(mp_params_ok(ps));
    assert_int_equal(mp_params_status(ps), 400);
}

/* Found by fuzz_request: the empty value of a bare name was a string
 * literal, and decoding it wrote there (SIGSEGV in every build). */
static void test_parse_takes_bare_name_as_empty_value(void **state)
{
    mp_params_t *ps = mp_params_parse(*state, "limit=5&debug&a%20b");

    assert_false(ps->malformed);
    assert_true(mp_params_ok(ps));
    assert_string_equal(apr_table_get(ps->args, "limit"), "5");
    assert_string_equal(apr_table_get(ps->args, "debug"), "");
    assert_string_equal(apr_table_get(ps->args, "a b"), "");
}

static void test_int_param_bounds_and_default(void **state)
{
    mp_params_t *ps = mp_params_parse(*state, "limit=0&offset=12&page=abc");
    long v;

    assert_int_equal(mp_param_int(ps, "limit", 20, 1, 100, &v), -1);
    assert_int_equal(v, 20);
    assert_int_equal(mp_param_int(ps, "offset", 0, 0, 1000, &v), 1);
    assert_int_equal(v, 12);
    assert_int_equal(mp_param_int(ps, "page", 1, 1, 10, &v), -1);
    assert_int_equal(mp_param_int(ps, "absent", 7, 1, 10, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(ps->errors->nelts, 2);
    assert_string_equal(error_at(ps, 0)->field, "limit");
    assert_string_equal(error_at(ps, 0)->issue, "must be between 1 and 100");
    assert_string_equal(error_at(ps, 1)->issue, "must be an integer");
    assert_int_equal(mp_params_status(ps), 422);
}

static void test_int_param_rejects_overflow_and_junk(void **state)
{
    mp_params_t *ps = mp_params_parse(*state,
        "a=99999999999999999999999&b=12abc&c=-3&d=+&e=");
    long v;

    assert_int_equal(mp_param_int(ps, "a", 1, 1, 100, &v), -1);
    assert_int_equal(mp_param_int(ps, "b", 1, 1, 100, &v), -1);
    assert_int_equal(mp_param_int(ps, "c", 1, 1, 100, &v), -1);
    assert_int_equal(mp_param_int(ps, "d", 1, 1, 100, &v), -1);
    assert_int_equal(mp_param_int(ps, "e", 1, 1, 100, &v), -1);
    assert_int_equal(ps->errors->nelts, 5);
}

static void test_repeated_param_is_an_error(void **state)
{
    mp_params_t *ps = mp_params_parse(*state, "limit=5&limit=6");
    long v;

    assert_int_equal(mp_param_int(ps, "limit", 20, 1, 100, &v), -1);
    assert_string_equal(error_at(ps, 0)->issue, "must be given at most once");
}

static void test_dates_are_real_calendar_days(void **state)
{
    (void)state;
    assert_true(mp_date_valid("2025-11-20"));
    assert_true(mp_date_valid("2024-02-29"));
    assert_false(mp_date_valid("2025-02-29"));
    assert_false(mp_date_valid("1900-02-29"));
    assert_true(mp_date_valid("2000-02-29"));
    assert_false(mp_date_valid("2025-13-01"));
    assert_false(mp_date_valid("2025-04-31"));
    assert_false(mp_date_valid("2025-1-01"));
    assert_false(mp_date_valid("20251120"));
    assert_false(mp_date_valid("0000-01-01"));
    assert_false(mp_date_valid("1899-12-31"));
    assert_true(mp_date_valid("1900-01-01"));
}

static void test_window_order_checked(void **state)
{
    mp_params_t *ps = mp_params_parse(*state, "from=2025-02-01&to=2025-01-31");
    const char *from, *to;

    assert_int_equal(mp_param_date(ps, "from", &from), 1);
    assert_int_equal(mp_param_date(ps, "to", &to), 1);
    mp_params_check_window(ps, from, to);
    assert_int_equal(ps->errors->nelts, 1);
    assert_string_equal(error_at(ps, 0)->field, "from");
    assert_string_equal(error_at(ps, 0)->issue, "must not be after to");
}

static void test_enum_lists_allowed_values(void **state)
{
    static const char *const sorts[] = {"revenue", "name", NULL};
    mp_params_t *ps = mp_params_parse(*state, "sort=price&order=asc");
    const char *v;

    assert_int_equal(mp_param_enum(ps, "sort", sorts, "revenue", &v), -1);
    assert_string_equal(v, "revenue");
    assert_string_equal(error_at(ps, 0)->issue, "must be one of: revenue, name");
}

static void test_ids_are_positive_bigints(void **state)
{
    (void)state;
    assert_true(mp_id_valid("1"));
    assert_true(mp_id_valid("9223372036854775807"));
    assert_false(mp_id_valid("9223372036854775808"));
    assert_false(mp_id_valid("0"));
    assert_false(mp_id_valid("007"));
    assert_false(mp_id_valid("-5"));
    assert_false(mp_id_valid("1e3"));
    assert_false(mp_id_valid(""));
}

static void test_country_is_normalized(void **state)
{
    mp_params_t *ps = mp_params_parse(*state, "country=de&bad=DEU");
    const char *v;

    assert_int_equal(mp_param_country(ps, "country", &v), 1);
    assert_string_equal(v, "DE");
    assert_int_equal(mp_param_country(ps, "bad", &v), -1);
    assert_null(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(test_digits_needs_n_ascii_digits),
        POOL_TEST(test_url_decode_handles_escapes_and_plus),
        POOL_TEST(test_url_decode_rejects_bad_input),
        POOL_TEST(test_parse_marks_malformed_query),
        POOL_TEST(test_parse_takes_bare_name_as_empty_value),
        POOL_TEST(test_int_param_bounds_and_default),
        POOL_TEST(test_int_param_rejects_overflow_and_junk),
        POOL_TEST(test_repeated_param_is_an_error),
        POOL_TEST(test_dates_are_real_calendar_days),
        POOL_TEST(test_window_order_checked),
        POOL_TEST(test_enum_lists_allowed_values),
        POOL_TEST(test_ids_are_positive_bigints),
        POOL_TEST(test_country_is_normalized),
    };
    return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
