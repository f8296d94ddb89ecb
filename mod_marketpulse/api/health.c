/* Liveness and readiness probes. */
#include "api.h"
#include "mp_cache.h"
#include "mp_redis.h"

int mp_api_health(mp_req_t *req)
{
    /* Liveness touches no backend: it answers as long as the child runs. */
    return mp_respond_data(req->r, json_pack("{s:s, s:s}", "status", "ok",
                                             "service", "marketpulse"),
                           NULL);
}

static const char *db_state(mp_db_status_t st)
{
    switch (st) {
    case MP_DB_OK:      return "up";
    case MP_DB_BUSY:    return "busy";
    case MP_DB_TIMEOUT: return "timeout";
    case MP_DB_UNAVAILABLE: return "down";
    default:            return "error";
    }
}

int mp_api_health_cache(mp_req_t *req)
{
    json_t *figures = mp_cache_health(req->r);

    json_object_set_new(figures, "redis",
                        json_string(mp_redis_state(req->r->server)));
    return mp_respond_data(req->r, figures, NULL);
}

int mp_api_ready(mp_req_t *req)
{
    request_rec *r = req->r;
    apr_time_t start = apr_time_now();
    mp_rows_t *rows;
    mp_db_status_t st = mp_db_select(r, &mp_q_ping, NULL, &rows);
    json_int_t ms = (json_int_t)apr_time_as_msec(apr_time_now() - start);
    apr_array_header_t *down;
    mp_field_error_t *e;

    if (st == MP_DB_OK) {
        /* The cache is never a reason to be unready: without Redis the
         * shared-memory store serves; the state says which. */
        return mp_respond_data(r, json_pack(
            "{s:s, s:{s:{s:s, s:I}, s:{s:s}}}", "status", "ready",
            "components", "database", "status", "up", "latency_ms", ms,
            "cache", "status", mp_cache_state(r)), NULL);
    }
    down = apr_array_make(r->pool, 1, sizeof(mp_field_error_t));
    e = apr_array_push(down);
    e->field = "database";
    e->issue = db_state(st);
    apr_table_setn(r->err_headers_out, "Retry-After", "1");
    return mp_respond_error(r, HTTP_SERVICE_UNAVAILABLE,
                            "Not ready: a backend is unavailable.", down);
}
