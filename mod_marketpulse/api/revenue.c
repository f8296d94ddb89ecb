/* /api/revenue: revenue by day, ISO week or month over a date window.
 * PostgreSQL builds the whole document in one statement
 * (queries/revenue.c). */
#include "apr_strings.h"

#include "api.h"

#define DEFAULT_DAYS "30"      /* without from: the last 30 days */
#define MAX_PERIODS 1000

static const char *const granularities[] = {"day", "week", "month", NULL};

int mp_api_revenue(mp_req_t *req)
{
    request_rec *r = req->r;
    const char *args[MP_REVENUE_NPARAMS];
    long limit;
    mp_rows_t *doc;
    mp_db_status_t st;

    mp_param_window(req->params, &args[MP_REVENUE_FROM],
                    &args[MP_REVENUE_TO]);
    mp_param_enum(req->params, "granularity", granularities, "day",
                  &args[MP_REVENUE_GRANULARITY]);
    mp_param_int(req->params, "limit", MAX_PERIODS, 1, MAX_PERIODS, &limit);
    if (!mp_params_ok(req->params)) {
        return mp_respond_invalid(r, req->params);
    }
    args[MP_REVENUE_PERIODS] = apr_ltoa(r->pool, limit);
    args[MP_REVENUE_DAYS] = DEFAULT_DAYS;
    st = mp_db_select(r, mp_api_stmt(req, &mp_q_revenue,
                                     &mp_q_revenue_direct),
                      args, &doc);
    if (st != MP_DB_OK) {
        return mp_respond_db_error(r, st);
    }
    return mp_respond_document(r, doc->nrows == 1 ? mp_cell(doc, 0, 0)
                                                  : NULL);
}
