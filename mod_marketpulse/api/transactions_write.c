/* POST /api/transactions (one or a batch, all or nothing, idempotent with
 * a key) and PATCH /api/transactions/{id} (status).  Every write runs in
 * one database transaction whose triggers keep the rollups exact, and
 * makes cached analytics stale before it answers. */
#include <stdlib.h>
#include <string.h>

#include "apr_strings.h"

#include "api.h"
#include "idempotency.h"
#include "mp_body.h"
#include "mp_cache.h"
#include "mp_log.h"
#include "mp_stats.h"
#include "mp_txn_input.h"

/* transactions_missing answers (n, field) per unknown id. */
#define COL_MISSING_N 0
#define COL_MISSING_FIELD 1
/* both inserts answer the id first */
#define COL_ID 0

/* After COMMIT: the write must be visible to the next read anywhere. */
static void invalidate(request_rec *r)
{
    apr_int64_t generation;

    if (mp_cache_invalidate(r, &generation) != APR_SUCCESS) {
        mp_rlog(APLOG_WARNING, 0, r, MPLOGNO(01301), "write committed; "
                "other hosts see it once Redis takes the invalidation");
    }
}

/* A COMMIT that failed: a broken connection leaves the outcome unknown. */
static int respond_commit_failure(request_rec *r, mp_db_status_t st)
{
    mp_problem_t pb;

    mp_problem_of_db(&pb, st);
    if (st == MP_DB_UNAVAILABLE) {
        pb.message = "The database connection broke while committing: the "
                     "write may or may not be saved. Retry with the same "
                     "Idempotency-Key to be safe.";
    }
    return mp_respond_problem(r, &pb);
}

/* After the rollback of an insert that failed (st) or that left items
 * out (st MP_DB_OK: an item whose product does not exist finds no
 * price): a 422 naming every customer_id and product_id that names no
 * row, when that was the cause. */
static void insert_problem(mp_req_t *req, const char *items, int batch,
                           mp_db_status_t st, mp_problem_t *pb)
{
    request_rec *r = req->r;
    mp_rows_t *rows;
    mp_db_status_t found;

    if (st != MP_DB_OK && st != MP_DB_CONSTRAINT) {
        mp_problem_of_db(pb, st);
        return;
    }
    found = mp_db_select(r, &mp_q_transactions_missing, &items, &rows);
    if (found != MP_DB_OK) {
        mp_problem_of_db(pb, found);
        return;
    }
    for (int i = 0; i < rows->nrows; i++) {
        const char *field = mp_cell(rows, i, COL_MISSING_FIELD);
        long n = atol(mp_cell(rows, i, COL_MISSING_N));

        mp_params_fail(req->params, batch ? apr_psprintf(r->pool,
                       "items[%ld].%s", n - 1, field) : field,
                       field[0] == 'c' ? "no customer has this id"
                                       : "no product has this id");
    }
    if (rows->nrows > 0) {
        mp_problem_set(pb, HTTP_UNPROCESSABLE_ENTITY, "One or more fields "
                       "are invalid.", req->params->errors);
    }
    else if (st == MP_DB_OK) {  /* the product was created in between */
        mp_problem_set(pb, HTTP_SERVICE_UNAVAILABLE, "A product of the "
                       "request was created while it was being written; "
                       "nothing was saved. Retry.", NULL);
    }
    else {
        mp_problem_set(pb, HTTP_UNPROCESSABLE_ENTITY, "A value is out of "
                       "range (amount = quantity x unit_price must stay "
                       "under 1000000000000).", NULL);
    }
}

/* The created rows: one transaction, or {count, ids} for a batch. */
static json_t *created_data(const mp_rows_t *rows, int batch)
{
    json_t *ids;

    if (!batch) {
        return mp_api_transaction_object(rows, 0);
    }
    ids = json_array();
    for (int i = 0; i < rows->nrows; i++) {
        json_array_append_new(ids, json_integer(apr_atoi64(
                              mp_cell(rows, i, COL_ID))));
    }
    return json_pack("{s:i, s:o}", "count", rows->nrows, "ids", ids);
}

/* Inserts the items inside the open transaction: 1 with the answer in
 * *text (and *location for one item), or 0 with *pb after a rollback. */
static int insert_items(mp_req_t *req, const mp_txn_input_t *in,
                        char **text, const char **location, mp_problem_t *pb)
{
    request_rec *r = req->r;
    char *items = json_dumps(in->items, JSON_COMPACT);
    const char *arg = items ? apr_pstrdup(r->pool, items) : NULL;
    mp_rows_t *rows;
    mp_db_status_t st;
    json_t *data, *env;

    free(items);
    st = mp_db_exec(r, in->batch ? &mp_q_transactions_insert_ids
                                 : &mp_q_transactions_insert, &arg, &rows);
    if (st != MP_DB_OK || rows->nrows != (int)in->count) {
        mp_db_rollback(r);
        insert_problem(req, arg, in->batch, st, pb);
        return 0;
    }
    data = created_data(rows, in->batch);
    *location = in->batch ? NULL : apr_pstrcat(r->pool, r->uri, "/",
                        mp_cell(rows, 0, COL_ID), NULL);
    *text = NULL;
    if (data) {
        env = mp_envelope_data(data, NULL);     /* owns data */
        *text = json_dumps(env, JSON_COMPACT);
        json_decref(env);
    }
    if (*text == NULL) {
        mp_db_rollback(r);
        mp_problem_internal(r, pb, "answer could not be built");
        return 0;
    }
    return 1;
}

/* The first answer to an Idempotency-Key, given again. */
static int respond_replay(request_rec *r, const mp_idem_answer_t *first)
{
    if (first->location) {
        apr_table_setn(r->headers_out, "Location", first->location);
    }
    apr_table_setn(r->headers_out, "Idempotent-Replayed", "true");
    return mp_respond_body(r, first->status, first->body,
                           strlen(first->body));
}

