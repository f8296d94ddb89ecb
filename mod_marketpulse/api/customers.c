/* /api/customers and /api/customers/{id}: analytics per customer. */
#include "apr_strings.h"

#include "api.h"

static const mp_sort_t sorts[] = {
    {"lifetime_value", MP_KEY_NUMERIC, "desc",
     &mp_q_customers_ltv_desc, &mp_q_customers_ltv_asc},
    {"total_orders", MP_KEY_INTEGER, "desc",
     &mp_q_customers_orders_desc, &mp_q_customers_orders_asc},
    {"last_purchase", MP_KEY_TIMESTAMP, "desc",
     &mp_q_customers_last_desc, &mp_q_customers_last_asc},
    {"name", MP_KEY_TEXT, "asc",
     &mp_q_customers_name_desc, &mp_q_customers_name_asc},
    {NULL, MP_KEY_TEXT, NULL, NULL, NULL}
};

static const char *const segments[] = {"enterprise", "smb", "consumer", NULL};

#define COL_SORT_KEY 9
#define COL_TOTAL 10
static const mp_col_t list_cols[] = {
    {"customer_id", MP_COL_INTEGER}, {"name", MP_COL_STRING},
    {"segment", MP_COL_STRING}, {"country", MP_COL_STRING},
    {"total_orders", MP_COL_INTEGER}, {"lifetime_value", MP_COL_STRING},
    {"avg_order_value", MP_COL_STRING}, {"first_purchase", MP_COL_STRING},
    {"last_purchase", MP_COL_STRING}, {"sort_key", MP_COL_SKIP},
    {"total", MP_COL_SKIP}
};

static const mp_col_t one_cols[] = {
    {"customer_id", MP_COL_INTEGER}, {"name", MP_COL_STRING},
    {"email", MP_COL_STRING}, {"segment", MP_COL_STRING},
    {"country", MP_COL_STRING}, {"created_at", MP_COL_STRING},
    {"total_orders", MP_COL_INTEGER}, {"lifetime_value", MP_COL_STRING},
    {"avg_order_value", MP_COL_STRING}, {"first_purchase", MP_COL_STRING},
    {"last_purchase", MP_COL_STRING}
};

int mp_api_customers(mp_req_t *req)
{
    request_rec *r = req->r;
    const char *segment, *country, *args[6];
    const mp_stmt_t *stmt;
    mp_page_t page;
    mp_rows_t *rows;
    mp_db_status_t st;
    long long total;

    mp_param_enum(req->params, "segment", segments, NULL, &segment);
    mp_param_country(req->params, "country", &country);
    stmt = mp_page_parse(req, sorts, 1, &page);
    if (stmt == NULL) {
        return mp_respond_invalid(r, req->params);
    }
    args[0] = segment;
    args[1] = country;
    args[2] = page.after_key;
    args[3] = page.after_id;
    args[4] = page.fetch;
    args[5] = page.offset_text;
    st = mp_page_fetch(req, &page, stmt, args, 5, COL_TOTAL, &rows,
                       &total);
    if (st != MP_DB_OK) {
        return mp_respond_db_error(r, st);
    }
    return mp_respond_data(r, mp_json_rows(rows, (int)page.limit, list_cols,
                                           MP_NCOLS(list_cols)),
                           mp_page_result(req, &page, rows, 0, COL_SORT_KEY,
                                          total));
}

int mp_api_customer(mp_req_t *req)
{
    request_rec *r = req->r;
    const char *args[8] = { NULL };
    mp_rows_t *one, *latest;
    mp_db_status_t st;
    json_t *obj, *tx;
    int done;

    if (!mp_path_id(req, &done)) {
        return OK;
    }
    st = mp_db_select(r, &mp_q_customer_by_id, &req->id, &one);
    if (st == MP_DB_OK && one->nrows == 0) {
        return mp_respond_error(r, HTTP_NOT_FOUND, apr_psprintf(r->pool,
                                "No customer has id %s.", req->id), NULL);
    }
    if (st == MP_DB_OK) {
        args[3] = req->id;     /* the transactions list, by customer */
        args[7] = "10";
        st = mp_db_select(r, &mp_q_transactions_list, args, &latest);
    }
    if (st != MP_DB_OK) {
        return mp_respond_db_error(r, st);
    }
    obj = mp_json_row(one, 0, one_cols, MP_NCOLS(one_cols));
    tx = mp_api_transaction_rows(latest, 10);
    if (!obj || !tx) {
        json_decref(obj);
        json_decref(tx);
        return mp_respond_data(r, NULL, NULL);
    }
    json_object_set_new(obj, "latest_transactions", tx);
    return mp_respond_data(r, obj, NULL);
}
