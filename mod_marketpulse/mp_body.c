/* Reading a JSON request body within a limit.  A body over the limit is
 * not read at all: the connection is closed after the 413 instead. */
/* offsetof before APR's headers: without it the bucket macros' APR_OFFSETOF
 * falls back to arithmetic on a null pointer (clang: -Wextra, UBSan) */
#include <stddef.h>
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "mp_body.h"

static int is_json_media_type(const char *type)
{
    size_t len;

    if (type == NULL) {
        return 0;
    }
    len = strcspn(type, "; \t");
    return len == strlen("application/json")
           && strncasecmp(type, "application/json", len) == 0;
}

/* 0 with *problem; a body not read to its end closes the connection */
static int refuse(request_rec *r, mp_problem_t *problem, int status,
                  const char *message, int unread)
{
    if (unread) {
        r->connection->keepalive = AP_CONN_CLOSE;
    }
    mp_problem_set(problem, status, message, NULL);
    return 0;
}

/* Appends n bytes to *buf (capacity *cap, one more for a NUL). */
static void append(apr_pool_t *p, char **buf, apr_size_t *len,
                   apr_size_t *cap, const char *data, apr_size_t n)
{
    if (*len + n > *cap) {
        apr_size_t bigger = *cap * 2 > *len + n ? *cap * 2 : *len + n;
        char *copy = apr_palloc(p, bigger + 1);

        memcpy(copy, *buf, *len);
        *buf = copy;
        *cap = bigger;
    }
    memcpy(*buf + *len, data, n);
    *len += n;
}

/* 1 with the bytes in *buf, 0 past the limit, -1 when reading failed
 * with *status: what httpd makes of the input filters' verdict (408 when
 * mod_reqtimeout found the client too slow, 413 past LimitRequestBody,
 * else 400).  Brigades rather than ap_get_client_block, which keeps that
 * verdict to itself. */
static int read_all(request_rec *r, apr_size_t limit, char **buf,
                    apr_size_t *len, int *status)
{
    apr_off_t declared = r->remaining;
    apr_size_t cap = declared > 0 && (apr_size_t)declared <= limit
                     ? (apr_size_t)declared : 8192;
    apr_bucket_brigade *bb;
    int eos = 0;

    *len = 0;
    *buf = apr_palloc(r->pool, cap + 1);
    if (declared > 0 && (apr_size_t)declared > limit) {
        return 0;
    }
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    while (!eos) {
        apr_status_t rv = ap_get_brigade(r->input_filters, bb,
                                         AP_MODE_READBYTES, APR_BLOCK_READ,
                                         HUGE_STRING_LEN);

        for (apr_bucket *e = APR_BRIGADE_FIRST(bb);
             rv == APR_SUCCESS && !eos && e != APR_BRIGADE_SENTINEL(bb);
             e = APR_BUCKET_NEXT(e)) {
            const char *data;
            apr_size_t n;

            eos = APR_BUCKET_IS_EOS(e);
            if (eos || APR_BUCKET_IS_METADATA(e)) {
                continue;
            }
            rv = apr_bucket_read(e, &data, &n, APR_BLOCK_READ);
            if (rv == APR_SUCCESS && *len + n > limit) {
                apr_brigade_destroy(bb);
                return 0;
            }
            if (rv == APR_SUCCESS) {
                append(r->pool, buf, len, &cap, data, n);
            }
        }
        apr_brigade_cleanup(bb);
        if (rv != APR_SUCCESS) {
            *status = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
            return -1;
        }
    }
    (*buf)[*len] = '\0';
    return 1;
}

int mp_body_read_json(request_rec *r, apr_size_t limit, json_t **json,
                      const char **raw, apr_size_t *len,
                      mp_problem_t *problem)
{
    json_error_t err;
    char *buf = "";
    int rc, status = HTTP_BAD_REQUEST;

    *json = NULL;
    *len = 0;
    if (!is_json_media_type(apr_table_get(r->headers_in, "Content-Type"))) {
        return refuse(r, problem, HTTP_UNSUPPORTED_MEDIA_TYPE, "Send the "
                      "body as Content-Type: application/json.", 1);
    }
    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK) {
        return refuse(r, problem, HTTP_BAD_REQUEST, "The request body "
                      "could not be read.", 0);
    }
    rc = ap_should_client_block(r) ? read_all(r, limit, &buf, len, &status)
                                   : 1;
    if (rc == 0) {
        return refuse(r, problem, HTTP_REQUEST_ENTITY_TOO_LARGE,
                      apr_psprintf(r->pool, "The body is larger than %"
                                   APR_SIZE_T_FMT " bytes "
                                   "(MarketPulseMaxBody).", limit), 1);
    }
    if (rc < 0 && status == HTTP_REQUEST_TIME_OUT) {
        return refuse(r, problem, HTTP_REQUEST_TIME_OUT, "The request body "
                      "came too slowly (RequestReadTimeout).", 1);
    }
    if (rc < 0 && status == HTTP_REQUEST_ENTITY_TOO_LARGE) {
        return refuse(r, problem, HTTP_REQUEST_ENTITY_TOO_LARGE, "The body "
                      "is larger than this server takes (LimitRequestBody).",
                      1);
    }
    if (rc < 0) {
        return refuse(r, problem, HTTP_BAD_REQUEST, "The request body "
                      "could not be read.", 1);
    }
    *raw = buf;
    *json = json_loadb(buf, *len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
                       &err);
    if (*json == NULL) {
        return refuse(r, problem, HTTP_BAD_REQUEST, apr_psprintf(r->pool,
                      "The body is not valid JSON: %s (line %d, column %d).",
                      err.text, err.line, err.column), 0);
    }
    return 1;
}
