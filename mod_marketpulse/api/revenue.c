/* /api/revenue: revenue by day, ISO week or month over a date window. */
#include "apr_strings.h"

#include "api.h"

#define DEFAULT_DAYS "30"      /* without from: the last 30 days */
#define MAX_PERIODS 1000

static const char *const granularities[] = {"day", "week", "month", NULL};

static const mp_col_t series_cols[] = {
    {"date", MP_COL_STRING}, {"total_revenue", MP_COL_STRING},
    {"transaction_count", MP_COL_INTEGER},
    {"avg_transaction_value", MP_COL_STRING},
    {"unique_customers", MP_COL_INTEGER}, {"covered_from", MP_COL_SKIP}
};

static const mp_col_t totals_cols[] = {
    {"total_revenue", MP_COL_STRING}, {"transaction_count", MP_COL_INTEGER},
    {"avg_transaction_value", MP_COL_STRING},
    {"unique_customers", MP_COL_INTEGER}
};

int mp_api_revenue(mp_req_t *req)
{
    request_rec *r = req->r;
    const char *from, *to, *granularity, *window[3], *series_args[4];
    const char *span[2];
    long limit;
    mp_rows_t *win, *series = NULL, *totals = NULL;
    mp_db_status_t st;
    json_t *s, *t;

    mp_param_window(req->params, &from, &to);
    mp_param_enum(req->params, "granularity", granularities, "day",
                  &granularity);
    mp_param_int(req->params, "limit", MAX_PERIODS, 1, MAX_PERIODS, &limit);
    if (!mp_params_ok(req->params)) {
        return mp_respond_invalid(r, req->params);
    }
    window[0] = from;
    window[1] = to;
    window[2] = DEFAULT_DAYS;
    st = mp_db_select(r, &mp_q_window, window, &win);
    if (st == MP_DB_OK) {
        series_args[0] = mp_cell(win, 0, 0);
        series_args[1] = mp_cell(win, 0, 1);
        series_args[2] = granularity;
        series_args[3] = apr_ltoa(r->pool, limit);
        st = mp_db_select(r, MP_Q(req, revenue_series), series_args,
                          &series);
    }
    if (st == MP_DB_OK) {
        /* totals cover exactly the periods shown, even when limit cut
         * the oldest ones off */
        span[0] = series->nrows ? mp_cell(series, 0, 5) : series_args[0];
        span[1] = series_args[1];
        st = mp_db_select(r, MP_Q(req, revenue_totals), span, &totals);
    }
    if (st != MP_DB_OK) {
        return mp_respond_db_error(r, st);
    }
    s = mp_json_rows(series, MAX_PERIODS, series_cols,
                     MP_NCOLS(series_cols));
    t = mp_json_row(totals, 0, totals_cols, MP_NCOLS(totals_cols));
    if (!s || !t) {
        json_decref(s);
        json_decref(t);
        return mp_respond_data(r, NULL, NULL);
    }
    return mp_respond_data(r, json_pack("{s:s, s:{s:s, s:s}, s:o, s:o}",
                                        "granularity", granularity,
                                        "period", "from", span[0],
                                        "to", span[1], "series", s,
                                        "totals", t), NULL);
}
