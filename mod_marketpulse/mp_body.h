/* Request bodies of the write endpoints: media type, size limit, JSON. */
#ifndef MP_BODY_H
#define MP_BODY_H

#include <jansson.h>

#include "httpd.h"

#include "mp_problem.h"

/* Reads the whole body (at most limit bytes) and parses it as JSON.
 * Returns 1 with *json (a new reference; *raw and *len: the bytes as
 * sent), or 0 with *problem: 415 when the body is not application/json,
 * 413 past the limit, 400 when it is not JSON or could not be read.
 * After a body that was not read to its end, the connection closes after
 * the answer. */
int mp_body_read_json(request_rec *r, apr_size_t limit, json_t **json,
                      const char **raw, apr_size_t *len,
                      mp_problem_t *problem);

#endif
