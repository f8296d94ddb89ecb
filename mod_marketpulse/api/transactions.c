/* GET /api/transactions: raw transactions, newest first, cursor pages. */
#include "api.h"

static const char *const statuses[] = {
    "completed", "pending", "cancelled", "refunded", NULL
};

/* The only order: newest first; the cursor still names it. */
static const mp_sort_t sorts[] = {
    {"transaction_date", MP_KEY_TIMESTAMP, "desc",
     &mp_q_transactions_list, NULL},
    {NULL, MP_KEY_TEXT, NULL, NULL, NULL}
};

#define COL_SORT_KEY 9
static const mp_col_t cols[] = {
    {"id", MP_COL_INTEGER}, {"customer_id", MP_COL_INTEGER},
    {"product_id", MP_COL_INTEGER}, {"quantity", MP_COL_INTEGER},
    {"unit_price", MP_COL_STRING}, {"amount", MP_COL_STRING},
    {"status", MP_COL_STRING}, {"transaction_date", MP_COL_STRING},
    {"created_at", MP_COL_STRING}, {"sort_key", MP_COL_SKIP}
};

json_t *mp_api_transaction_rows(const mp_rows_t *rows, int max_rows)
{
    return mp_json_rows(rows, max_rows, cols, MP_NCOLS(cols));
}

int mp_api_transactions(mp_req_t *req)
{
    request_rec *r = req->r;
    mp_params_t *ps = req->params;
    const char *args[8];
    mp_page_t page;
    mp_rows_t *rows;
    mp_db_status_t st;

    mp_param_date(ps, "from", &args[0]);
    mp_param_date(ps, "to", &args[1]);
    mp_params_check_window(ps, args[0], args[1]);
    mp_param_enum(ps, "status", statuses, NULL, &args[2]);
    mp_param_id(ps, "customer_id", &args[3]);
    mp_param_id(ps, "product_id", &args[4]);
    if (mp_page_parse(req, sorts, 0, &page) == NULL && mp_params_ok(ps)) {
        mp_params_fail(ps, "order", "must be desc: newest first");
    }
    if (!mp_params_ok(ps)) {
        return mp_respond_invalid(r, ps);
    }
    args[5] = page.after_key;
    args[6] = page.after_id;
    args[7] = page.fetch;
    st = mp_db_select(r, &mp_q_transactions_list, args, &rows);
    if (st != MP_DB_OK) {
        return mp_respond_db_error(r, st);
    }
    return mp_respond_data(r, mp_api_transaction_rows(rows, (int)page.limit),
                           mp_page_result(req, &page, rows, 0, COL_SORT_KEY,
                                          -1));
}
