/* Validation of transaction writes.  Amounts are computed by PostgreSQL
 * from quantity and unit price; prices arrive as decimal strings so no
 * float ever touches money. */
#include <ctype.h>
#include <string.h>

#include "apr_strings.h"

#include "mp_request.h"
#include "mp_txn_input.h"

const char *const mp_transaction_statuses[] = {
    "completed", "pending", "cancelled", "refunded", NULL
};

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *errors;
    const char *prefix;        /* "" or "items[3]." */
} checker_t;

static void fail(checker_t *ck, const char *field, const char *issue)
{
    mp_field_error_t *e = apr_array_push(ck->errors);

    if (*field == '\0' && *ck->prefix) {  /* the item itself: "items[3]" */
        e->field = apr_pstrndup(ck->p, ck->prefix, strlen(ck->prefix) - 1);
    }
    else {
        e->field = apr_pstrcat(ck->p, ck->prefix, *field ? field : "body",
                               NULL);
    }
    e->issue = issue;
}

static int two_digits_upto(const char *t, int max)
{
    return mp_digits(t, 2) && (t[0] - '0') * 10 + (t[1] - '0') <= max;
}

int mp_timestamp_valid(const char *t)
{
    char day[11];
    size_t len = strlen(t);
    const char *z;

    if (len < 10) {
        return 0;
    }
    memcpy(day, t, 10);
    day[10] = '\0';
    if (!mp_date_valid(day)) {
        return 0;
    }
    if (len == 10) {
        return 1;
    }
    if (len < 20 || t[10] != 'T' || t[13] != ':' || t[16] != ':'
        || !two_digits_upto(t + 11, 23) || !two_digits_upto(t + 14, 59)
        || !two_digits_upto(t + 17, 59)) {
        return 0;
    }
    z = t + 19;
    if (*z == '.') {
        size_t n = strspn(z + 1, "0123456789");

        if (n < 1 || n > 6) {
            return 0;
        }
        z += 1 + n;
    }
    if (strcmp(z, "Z") == 0) {
        return 1;
    }
    return strlen(z) == 6 && (z[0] == '+' || z[0] == '-') && z[3] == ':'
           && two_digits_upto(z + 1, 23) && two_digits_upto(z + 4, 59);
}

int mp_money_valid(const char *t)
{
    size_t whole = strspn(t, "0123456789"), frac;

    if (whole < 1 || whole > 10) {
        return 0;
    }
    if (t[whole] == '\0') {
        return 1;
    }
    frac = strspn(t + whole + 1, "0123456789");
    return t[whole] == '.' && frac >= 1 && frac <= 2
           && t[whole + 1 + frac] == '\0';
}

