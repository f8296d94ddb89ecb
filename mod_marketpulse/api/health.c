/* Liveness, readiness and the cache's health. */
#include <string.h>

#include "apr_strings.h"

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

const char *mp_api_db_state(mp_db_status_t st)
{
    switch (st) {
    case MP_DB_OK:      return "up";
    case MP_DB_BUSY:    return "busy";
    case MP_DB_TIMEOUT: return "timeout";
    case MP_DB_UNAVAILABLE: return "down";
    default:            return "error";
    }
}

/* The cache is never down: without Redis the shared-memory store serves
 * (degraded: each host on its own), and without any store the answers
 * come from the database. */
json_t *mp_api_cache_part(request_rec *r, const char **status)
{
    json_t *figures = mp_cache_health(r);
    const char *state = mp_cache_state(r);

    *status = strcmp(state, "fallback") == 0 ? "degraded" : "ok";
    json_object_set_new(figures, "redis",
                        json_string(mp_redis_state(r->server)));
    json_object_set_new(figures, "status", json_string(*status));
    return figures;
}

int mp_api_health_cache(mp_req_t *req)
{
    const char *status;

    return mp_respond_data(req->r, mp_api_cache_part(req->r, &status), NULL);
}

/* What keeps this host from serving: the database unreachable, or its
 * schema older than this build's statements need. */
static int not_ready(request_rec *r, const char *message, const char *field,
                     const char *issue)
{
    apr_array_header_t *down = apr_array_make(r->pool, 1,
                                              sizeof(mp_field_error_t));
    mp_field_error_t *e = apr_array_push(down);

    e->field = field;
    e->issue = issue;
    apr_table_setn(r->err_headers_out, "Retry-After", "1");
    return mp_respond_error(r, HTTP_SERVICE_UNAVAILABLE, message, down);
}

#define SCHEMA_BEHIND "Not ready: the database schema is older than this " \
                      "build needs; apply its migrations."

static const char *missing_list(request_rec *r, const mp_schema_state_t *s)
{
    return apr_pstrcat(r->pool, "migrations missing: ",
                       apr_array_pstrcat(r->pool, s->missing, ','), NULL);
}

int mp_api_ready(mp_req_t *req)
{
    request_rec *r = req->r;
    apr_time_t start = apr_time_now();
    mp_schema_state_t schema;
    json_int_t ms;

    mp_api_schema_read(r, &schema);
    ms = (json_int_t)apr_time_as_msec(apr_time_now() - start);
    mp_db_release(r);
    if (schema.status != MP_DB_OK) {
        return not_ready(r, "Not ready: a backend is unavailable.",
                         "database", mp_api_db_state(schema.status));
    }
    if (!schema.tracked) {
        return not_ready(r, SCHEMA_BEHIND, "schema", "no schema_migrations "
                         "table: the database was never migrated "
                         "(scripts/migrate.sh)");
    }
    if (schema.missing->nelts) {
        return not_ready(r, SCHEMA_BEHIND, "schema", missing_list(r, &schema));
    }
    /* The cache is never a reason to be unready: without Redis the
     * shared-memory store serves; the state says which. */
    return mp_respond_data(r, json_pack(
        "{s:s, s:{s:{s:s, s:I}, s:{s:s}, s:{s:s}}}", "status", "ready",
        "components", "database", "status", "up", "latency_ms", ms,
        "schema", "status", "current",
        "cache", "status", mp_cache_state(r)), NULL);
}
