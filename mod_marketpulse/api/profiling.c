/* /api/health/profiling: the query profile of the whole host (count,
 * errors, min/avg/max/p95, slow and very slow per statement) and the
 * latest slow statements.  Internals: answered only where
 * MarketPulseAdmin On. */
#include "apr_strings.h"

#include "api.h"
#include "mp_profile.h"
#include "mp_timestamp.h"

static json_t *ms(apr_uint64_t us)
{
    return json_real((double)us / 1000.0);
}

static json_t *statement_figures(int slot, const mp_profile_stmt_t *st)
{
    json_t *o = json_object();

    json_object_set_new(o, "statement",
                        json_string(mp_stmt_registry[slot]->label));
    json_object_set_new(o, "count", json_integer((json_int_t)st->count));
    json_object_set_new(o, "errors", json_integer((json_int_t)st->errors));
    json_object_set_new(o, "min_ms", ms(st->min_us));
    json_object_set_new(o, "avg_ms", ms(st->sum_us / st->count));
    json_object_set_new(o, "max_ms", ms(st->max_us));
    json_object_set_new(o, "p95_ms", ms(mp_profile_p95(st)));
    json_object_set_new(o, "total_ms", ms(st->sum_us));
    json_object_set_new(o, "slow", json_integer((json_int_t)st->slow));
    json_object_set_new(o, "very_slow",
                        json_integer((json_int_t)st->very_slow));
    return o;
}

static json_t *slow_queries(request_rec *r)
{
    mp_profile_slow_t latest[MP_PROFILE_RING];
    int n = mp_profile_latest(latest, MP_PROFILE_RING);
    json_t *list = json_array();

    for (int i = 0; i < n; i++) {
        json_array_append_new(list, json_pack("{s:s, s:o, s:s, s:s}",
            "statement", mp_stmt_registry[latest[i].slot]->label,
            "duration_ms", ms(latest[i].took_us),
            "request_id", latest[i].request_id,
            "time", mp_ts_of_time(r->pool, latest[i].at)));
    }
    return list;
}

json_t *mp_api_profiling_part(request_rec *r)
{
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    json_t *stmts = json_array();
    mp_profile_stmt_t st;

    for (int slot = 0; slot < MP_STMT_COUNT; slot++) {
        if (mp_profile_read(slot, &st) && st.count > 0) {
            json_array_append_new(stmts, statement_figures(slot, &st));
        }
    }
    return json_pack("{s:s, s:{s:i, s:i}, s:s, s:o, s:o}",
        "status", "ok",
        "thresholds", "slow_ms", mp_conf_slow_query_ms(sc),
        "very_slow_ms", mp_conf_very_slow_query_ms(sc),
        "since", mp_ts_of_time(r->pool, mp_profile_since()),
        "statements", stmts,
        "slow_queries", slow_queries(r));
}

int mp_api_health_profiling(mp_req_t *req)
{
    mp_problem_t pb;

    if (!mp_api_admin_allowed(req, &pb)) {
        return mp_respond_problem(req->r, &pb);
    }
    return mp_respond_data(req->r, mp_api_profiling_part(req->r), NULL);
}