static int is_status(const char *s)
{
    for (int i = 0; mp_transaction_statuses[i]; i++) {
        if (strcmp(s, mp_transaction_statuses[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static const char *bad_status_issue =
    "must be one of completed, pending, cancelled, refunded";

/* A required positive integer id; 0 when missing or bad. */
static json_int_t read_id(checker_t *ck, json_t *item, const char *field)
{
    json_t *v = json_object_get(item, field);

    if (v == NULL || json_is_null(v)) {
        fail(ck, field, "is required");
    }
    else if (!json_is_integer(v) || json_integer_value(v) < 1) {
        fail(ck, field, "must be a positive integer id");
    }
    else {
        return json_integer_value(v);
    }
    return 0;
}

/* An optional string field passing `valid`; NULL when absent or bad. */
static const char *read_text(checker_t *ck, json_t *item, const char *field,
                             int (*valid)(const char *), const char *issue)
{
    json_t *v = json_object_get(item, field);

    if (v == NULL || json_is_null(v)) {
        return NULL;
    }
    if (!json_is_string(v) || !valid(json_string_value(v))) {
        fail(ck, field, issue);
        return NULL;
    }
    return json_string_value(v);
}

static void check_fields(checker_t *ck, json_t *item)
{
    static const char *const known[] = {
        "customer_id", "product_id", "quantity", "unit_price", "status",
        "transaction_date", NULL
    };
    const char *key;
    json_t *v;

    json_object_foreach(item, key, v) {
        int ok = 0;

        for (int i = 0; known[i]; i++) {
            ok |= strcmp(key, known[i]) == 0;
        }
        if (ok) {
            continue;
        }
        if (strcmp(key, "amount") == 0) {
            fail(ck, apr_pstrdup(ck->p, key), "is computed by the server "
                 "(quantity x unit_price); do not send it");
        }
        else if (strcmp(key, "id") == 0 || strcmp(key, "created_at") == 0) {
            fail(ck, apr_pstrdup(ck->p, key), "is assigned by the server");
        }
        else {
            fail(ck, apr_pstrdup(ck->p, key), "is not a field of a "
                 "transaction");
        }
    }
}

/* Checks one item; returns its normalized form, or NULL when it had
 * errors (recorded). */
static json_t *read_item(checker_t *ck, json_t *item, size_t n)
{
    int before = ck->errors->nelts;
    json_int_t customer, product, quantity = 0;
    json_t *q;
    const char *price, *status, *at;

    if (!json_is_object(item)) {
        fail(ck, "", "must be a transaction object");
        return NULL;
    }
    check_fields(ck, item);
    customer = read_id(ck, item, "customer_id");
    product = read_id(ck, item, "product_id");
    q = json_object_get(item, "quantity");
    if (q == NULL || json_is_null(q)) {
        fail(ck, "quantity", "is required");
    }
    else if (!json_is_integer(q) || json_integer_value(q) < 1
             || json_integer_value(q) > MP_MAX_QUANTITY) {
        fail(ck, "quantity", "must be an integer from 1 to 1000000");
    }
    else {
        quantity = json_integer_value(q);
    }
    price = read_text(ck, item, "unit_price", mp_money_valid,
                      "must be a decimal string with at most 10 digits "
                      "before and 2 after the point, such as \"19.99\"");
    status = read_text(ck, item, "status", is_status, bad_status_issue);
    at = read_text(ck, item, "transaction_date", mp_timestamp_valid,
                   "must be an RFC 3339 timestamp such as "
                   "2025-11-20T14:30:00Z, or a date YYYY-MM-DD");
    if (ck->errors->nelts != before) {
        return NULL;
    }
    return json_pack("{s:I, s:I, s:I, s:I, s:s?, s:s, s:s?}",
                     "n", (json_int_t)n, "customer_id", customer,
                     "product_id", product, "quantity", quantity,
                     "unit_price", price, "status", status ? status
                                                           : "completed",
                     "transaction_date", at);
}

mp_txn_input_status_t mp_txn_input_read(apr_pool_t *p, json_t *body,
                                        size_t max_batch,
                                        apr_array_header_t *errors,
                                        mp_txn_input_t *in)
{
    checker_t ck = { p, errors, "" };
    size_t i;
    json_t *item;

    memset(in, 0, sizeof(*in));
    in->batch = json_is_array(body);
    if (!in->batch && !json_is_object(body)) {
        fail(&ck, "body", "must be a transaction object or an array of "
             "them");
        return MP_TXN_INPUT_INVALID;
    }
    in->count = in->batch ? json_array_size(body) : 1;
    if (in->batch && in->count == 0) {
        fail(&ck, "body", "must hold at least one transaction");
        return MP_TXN_INPUT_INVALID;
    }
    if (in->count > max_batch) {
        return MP_TXN_INPUT_TOO_MANY;
    }
    in->items = json_array();
    if (!in->batch) {
        json_array_append_new(in->items, read_item(&ck, body, 1));
    }
    else {
        json_array_foreach(body, i, item) {
            ck.prefix = apr_psprintf(p, "items[%" APR_SIZE_T_FMT "].", i);
            json_array_append_new(in->items, read_item(&ck, item, i + 1));
        }
    }
    if (errors->nelts > 0) {
        json_decref(in->items);
        in->items = NULL;
        return MP_TXN_INPUT_INVALID;
    }
    return MP_TXN_INPUT_OK;
}

int mp_txn_patch_read(apr_pool_t *p, json_t *body,
                      apr_array_header_t *errors, const char **status)
{
    checker_t ck = { p, errors, "" };
    const char *key;
    json_t *v;

    *status = NULL;
    if (!json_is_object(body)) {
        fail(&ck, "body", "must be an object such as "
             "{\"status\": \"refunded\"}");
        return 0;
    }
    json_object_foreach(body, key, v) {
        if (strcmp(key, "status") != 0) {
            fail(&ck, apr_pstrdup(p, key), "cannot be changed: only status "
                 "can");
        }
    }
    v = json_object_get(body, "status");
    if (v == NULL) {
        fail(&ck, "status", "is required");
    }
    else if (!json_is_string(v) || !is_status(json_string_value(v))) {
        fail(&ck, "status", bad_status_issue);
    }
    else {
        *status = json_string_value(v);
    }
    return errors->nelts == 0;
}
