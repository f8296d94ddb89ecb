/* Idempotency-Key for POST: the first answer to a key is kept with the
 * write, in the same database transaction, and given again to retries. */
#ifndef MP_API_IDEMPOTENCY_H
#define MP_API_IDEMPOTENCY_H

#include "api.h"

typedef enum {
    MP_IDEM_OWNED,             /* this request owns the key: write, then
                                  mp_idem_store before COMMIT */
    MP_IDEM_REPLAY,            /* answered before: give *replay again */
    MP_IDEM_REFUSED            /* 409 (another body, or still running) or
                                  a database error: *problem */
} mp_idem_t;

/* The first answer to a key, as it was sent. */
typedef struct {
    int status;
    const char *body;
    const char *location;      /* or NULL */
} mp_idem_answer_t;

/* Reads the Idempotency-Key header.  Returns 1, with *key NULL when there
 * is none, or 0 with *problem (422) for a malformed one. */
int mp_idem_key(mp_req_t *req, const char **key, mp_problem_t *problem);

/* Inside the open transaction: claims key for this request (hash names
 * method, path and body), waiting for a concurrent request with the same
 * key to finish first.  Unless the key is now this request's, the
 * transaction is rolled back. */
mp_idem_t mp_idem_claim(mp_req_t *req, const char *key, const char *hash,
                        mp_idem_answer_t *replay, mp_problem_t *problem);

/* Keeps the answer for the key; MP_DB_OK or the failure to answer. */
mp_db_status_t mp_idem_store(mp_req_t *req, const char *key, int status,
                             const char *body, const char *location);

/* After COMMIT: forgets expired keys (best effort). */
void mp_idem_purge(mp_req_t *req);

/* sha1 of method, route path and body, hex */
const char *mp_idem_hash(request_rec *r, const char *path, const char *body,
                         apr_size_t len);

#endif
