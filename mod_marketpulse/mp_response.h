/* The one place that turns results and errors into HTTP answers: status,
 * envelope, Content-Type, X-Request-ID. */
#ifndef MP_RESPONSE_H
#define MP_RESPONSE_H

#include <jansson.h>

#include "httpd.h"

#include "mp_stmt.h"
#include "mp_problem.h"
#include "mp_request.h"

/* Sets X-Request-ID on every answer of this request; the id is the
 * client's when it sent a sane one, else mod_unique_id's, else random. */
void mp_response_begin(request_rec *r);

/* Each sends the whole answer and returns OK for the handler to return.
 * The json_t arguments are stolen. */
int mp_respond_json(request_rec *r, int status, json_t *body);
/* A JSON body already serialized: a cached answer (with status 304 no
 * body is sent), an answer replayed for a retry.  Every answer goes out
 * through here. */
int mp_respond_body(request_rec *r, int status, const char *text,
                    apr_size_t len);
/* The text must live as long as r->pool (mp_respond_body) or be
 * malloc'd, and is then the answer's, freed once sent (mp_respond_owned;
 * also with status 304). */
int mp_respond_owned(request_rec *r, int status, char *text, apr_size_t len);
int mp_respond_data(request_rec *r, json_t *data, json_t *pagination);
/* A 200 whose whole envelope PostgreSQL built (json_build_object): sent
 * like mp_respond_json's, without a trip through jansson. */
int mp_respond_document(request_rec *r, const char *text);
int mp_respond_error(request_rec *r, int status, const char *message,
                     const apr_array_header_t *details);
/* The answer to a problem a function found (mp_problem.h). */
int mp_respond_problem(request_rec *r, const mp_problem_t *problem);
/* 400 for a malformed query string, else 422 listing every bad field. */
int mp_respond_invalid(request_rec *r, const mp_params_t *ps);
/* 503 for unavailable, busy, timed out or a conflict, 500 for the rest. */
int mp_respond_db_error(request_rec *r, mp_db_status_t status);
/* 500 with a generic message; the reason goes to the error log only. */
int mp_respond_internal(request_rec *r, const char *why);

/* The same three as problems, for functions that return one. */
void mp_problem_of_params(mp_problem_t *pb, const mp_params_t *ps);
void mp_problem_of_db(mp_problem_t *pb, mp_db_status_t status);
void mp_problem_internal(request_rec *r, mp_problem_t *pb, const char *why);

#endif
