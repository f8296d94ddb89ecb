/* /api/dashboard: totals of a date window, its five best-selling
 * products and the daily trend of its last seven days. */
#include "apr_strings.h"

#include "api.h"

static const mp_col_t top_cols[] = {
    {"product_id", MP_COL_INTEGER}, {"sku", MP_COL_STRING},
    {"name", MP_COL_STRING}, {"category", MP_COL_STRING},
    {"revenue", MP_COL_STRING}, {"units_sold", MP_COL_INTEGER},
    {"transaction_count", MP_COL_INTEGER}
};

static const mp_col_t trend_cols[] = {
    {"date", MP_COL_STRING}, {"revenue", MP_COL_STRING},
    {"transaction_count", MP_COL_INTEGER}, {"units_sold", MP_COL_INTEGER}
};

static const mp_col_t totals_cols[] = {
    {"total_revenue", MP_COL_STRING}, {"total_transactions", MP_COL_INTEGER},
    {"avg_order_value", MP_COL_STRING}, {"completed", MP_COL_INTEGER},
    {"pending", MP_COL_INTEGER}, {"cancelled", MP_COL_INTEGER},
    {"refunded", MP_COL_INTEGER}
};

/* Moves the four status counts of the totals row into their own object. */
static json_t *dashboard_object(json_t *totals, json_t *top, json_t *trend,
                                const char *from, const char *to)
{
    static const char *const statuses[] = {
        "completed", "pending", "cancelled", "refunded"
    };
    json_t *counts = json_object();

    for (int i = 0; i < 4; i++) {
        json_object_set(counts, statuses[i],
                        json_object_get(totals, statuses[i]));
        json_object_del(totals, statuses[i]);
    }
    json_object_set_new(totals, "status_counts", counts);
    json_object_set_new(totals, "period", json_pack("{s:s, s:s}",
                                                    "from", from, "to", to));
    json_object_set_new(totals, "top_products", top);
    json_object_set_new(totals, "daily_trend", trend);
    return totals;
}

int mp_api_dashboard(mp_req_t *req)
{
    request_rec *r = req->r;
    const char *from, *to, *window[3];
    mp_rows_t *win, *totals, *top, *trend;
    mp_db_status_t st;
    json_t *t, *tp, *tr;

    mp_param_window(req->params, &from, &to);
    if (!mp_params_ok(req->params)) {
        return mp_respond_invalid(r, req->params);
    }
    window[0] = from;
    window[1] = to;
    window[2] = NULL;
    st = mp_db_select(r, &mp_q_window, window, &win);
    if (st == MP_DB_OK) {
        const char *span[2] = { mp_cell(win, 0, 0), mp_cell(win, 0, 1) };
        const char *days[3] = { span[1], "7", NULL };

        from = span[0];
        to = span[1];
        st = mp_db_select(r, MP_Q(req, dashboard_totals), span, &totals);
        if (st == MP_DB_OK) {
            st = mp_db_select(r, MP_Q(req, dashboard_top_products), span,
                              &top);
        }
        if (st == MP_DB_OK) {
            st = mp_db_select(r, MP_Q(req, daily_sales), days, &trend);
        }
    }
    if (st != MP_DB_OK) {
        return mp_respond_db_error(r, st);
    }
    t = mp_json_row(totals, 0, totals_cols, MP_NCOLS(totals_cols));
    tp = mp_json_rows(top, 5, top_cols, MP_NCOLS(top_cols));
    tr = mp_json_rows(trend, 7, trend_cols, MP_NCOLS(trend_cols));
    if (!t || !tp || !tr) {
        json_decref(t);
        json_decref(tp);
        json_decref(tr);
        return mp_respond_data(r, NULL, NULL);
    }
    return mp_respond_data(r, dashboard_object(t, tp, tr, from, to), NULL);
}
