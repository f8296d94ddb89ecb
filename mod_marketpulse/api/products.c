/* /api/products and /api/products/{id}: performance per product. */
#include "api.h"

#define DETAIL_DAYS "30"

static const mp_sort_t sorts[] = {
    {"revenue", MP_KEY_NUMERIC, "desc",
     &mp_q_products_revenue_desc, &mp_q_products_revenue_asc,
     &mp_q_products_revenue_desc_direct, &mp_q_products_revenue_asc_direct},
    {"units_sold", MP_KEY_INTEGER, "desc",
     &mp_q_products_units_desc, &mp_q_products_units_asc,
     &mp_q_products_units_desc_direct, &mp_q_products_units_asc_direct},
    {"name", MP_KEY_TEXT, "asc",
     &mp_q_products_name_desc, &mp_q_products_name_asc,
     &mp_q_products_name_desc_direct, &mp_q_products_name_asc_direct},
    {NULL, MP_KEY_TEXT, NULL, NULL, NULL, NULL, NULL}
};

#define COL_SORT_KEY 8
#define COL_TOTAL 9
static const mp_col_t list_cols[] = {
    {"product_id", MP_COL_INTEGER}, {"sku", MP_COL_STRING},
    {"name", MP_COL_STRING}, {"category", MP_COL_STRING},
    {"units_sold", MP_COL_INTEGER}, {"revenue", MP_COL_STRING},
    {"transaction_count", MP_COL_INTEGER}, {"avg_price", MP_COL_STRING},
    {"sort_key", MP_COL_SKIP}, {"total", MP_COL_SKIP}
};

static const mp_col_t one_cols[] = {
    {"product_id", MP_COL_INTEGER}, {"sku", MP_COL_STRING},
    {"name", MP_COL_STRING}, {"category", MP_COL_STRING},
    {"unit_price", MP_COL_STRING}, {"units_sold", MP_COL_INTEGER},
    {"revenue", MP_COL_STRING}, {"transaction_count", MP_COL_INTEGER},
    {"avg_price", MP_COL_STRING}
};

static const mp_col_t daily_cols[] = {
    {"date", MP_COL_STRING}, {"revenue", MP_COL_STRING},
    {"transaction_count", MP_COL_INTEGER}, {"units_sold", MP_COL_INTEGER}
};

static const mp_list_t list = {
    sorts, list_cols, MP_NCOLS(list_cols), COL_SORT_KEY, COL_TOTAL
};

int mp_api_products(mp_req_t *req)
{
    const char *filters[MP_PRODUCTS_NFILTERS];

    mp_param_text(req->params, "category", 100,
                  &filters[MP_PRODUCTS_CATEGORY]);
    return mp_list_respond(req, &list, filters, MP_PRODUCTS_NFILTERS);
}

int mp_api_product(mp_req_t *req)
{
    request_rec *r = req->r;
    const char *window[MP_WINDOW_NPARAMS] = {
        [MP_WINDOW_DAYS] = DETAIL_DAYS
    };
    mp_rows_t *one, *win, *daily;
    mp_problem_t pb;
    mp_db_status_t st;
    json_t *obj, *days;

    if (!mp_fetch_by_id(req, mp_api_stmt(req, &mp_q_product_by_id,
                                         &mp_q_product_by_id_direct),
                        "product", &one, &pb)) {
        return mp_respond_problem(r, &pb);
    }
    st = mp_db_select(r, &mp_q_window, window, &win);
    if (st == MP_DB_OK) {
        /* the last 30 days end on the latest day of the whole dataset */
        const char *args[MP_DAILY_SALES_NPARAMS] = {
            [MP_DAILY_SALES_LAST_DAY] = mp_cell(win, 0, MP_WINDOW_COL_TO),
            [MP_DAILY_SALES_DAYS] = DETAIL_DAYS,
            [MP_DAILY_SALES_PRODUCT_ID] = req->id
        };

        st = mp_db_select(r, mp_api_stmt(req, &mp_q_daily_sales,
                                         &mp_q_daily_sales_direct),
                          args, &daily);
    }
    if (st != MP_DB_OK) {
        return mp_respond_db_error(r, st);
    }
    obj = mp_json_row(one, 0, one_cols, MP_NCOLS(one_cols));
    days = mp_json_rows(daily, 30, daily_cols, MP_NCOLS(daily_cols));
    if (!obj || !days) {
        json_decref(obj);
        json_decref(days);
        return mp_respond_data(r, NULL, NULL);
    }
    json_object_set_new(obj, "daily_revenue", days);
    return mp_respond_data(r, obj, NULL);
}
