/* Reading a JSON request body within a limit.  A body over the limit is
 * not read at all: the connection is closed after the 413 instead. */
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

/* 1 with the bytes in *buf, 0 past the limit, -1 when reading failed. */
static int read_all(request_rec *r, apr_size_t limit, char **buf,
                    apr_size_t *len)
{
    apr_off_t declared = r->remaining;
    apr_size_t cap = declared > 0 && (apr_size_t)declared <= limit
                     ? (apr_size_t)declared : 8192;
    long got;

    *len = 0;
    *buf = apr_palloc(r->pool, cap + 1);
    if (declared > 0 && (apr_size_t)declared > limit) {
        return 0;
    }
    for (;;) {
        if (*len == cap) {
            char *bigger;

            if (cap > limit) {
                return 0;
            }
            cap = cap * 2 > limit + 1 ? limit + 1 : cap * 2;
            bigger = apr_palloc(r->pool, cap + 1);
            memcpy(bigger, *buf, *len);
            *buf = bigger;
        }
        got = ap_get_client_block(r, *buf + *len, cap - *len);
        if (got < 0) {
            return -1;
        }
        if (got == 0) {
            break;
        }
        *len += (apr_size_t)got;
        if (*len > limit) {
            return 0;
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
    int rc;

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
    rc = ap_should_client_block(r) ? read_all(r, limit, &buf, len) : 1;
    if (rc == 0) {
        return refuse(r, problem, HTTP_REQUEST_ENTITY_TOO_LARGE,
                      apr_psprintf(r->pool, "The body is larger than %"
                                   APR_SIZE_T_FMT " bytes "
                                   "(MarketPulseMaxBody).", limit), 1);
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