/* Runs the write and answers 201; the key (if any) is claimed first and
 * stored with the answer in the same transaction. */
static int create(mp_req_t *req, const mp_txn_input_t *in, const char *key,
                  const char *hash)
{
    request_rec *r = req->r;
    mp_db_status_t st = mp_db_begin(r);
    const char *location = NULL;
    char *text = NULL;
    mp_idem_answer_t first;
    mp_problem_t pb;

    if (st != MP_DB_OK) {
        mp_db_rollback(r);
        return mp_respond_db_error(r, st);
    }
    switch (key ? mp_idem_claim(req, key, hash, &first, &pb)
                : MP_IDEM_OWNED) {
    case MP_IDEM_REPLAY:
        mp_stat_add(MP_STAT_IDEM_REPLAYS, 1);
        return respond_replay(r, &first);
    case MP_IDEM_REFUSED:
        if (pb.status == HTTP_CONFLICT) {
            mp_stat_add(MP_STAT_IDEM_CONFLICTS, 1);
        }
        return mp_respond_problem(r, &pb);
    case MP_IDEM_OWNED:
        break;
    }
    if (!insert_items(req, in, &text, &location, &pb)) {
        return mp_respond_problem(r, &pb);
    }
    st = key ? mp_idem_store(req, key, HTTP_CREATED, text, location)
             : MP_DB_OK;
    if (st == MP_DB_OK) {
        st = mp_db_commit(r);
    }
    if (st != MP_DB_OK) {
        free(text);
        mp_db_rollback(r);
        return respond_commit_failure(r, st);
    }
    invalidate(r);
    mp_stat_add(MP_STAT_TXN_INSERTED, in->count);
    mp_stat_add(MP_STAT_TXN_BATCHES, 1);
    if (key) {
        mp_idem_purge(req);
    }
    if (location) {
        apr_table_setn(r->headers_out, "Location", location);
    }
    return mp_respond_owned(r, HTTP_CREATED, text, strlen(text));
}

int mp_api_transactions_create(mp_req_t *req)
{
    request_rec *r = req->r;
    const char *key, *raw;
    apr_size_t len;
    json_t *body;
    mp_txn_input_t in;
    mp_txn_input_status_t valid;
    mp_problem_t problem;
    int status;

    if (!mp_idem_key(req, &key, &problem)) {
        return mp_respond_problem(r, &problem);
    }
    if (!mp_body_read_json(r, (apr_size_t)mp_conf_max_body(req->conf),
                           &body, &raw, &len, &problem)) {
        return mp_respond_problem(r, &problem);
    }
    valid = mp_txn_input_read(r->pool, body,
                              (size_t)mp_conf_max_batch(req->conf),
                              req->params->errors, &in);
    json_decref(body);
    if (valid == MP_TXN_INPUT_TOO_MANY) {
        return mp_respond_error(r, HTTP_REQUEST_ENTITY_TOO_LARGE,
                                apr_psprintf(r->pool, "A batch holds at most "
                                "%d transactions (MarketPulseMaxBatch).",
                                mp_conf_max_batch(req->conf)), NULL);
    }
    if (valid != MP_TXN_INPUT_OK) {
        return mp_respond_error(r, HTTP_UNPROCESSABLE_ENTITY, "One or more "
                                "fields are invalid.", req->params->errors);
    }
    status = create(req, &in, key,
                    key ? mp_idem_hash(r, req->path, raw, len) : NULL);
    json_decref(in.items);
    return status;
}

int mp_api_transaction_update(mp_req_t *req)
{
    request_rec *r = req->r;
    const char *raw, *args[MP_TXSTATUS_NPARAMS];
    apr_size_t len;
    json_t *body;
    mp_rows_t *rows;
    mp_db_status_t st;
    mp_problem_t problem;
    int ok;

    if (!mp_body_read_json(r, (apr_size_t)mp_conf_max_body(req->conf),
                           &body, &raw, &len, &problem)) {
        return mp_respond_problem(r, &problem);
    }
    ok = mp_txn_patch_read(r->pool, body, req->params->errors,
                           &args[MP_TXSTATUS_STATUS]);
    if (!mp_id_valid(req->id)) {
        ok = 0;
        mp_params_fail(req->params, "id", "must be a positive integer id");
    }
    if (!ok) {
        json_decref(body);
        return mp_respond_error(r, HTTP_UNPROCESSABLE_ENTITY, "One or more "
                                "fields are invalid.", req->params->errors);
    }
    args[MP_TXSTATUS_ID] = req->id;
    args[MP_TXSTATUS_STATUS] = apr_pstrdup(r->pool,
                                           args[MP_TXSTATUS_STATUS]);
    json_decref(body);
    st = mp_db_begin(r);
    if (st == MP_DB_OK) {
        st = mp_db_exec(r, &mp_q_transaction_set_status, args, &rows);
    }
    if (st == MP_DB_OK && rows->nrows == 0) {
        mp_db_rollback(r);
        return mp_respond_error(r, HTTP_NOT_FOUND, apr_psprintf(r->pool,
                                "No transaction has id %s.", req->id), NULL);
    }
    if (st == MP_DB_OK) {
        st = mp_db_commit(r);
        if (st != MP_DB_OK) {
            return respond_commit_failure(r, st);
        }
        invalidate(r);
        mp_stat_add(MP_STAT_TXN_UPDATED, 1);
        return mp_respond_data(r, mp_api_transaction_object(rows, 0), NULL);
    }
    mp_db_rollback(r);
    return mp_respond_db_error(r, st);
}
