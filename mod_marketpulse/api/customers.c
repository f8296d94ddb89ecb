/* /api/customers and /api/customers/{id}: analytics per customer. */
#include "api.h"

/* The sorts: public name, kind of key, default order */
#define SORT_LTV "lifetime_value", MP_KEY_NUMERIC, "desc"
#define SORT_ORDERS "total_orders", MP_KEY_INTEGER, "desc"
#define SORT_LAST "last_purchase", MP_KEY_TIMESTAMP, "desc"
#define SORT_NAME "name", MP_KEY_TEXT, "asc"

static const mp_sort_t sorts[] = {
    {SORT_LTV, &mp_q_customers_ltv_desc, &mp_q_customers_ltv_asc,
     &mp_q_customers_ltv_desc_direct, &mp_q_customers_ltv_asc_direct},
    {SORT_ORDERS, &mp_q_customers_orders_desc, &mp_q_customers_orders_asc,
     &mp_q_customers_orders_desc_direct, &mp_q_customers_orders_asc_direct},
    {SORT_LAST, &mp_q_customers_last_desc, &mp_q_customers_last_asc,
     &mp_q_customers_last_desc_direct, &mp_q_customers_last_asc_direct},
    {SORT_NAME, &mp_q_customers_name_desc, &mp_q_customers_name_asc,
     &mp_q_customers_name_desc_direct, &mp_q_customers_name_asc_direct},
    {NULL, MP_KEY_TEXT, NULL, NULL, NULL, NULL, NULL}
};

/* A cursor page of the rollups without filters: the prepared keyset
 * statements.  They read the rollups only: with MarketPulseRollups Off
 * the handler takes the list above. */
static const mp_sort_t keyset_sorts[] = {
    {SORT_LTV, &mp_q_customers_ltv_desc_keyset,
     &mp_q_customers_ltv_asc_keyset, NULL, NULL},
    {SORT_ORDERS, &mp_q_customers_orders_desc_keyset,
     &mp_q_customers_orders_asc_keyset, NULL, NULL},
    {SORT_LAST, &mp_q_customers_last_desc_keyset,
     &mp_q_customers_last_asc_keyset, NULL, NULL},
    {SORT_NAME, &mp_q_customers_name_desc_keyset,
     &mp_q_customers_name_asc_keyset, NULL, NULL},
    {NULL, MP_KEY_TEXT, NULL, NULL, NULL, NULL, NULL}
};

static const char *const segments[] = {"enterprise", "smb", "consumer", NULL};

#define COL_SORT_KEY 9
#define COL_TOTAL 10
static const mp_col_t list_cols[] = {
    {"customer_id", MP_COL_INTEGER}, {"name", MP_COL_STRING},
    {"segment", MP_COL_STRING}, {"country", MP_COL_STRING},
    {"total_orders", MP_COL_INTEGER}, {"lifetime_value", MP_COL_STRING},
    {"avg_order_value", MP_COL_STRING}, {"first_purchase", MP_COL_TIMESTAMP},
    {"last_purchase", MP_COL_TIMESTAMP}, {"sort_key", MP_COL_SKIP},
    {"total", MP_COL_SKIP}
};

static const mp_col_t one_cols[] = {
    {"customer_id", MP_COL_INTEGER}, {"name", MP_COL_STRING},
    {"email", MP_COL_STRING}, {"segment", MP_COL_STRING},
    {"country", MP_COL_STRING}, {"created_at", MP_COL_TIMESTAMP},
    {"total_orders", MP_COL_INTEGER}, {"lifetime_value", MP_COL_STRING},
    {"avg_order_value", MP_COL_STRING}, {"first_purchase", MP_COL_TIMESTAMP},
    {"last_purchase", MP_COL_TIMESTAMP}
};

static const mp_list_t list = {
    sorts, list_cols, MP_NCOLS(list_cols), COL_SORT_KEY, COL_TOTAL
};
static const mp_list_t keyset_list = {
    keyset_sorts, list_cols, MP_NCOLS(list_cols), COL_SORT_KEY, COL_TOTAL
};

int mp_api_customers(mp_req_t *req)
{
    const char *filters[MP_CUSTOMERS_NFILTERS];

    mp_param_enum(req->params, "segment", segments, NULL,
                  &filters[MP_CUSTOMERS_SEGMENT]);
    mp_param_country(req->params, "country", &filters[MP_CUSTOMERS_COUNTRY]);
    if (!filters[MP_CUSTOMERS_SEGMENT] && !filters[MP_CUSTOMERS_COUNTRY]
        && mp_conf_rollups(req->conf)
        && apr_table_get(req->params->args, "cursor")) {
        return mp_list_respond(req, &keyset_list, filters, 0);
    }
    return mp_list_respond(req, &list, filters, MP_CUSTOMERS_NFILTERS);
}

int mp_api_customer(mp_req_t *req)
{
    request_rec *r = req->r;
    const char *args[MP_TXLIST_NPARAMS] = { NULL };
    mp_rows_t *one, *latest;
    mp_problem_t pb;
    mp_db_status_t st;
    json_t *obj, *tx;

    if (!mp_fetch_by_id(req, &mp_q_customer_by_id, "customer", &one, &pb)) {
        return mp_respond_problem(r, &pb);
    }
    args[MP_TXLIST_CUSTOMER_ID] = req->id;   /* the list, by customer */
    args[MP_TXLIST_ROWS] = "10";
    st = mp_db_select(r, &mp_q_transactions_list, args, &latest);
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
