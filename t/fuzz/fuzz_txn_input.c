/* Write bodies as the module reads them: the bytes through json_loadb
 * with the flags of mp_body.c, then the POST validator (one object or a
 * batch) and the PATCH one.  What passes must be what the insert
 * statement expects; what fails must name its fields; nothing leaks. */
#include <string.h>

#include <jansson.h>

#include "apr_strings.h"

#include "fuzz_support.h"
#include "mp_request.h"
#include "mp_txn_input.h"

#define MAX_BATCH 500          /* MP_DEFAULT_MAX_BATCH */

static int known_status(const char *s)
{
    for (int i = 0; mp_transaction_statuses[i]; i++) {
        if (strcmp(s, mp_transaction_statuses[i]) == 0) return 1;
    }
    return 0;
}

static void check_errors(const apr_array_header_t *errors)
{
    const mp_field_error_t *e = (const mp_field_error_t *)errors->elts;

    for (int i = 0; i < errors->nelts; i++) {
        FUZZ_CHECK(e[i].field && e[i].field[0] && e[i].issue
                   && e[i].issue[0]);
    }
}

/* one normalized item: {n, customer_id, product_id, quantity,
 * unit_price, status, transaction_date} */
static void check_item(json_t *item, size_t n)
{
    json_t *price = json_object_get(item, "unit_price");
    json_t *at = json_object_get(item, "transaction_date");
    json_t *status = json_object_get(item, "status");

    FUZZ_CHECK(json_is_object(item) && json_object_size(item) == 7);
    FUZZ_CHECK(json_integer_value(json_object_get(item, "n"))
               == (json_int_t)n);
    FUZZ_CHECK(json_integer_value(json_object_get(item, "customer_id")) >= 1);
    FUZZ_CHECK(json_integer_value(json_object_get(item, "product_id")) >= 1);
    FUZZ_CHECK(json_integer_value(json_object_get(item, "quantity")) >= 1);
    FUZZ_CHECK(json_integer_value(json_object_get(item, "quantity"))
               <= MP_MAX_QUANTITY);
    FUZZ_CHECK(json_is_null(price)
               || (json_is_string(price)
                   && mp_money_valid(json_string_value(price))));
    FUZZ_CHECK(json_is_null(at)
               || (json_is_string(at)
                   && mp_timestamp_valid(json_string_value(at))));
    FUZZ_CHECK(json_is_string(status)
               && known_status(json_string_value(status)));
}

static void check_post(apr_pool_t *p, json_t *body)
{
    apr_array_header_t *errors = apr_array_make(p, 4,
                                                sizeof(mp_field_error_t));
    mp_txn_input_t in;
    mp_txn_input_status_t st = mp_txn_input_read(p, body, MAX_BATCH, errors,
                                                 &in);
    char *text;

    check_errors(errors);
    switch (st) {
    case MP_TXN_INPUT_OK:
        FUZZ_CHECK(errors->nelts == 0);
        FUZZ_CHECK(in.batch == json_is_array(body));
        FUZZ_CHECK(in.count >= 1 && in.count <= MAX_BATCH);
        FUZZ_CHECK(json_array_size(in.items) == in.count);
        for (size_t i = 0; i < in.count; i++) {
            check_item(json_array_get(in.items, i), i + 1);
        }
        /* what the insert statement is sent */
        text = json_dumps(in.items, JSON_COMPACT);
        FUZZ_CHECK(text != NULL);
        free(text);
        json_decref(in.items);
        break;
    case MP_TXN_INPUT_INVALID:
        FUZZ_CHECK(errors->nelts > 0 && in.items == NULL);
        /* in a batch every problem names its item, or the body */
        for (int i = 0; in.batch && i < errors->nelts; i++) {
            const char *f = APR_ARRAY_IDX(errors, i, mp_field_error_t).field;

            FUZZ_CHECK(strncmp(f, "items[", 6) == 0
                       || strcmp(f, "body") == 0);
        }
        break;
    case MP_TXN_INPUT_TOO_MANY:
        FUZZ_CHECK(in.batch && in.count > MAX_BATCH && in.items == NULL);
        break;
    default:
        FUZZ_CHECK(!"an unknown status");
    }
}

static void check_patch(apr_pool_t *p, json_t *body)
{
    apr_array_header_t *errors = apr_array_make(p, 4,
                                                sizeof(mp_field_error_t));
    const char *status = "unset";
    int ok = mp_txn_patch_read(p, body, errors, &status);

    check_errors(errors);
    FUZZ_CHECK(ok == (errors->nelts == 0));
    if (ok) FUZZ_CHECK(status && known_status(status));
    else FUZZ_CHECK(status == NULL || known_status(status));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    json_t *body;

    /* mp_body_read_json's flags; the bytes as the client sent them */
    body = json_loadb((const char *)data, size,
                      JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
    if (body == NULL) {
        return 0;
    }
    p = fuzz_pool_open();
    check_post(p, body);
    check_patch(p, body);
    fuzz_pool_close(p);
    json_decref(body);
    return 0;
}
