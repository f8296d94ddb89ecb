/* Validation of transaction writes: formats, every field of every item,
 * the normalized form the insert reads. */
#include <string.h>

#include <jansson.h>

#include "apr_tables.h"

#include "test_support.h"
#include "mp_request.h"
#include "mp_txn_input.h"

static apr_array_header_t *errors(void **state)
{
    return apr_array_make(*state, 4, sizeof(mp_field_error_t));
}

static int has_field(const apr_array_header_t *errs, const char *field)
{
    for (int i = 0; i < errs->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(errs, i, mp_field_error_t).field, field) == 0) {
            return 1;
        }
    }
    return 0;
}

static void test_timestamps(void **state)
{
    (void)state;
    assert_true(mp_timestamp_valid("2025-11-20T14:30:00Z"));
    assert_true(mp_timestamp_valid("2025-11-20T14:30:00.123456+02:00"));
    assert_true(mp_timestamp_valid("2024-02-29"));
    assert_false(mp_timestamp_valid("2025-02-29"));
    assert_false(mp_timestamp_valid("2025-11-20T24:00:00Z"));
    assert_false(mp_timestamp_valid("2025-11-20T14:30:00"));
    assert_false(mp_timestamp_valid("2025-11-20 14:30:00Z"));
    assert_false(mp_timestamp_valid("2025-11-20T14:30:00.1234567Z"));
    assert_false(mp_timestamp_valid("1899-12-31"));
    assert_false(mp_timestamp_valid("2025-11-20T14:30:00+2:00"));
}

static void test_money(void **state)
{
    (void)state;
    assert_true(mp_money_valid("0"));
    assert_true(mp_money_valid("19.99"));
    assert_true(mp_money_valid("9999999999.9"));
    assert_false(mp_money_valid("19.999"));
    assert_false(mp_money_valid("-1.00"));
    assert_false(mp_money_valid("1e3"));
    assert_false(mp_money_valid("12345678901"));
    assert_false(mp_money_valid("1."));
    assert_false(mp_money_valid(".5"));
}

static void test_single_item_is_normalized(void **state)
{
    apr_array_header_t *errs = errors(state);
    json_t *body = json_loads("{\"customer_id\": 4, \"product_id\": 9,"
                              " \"quantity\": 2, \"unit_price\": \"1.50\"}",
                              0, NULL);
    mp_txn_input_t in;

    assert_int_equal(mp_txn_input_read(*state, body, 500, errs, &in),
                     MP_TXN_INPUT_OK);
    assert_false(in.batch);
    assert_int_equal(in.count, 1);
    json_t *item = json_array_get(in.items, 0);
    assert_int_equal(json_integer_value(json_object_get(item, "n")), 1);
    assert_string_equal(json_string_value(json_object_get(item, "status")),
                        "completed");
    assert_string_equal(json_string_value(json_object_get(item,
                                                          "unit_price")),
                        "1.50");
    assert_true(json_is_null(json_object_get(item, "transaction_date")));
    json_decref(in.items);
    json_decref(body);
}

static void test_every_bad_field_of_every_item(void **state)
{
    apr_array_header_t *errs = errors(state);
    json_t *body = json_loads(
        "[{\"customer_id\": 1, \"product_id\": 1, \"quantity\": 1},"
        " {\"customer_id\": -1, \"quantity\": 1.5, \"amount\": \"3\"},"
        " 7]", 0, NULL);
    mp_txn_input_t in;

    assert_int_equal(mp_txn_input_read(*state, body, 500, errs, &in),
                     MP_TXN_INPUT_INVALID);
    assert_null(in.items);
    assert_true(has_field(errs, "items[1].customer_id"));
    assert_true(has_field(errs, "items[1].product_id"));
    assert_true(has_field(errs, "items[1].quantity"));
    assert_true(has_field(errs, "items[1].amount"));
    assert_true(has_field(errs, "items[2]"));
    assert_int_equal(errs->nelts, 5);
    json_decref(body);
}

static void test_batch_limits(void **state)
{
    json_t *body = json_loads("[{}, {}, {}]", 0, NULL);
    json_t *empty = json_loads("[]", 0, NULL);
    json_t *scalar = json_loads("3", JSON_DECODE_ANY, NULL);
    mp_txn_input_t in;

    assert_int_equal(mp_txn_input_read(*state, body, 2, errors(state), &in),
                     MP_TXN_INPUT_TOO_MANY);
    assert_int_equal(mp_txn_input_read(*state, empty, 2, errors(state), &in),
                     MP_TXN_INPUT_INVALID);
    assert_int_equal(mp_txn_input_read(*state, scalar, 2, errors(state),
                                       &in), MP_TXN_INPUT_INVALID);
    json_decref(body);
    json_decref(empty);
    json_decref(scalar);
}

static void test_patch_takes_only_status(void **state)
{
    json_t *good = json_loads("{\"status\": \"refunded\"}", 0, NULL);
    json_t *more = json_loads("{\"status\": \"refunded\", \"quantity\": 1}",
                              0, NULL);
    json_t *bad = json_loads("{\"status\": \"lost\"}", 0, NULL);
    apr_array_header_t *errs = errors(state);
    const char *status;

    assert_true(mp_txn_patch_read(*state, good, errors(state), &status));
    assert_string_equal(status, "refunded");
    assert_false(mp_txn_patch_read(*state, more, errs, &status));
    assert_true(has_field(errs, "quantity"));
    assert_false(mp_txn_patch_read(*state, bad, errors(state), &status));
    json_decref(good);
    json_decref(more);
    json_decref(bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        POOL_TEST(test_timestamps),
        POOL_TEST(test_money),
        POOL_TEST(test_single_item_is_normalized),
        POOL_TEST(test_every_bad_field_of_every_item),
        POOL_TEST(test_batch_limits),
        POOL_TEST(test_patch_takes_only_status),
    };
    return cmocka_run_group_tests_name("txn_input", tests, NULL, NULL);
}
