/* GET /api/transactions: raw transactions, newest first, cursor pages. */
#include "api.h"
#include "mp_txn_input.h"


/* The only order: newest first; the cursor still names it.  A list
 * without filters runs the prepared feed statement, so a cursor serves
 * both forms. */
static const mp_sort_t sorts[] = {
    {"transaction_date", MP_KEY_TIMESTAMP, "desc",
     &mp_q_transactions_list, NULL, &mp_q_transactions_list, NULL},
    {NULL, MP_KEY_TEXT, NULL, NULL, NULL, NULL, NULL}
};
static const mp_sort_t feed_sorts[] = {
    {"transaction_date", MP_KEY_TIMESTAMP, "desc",
     &mp_q_transactions_feed, NULL, &mp_q_transactions_feed, NULL},
    {NULL, MP_KEY_TEXT, NULL, NULL, NULL, NULL, NULL}
};

/* the cursor key is transaction_date's own text */
#define COL_SORT_KEY 7
const mp_col_t mp_api_transaction_cols[MP_API_TRANSACTION_COLS] = {
    {"id", MP_COL_INTEGER}, {"customer_id", MP_COL_INTEGER},
    {"product_id", MP_COL_INTEGER}, {"quantity", MP_COL_INTEGER},
    {"unit_price", MP_COL_STRING}, {"amount", MP_COL_STRING},
    {"status", MP_COL_STRING}, {"transaction_date", MP_COL_TIMESTAMP},
    {"created_at", MP_COL_TIMESTAMP}
};

json_t *mp_api_transaction_rows(const mp_rows_t *rows, int max_rows)
{
    return mp_json_rows(rows, max_rows, mp_api_transaction_cols,
                        MP_API_TRANSACTION_COLS);
}

json_t *mp_api_transaction_object(const mp_rows_t *rows, int row)
{
    return mp_json_row(rows, row, mp_api_transaction_cols,
                       MP_API_TRANSACTION_COLS);
}

void mp_api_transaction_filters(mp_params_t *ps, const char **filters)
{
    mp_param_window(ps, &filters[MP_TXLIST_FROM], &filters[MP_TXLIST_TO]);
    mp_param_enum(ps, "status", mp_transaction_statuses, NULL,
                  &filters[MP_TXLIST_STATUS]);
    mp_param_id(ps, "customer_id", &filters[MP_TXLIST_CUSTOMER_ID]);
    mp_param_id(ps, "product_id", &filters[MP_TXLIST_PRODUCT_ID]);
}

static const mp_list_t list = {
    sorts, mp_api_transaction_cols, MP_API_TRANSACTION_COLS, COL_SORT_KEY,
    -1
};
static const mp_list_t feed = {
    feed_sorts, mp_api_transaction_cols, MP_API_TRANSACTION_COLS,
    COL_SORT_KEY, -1
};

static int any_filter(const char *const *filters)
{
    for (int i = 0; i < MP_TXLIST_NFILTERS; i++) {
        if (filters[i] != NULL) {
            return 1;
        }
    }
    return 0;
}

int mp_api_transaction(mp_req_t *req)
{
    mp_rows_t *one;
    mp_problem_t pb;

    if (!mp_fetch_by_id(req, &mp_q_transaction_by_id, "transaction", &one,
                        &pb)) {
        return mp_respond_problem(req->r, &pb);
    }
    return mp_respond_data(req->r, mp_api_transaction_object(one, 0), NULL);
}

int mp_api_transactions(mp_req_t *req)
{
    const char *filters[MP_TXLIST_NFILTERS];

    mp_api_transaction_filters(req->params, filters);
    if (!any_filter(filters)) {
        return mp_list_respond(req, &feed, filters, 0);
    }
    return mp_list_respond(req, &list, filters, MP_TXLIST_NFILTERS);
}
