/* /api/dashboard: totals of a date window, its five best-selling
 * products and the daily trend of its last seven days.  PostgreSQL
 * builds the whole document in one statement (queries/dashboard.c). */
#include "api.h"

int mp_api_dashboard(mp_req_t *req)
{
    request_rec *r = req->r;
    const char *args[MP_DASHBOARD_NPARAMS];
    mp_rows_t *doc;
    mp_db_status_t st;

    mp_param_window(req->params, &args[MP_DASHBOARD_FROM],
                    &args[MP_DASHBOARD_TO]);
    if (!mp_params_ok(req->params)) {
        return mp_respond_invalid(r, req->params);
    }
    st = mp_db_select(r, mp_api_stmt(req, &mp_q_dashboard,
                                     &mp_q_dashboard_direct),
                      args, &doc);
    if (st != MP_DB_OK) {
        return mp_respond_db_error(r, st);
    }
    return mp_respond_document(r, doc->nrows == 1 ? mp_cell(doc, 0, 0)
                                                  : NULL);
}
