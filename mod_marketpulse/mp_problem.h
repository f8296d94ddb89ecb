/* A problem found in a request before anyone answers it: the status and
 * what the client will be told.  A function that finds one fills it in
 * and returns; the handler passes it to mp_respond_problem, the one place
 * that turns problems into HTTP answers (STYLE.md: errors are values). */
#ifndef MP_PROBLEM_H
#define MP_PROBLEM_H

#include "apr_tables.h"

typedef struct {
    int status;                        /* HTTP status, e.g. 413 */
    const char *message;
    const apr_array_header_t *details; /* of mp_field_error_t, or NULL */
    int retry_after;                   /* seconds for Retry-After; 0: none */
} mp_problem_t;

static inline void mp_problem_set(mp_problem_t *pb, int status,
                                  const char *message,
                                  const apr_array_header_t *details)
{
    pb->status = status;
    pb->message = message;
    pb->details = details;
    pb->retry_after = 0;
}

#endif
