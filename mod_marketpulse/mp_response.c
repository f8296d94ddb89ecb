/* Sending answers: JSON bodies through jansson, the request id header and
 * the error envelope. */
/* offsetof before APR's headers: without it the bucket macros' APR_OFFSETOF
 * falls back to arithmetic on a null pointer (clang: -Wextra, UBSan) */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"
#include "apr_buckets.h"
#include "http_protocol.h"

#include "mp_db.h"
#include "mp_envelope.h"
#include "mp_log.h"
#include "mp_response.h"
#include "mp_timestamp.h"

void mp_response_begin(request_rec *r)
{
    /* err_headers_out: kept even when httpd itself answers an error */
    apr_table_setn(r->err_headers_out, "X-Request-ID", mp_request_id(r));
}


int mp_respond_json(request_rec *r, int status, json_t *body)
{
    char *text;

    if (body == NULL) {
        return mp_respond_internal(r, "answer body could not be built");
    }
    /* ratios are the only reals: ten digits, not 0.59999999999999998 */
    text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(body);
    if (text == NULL) {
        return mp_respond_internal(r, "answer body could not be serialized");
    }
    return mp_respond_owned(r, status, text, strlen(text));
}

int mp_respond_document(request_rec *r, const char *text)
{
    if (text == NULL || *text != '{') {
        return mp_respond_internal(r, "the database built no document");
    }
    return mp_respond_body(r, HTTP_OK, text, strlen(text));
}

/* The body goes down the filters as one bucket that refers to the text:
 * ap_rwrite would copy it into a bucket of its own (and a cache fill's
 * filter copy it again to hold the answer), each copy a block of the
 * connection's pool beyond what MaxMemFree keeps. */
static int send_body(request_rec *r, int status, apr_bucket *body)
{
    conn_rec *c = r->connection;
    apr_bucket_brigade *bb;

    mp_db_release(r);          /* a slow client must not hold it */
    r->status = status;
    ap_set_content_type(r, "application/json");
    if (status == HTTP_NOT_MODIFIED) {
        apr_bucket_destroy(body);
        return OK;             /* the client has these bytes */
    }
    ap_set_content_length(r, (apr_off_t)body->length);
    bb = apr_brigade_create(r->pool, c->bucket_alloc);
    APR_BRIGADE_INSERT_TAIL(bb, body);
    /* a client gone is the connection's state (c->aborted), as for
     * ap_rwrite; the handler's answer stands */
    ap_pass_brigade(r->output_filters, bb);
    apr_brigade_cleanup(bb);
    return OK;
}

int mp_respond_body(request_rec *r, int status, const char *text,
                    apr_size_t len)
{
    /* a pool bucket: copied (to the heap) only if r->pool goes first */
    return send_body(r, status, apr_bucket_pool_create(
                         text, len, r->pool, r->connection->bucket_alloc));
}

int mp_respond_owned(request_rec *r, int status, char *text, apr_size_t len)
{
    /* a heap bucket that frees text with itself */
    return send_body(r, status, apr_bucket_heap_create(
                         text, len, free, r->connection->bucket_alloc));
}

int mp_respond_data(request_rec *r, json_t *data, json_t *pagination)
{
    if (data == NULL) {
        json_decref(pagination);
        return mp_respond_internal(r, "result rows did not match the "
                                   "columns described");
    }
    return mp_respond_json(r, HTTP_OK, mp_envelope_data(data, pagination));
}

int mp_respond_error(request_rec *r, int status, const char *message,
                     const apr_array_header_t *details)
{
    json_t *body = mp_envelope_error(status, message, details,
                                     mp_request_id(r), mp_ts_of_time(r->pool, apr_time_now()));
    char *text = json_dumps(body, JSON_COMPACT);

    json_decref(body);
    if (text == NULL) {
        r->status = status;
        return OK;
    }
    return mp_respond_owned(r, status, text, strlen(text));
}

int mp_respond_problem(request_rec *r, const mp_problem_t *problem)
{
    if (problem->retry_after > 0) {
        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_itoa(r->pool, problem->retry_after));
    }
    return mp_respond_error(r, problem->status, problem->message,
                            problem->details);
}

void mp_problem_of_params(mp_problem_t *pb, const mp_params_t *ps)
{
    if (ps->malformed) {
        mp_problem_set(pb, HTTP_BAD_REQUEST, "The query string is not valid "
                       "percent-encoded UTF-8.", NULL);
    }
    else if (mp_params_status(ps) == HTTP_BAD_REQUEST) {
        mp_problem_set(pb, HTTP_BAD_REQUEST, "The cursor is not valid for "
                       "this list.", ps->errors);
    }
    else {
        mp_problem_set(pb, HTTP_UNPROCESSABLE_ENTITY, "One or more "
                       "parameters are invalid.", ps->errors);
    }
}

void mp_problem_of_db(mp_problem_t *pb, mp_db_status_t status)
{
    switch (status) {
    case MP_DB_UNAVAILABLE:
        mp_problem_set(pb, HTTP_SERVICE_UNAVAILABLE,
                       "The database is unavailable.", NULL);
        break;
    case MP_DB_BUSY:
        mp_problem_set(pb, HTTP_SERVICE_UNAVAILABLE,
                       "All database connections are busy.", NULL);
        break;
    case MP_DB_TIMEOUT:
        mp_problem_set(pb, HTTP_SERVICE_UNAVAILABLE,
                       "The database query timed out.", NULL);
        break;
    case MP_DB_CONFLICT:
        mp_problem_set(pb, HTTP_SERVICE_UNAVAILABLE, "The database aborted "
                       "the request because of a conflict with a concurrent "
                       "one; retry.", NULL);
        pb->retry_after = 1;
        break;
    default:
        mp_problem_set(pb, HTTP_INTERNAL_SERVER_ERROR, "Internal error.",
                       NULL);
    }
}

void mp_problem_internal(request_rec *r, mp_problem_t *pb, const char *why)
{
    mp_rlog(APLOG_ERR, 0, r, MPLOGNO(01001), "internal error: %s", why);
    mp_problem_set(pb, HTTP_INTERNAL_SERVER_ERROR, "Internal error.", NULL);
}

int mp_respond_invalid(request_rec *r, const mp_params_t *ps)
{
    mp_problem_t pb;

    mp_problem_of_params(&pb, ps);
    return mp_respond_problem(r, &pb);
}

int mp_respond_db_error(request_rec *r, mp_db_status_t status)
{
    mp_problem_t pb;

    mp_problem_of_db(&pb, status);
    return mp_respond_problem(r, &pb);
}

int mp_respond_internal(request_rec *r, const char *why)
{
    mp_problem_t pb;

    mp_problem_internal(r, &pb, why);
    return mp_respond_problem(r, &pb);
}
