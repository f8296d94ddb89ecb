/* Rows to JSON: kinds, SQL NULL, skipped columns, mismatches. */
#include <string.h>

#include "test_support.h"
#include "mp_json.h"

static const mp_col_t cols[] = {
    {"id", MP_COL_INTEGER}, {"amount", MP_COL_STRING},
    {"key", MP_COL_SKIP}, {"last", MP_COL_STRING}
};

static void assert_json(json_t *value, const char *expected)
{
    char *text;

    assert_non_null(value);
    text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, expected);
    free(text);
    json_decref(value);
}

static void test_row_maps_kinds_and_null(void **state)
{
    const char *cells[] = {"42", "1523.40", "k", NULL};
    mp_rows_t rows = {1, 4, cells};

    (void)state;
    assert_json(mp_json_row(&rows, 0, cols, MP_NCOLS(cols)),
                "{\"amount\":\"1523.40\",\"id\":42,\"last\":null}");
}

static void test_rows_stop_at_max(void **state)
{
    const char *cells[] = {"1", "1.00", "a", "x", "2", "2.00", "b", "y",
                           "3", "3.00", "c", "z"};
    mp_rows_t rows = {3, 4, cells};

    (void)state;
    assert_json(mp_json_rows(&rows, 2, cols, MP_NCOLS(cols)),
                "[{\"amount\":\"1.00\",\"id\":1,\"last\":\"x\"},"
                "{\"amount\":\"2.00\",\"id\":2,\"last\":\"y\"}]");
}

static void test_big_counts_stay_exact(void **state)
{
    const char *cells[] = {"9007199254740993", "0.00", "", ""};
    mp_rows_t rows = {1, 4, cells};
    json_t *obj = mp_json_row(&rows, 0, cols, MP_NCOLS(cols));

    (void)state;
    assert_int_equal(json_integer_value(json_object_get(obj, "id")),
                     9007199254740993LL);
    json_decref(obj);
}

static void test_timestamps_leave_as_rfc3339(void **state)
{
    static const mp_col_t ts_cols[] = {
        {"at", MP_COL_TIMESTAMP}, {"never", MP_COL_TIMESTAMP},
        {"odd", MP_COL_TIMESTAMP}
    };
    const char *cells[] = {"2025-11-20 13:45:07.25", NULL, "infinity"};
    mp_rows_t rows = {1, 3, cells};

    (void)state;
    assert_json(mp_json_row(&rows, 0, ts_cols, MP_NCOLS(ts_cols)),
                "{\"at\":\"2025-11-20T13:45:07Z\",\"never\":null,"
                "\"odd\":\"infinity\"}");
}

static void test_mismatched_rows_are_refused(void **state)
{
    const char *cells[] = {"x1", "1.00", "a", "b"};
    mp_rows_t rows = {1, 4, cells};
    mp_rows_t narrow = {1, 3, cells};

    (void)state;
    assert_null(mp_json_row(&rows, 0, cols, MP_NCOLS(cols)));
    assert_null(mp_json_row(&narrow, 0, cols, MP_NCOLS(cols)));
    assert_null(mp_json_rows(&narrow, 10, cols, MP_NCOLS(cols)));
    assert_null(mp_json_row(&rows, 1, cols, MP_NCOLS(cols)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(test_row_maps_kinds_and_null),
        POOL_TEST(test_rows_stop_at_max),
        POOL_TEST(test_big_counts_stay_exact),
        POOL_TEST(test_timestamps_leave_as_rfc3339),
        POOL_TEST(test_mismatched_rows_are_refused),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
