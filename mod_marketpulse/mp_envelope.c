/* Envelope and error bodies. */
#include "mp_envelope.h"
#include "mp_request.h"

typedef struct {
    int status;
    const char *code;
} status_code_t;

static const status_code_t codes[] = {
    {400, "BAD_REQUEST"},
    {401, "UNAUTHORIZED"},
    {403, "FORBIDDEN"},
    {404, "NOT_FOUND"},
    {405, "METHOD_NOT_ALLOWED"},
    {408, "REQUEST_TIMEOUT"},
    {409, "CONFLICT"},
    {413, "PAYLOAD_TOO_LARGE"},
    {415, "UNSUPPORTED_MEDIA_TYPE"},
    {422, "VALIDATION_ERROR"},
    {429, "RATE_LIMITED"},
    {503, "SERVICE_UNAVAILABLE"},
    {0, NULL}
};

const char *mp_error_code(int status)
{
    for (const status_code_t *c = codes; c->code; c++) {
        if (c->status == status) {
            return c->code;
        }
    }
    return status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST";
}

json_t *mp_envelope_data(json_t *data, json_t *pagination)
{
    json_t *env = json_object();

    json_object_set_new(env, "data", data);
    if (pagination) {
        json_object_set_new(env, "pagination", pagination);
    }
    return env;
}

json_t *mp_envelope_error(int status, const char *message,
                          const apr_array_header_t *details,
                          const char *request_id, const char *timestamp)
{
    json_t *err = json_object();
    json_t *list = json_array();

    json_object_set_new(err, "code", json_string(mp_error_code(status)));
    json_object_set_new(err, "message", json_string(message));
    for (int i = 0; details && i < details->nelts; i++) {
        const mp_field_error_t *d = &APR_ARRAY_IDX(details, i,
                                                   mp_field_error_t);
        json_array_append_new(list, json_pack("{s:s, s:s}", "field",
                                              d->field, "issue", d->issue));
    }
    json_object_set_new(err, "details", list);
    json_object_set_new(err, "request_id", json_string(request_id));
    json_object_set_new(err, "timestamp", json_string(timestamp));
    return json_pack("{s:o}", "error", err);
}

json_t *mp_pagination(long limit, long offset, long long total,
                      const char *next_cursor, int has_more)
{
    json_t *p = json_object();

    json_object_set_new(p, "limit", json_integer(limit));
    if (offset >= 0) {
        json_object_set_new(p, "offset", json_integer(offset));
        json_object_set_new(p, "total", json_integer(total));
    }
    json_object_set_new(p, "next_cursor",
                        next_cursor ? json_string(next_cursor) : json_null());
    json_object_set_new(p, "has_more", json_boolean(has_more));
    return p;
}
