/* The body of POST /api/transactions checked field by field: every
 * problem of every item is collected before anyone answers, and what
 * passes is rewritten as the normalized JSON the insert statement reads.
 * Pure jansson and APR: the unit tests drive it without httpd. */
#ifndef MP_TXN_INPUT_H
#define MP_TXN_INPUT_H

#include <jansson.h>

#include "apr_pools.h"
#include "apr_tables.h"

#define MP_MAX_QUANTITY 1000000

/* The statuses of a transaction, NULL-terminated */
extern const char *const mp_transaction_statuses[];

typedef enum {
    MP_TXN_INPUT_OK,
    MP_TXN_INPUT_INVALID,      /* errors has the fields: 422 */
    MP_TXN_INPUT_TOO_MANY      /* more items than max_batch: 413 */
} mp_txn_input_status_t;

typedef struct {
    int batch;                 /* the body was an array */
    size_t count;              /* items */
    json_t *items;             /* normalized: [{n, customer_id, ...}] */
} mp_txn_input_t;

/* body is the parsed request body (borrowed).  errors collects
 * mp_field_error_t, with fields named "quantity" for a single object and
 * "items[3].quantity" in a batch.  On success in->items is a new
 * reference the caller releases. */
mp_txn_input_status_t mp_txn_input_read(apr_pool_t *p, json_t *body,
                                        size_t max_batch,
                                        apr_array_header_t *errors,
                                        mp_txn_input_t *in);

/* PATCH /api/transactions/{id}: {"status": ...} and nothing else.  *status
 * points into body. */
int mp_txn_patch_read(apr_pool_t *p, json_t *body,
                      apr_array_header_t *errors, const char **status);

/* "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" with a real calendar
 * day from 1900 on, or a bare YYYY-MM-DD (midnight UTC). */
int mp_timestamp_valid(const char *text);
/* A money amount: up to 10 digits, optionally '.' and 1 or 2 digits. */
int mp_money_valid(const char *text);

#endif
