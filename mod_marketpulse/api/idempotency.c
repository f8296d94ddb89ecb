/* Idempotency keys: docs/architecture.md ("Idempotency"). */
#include <stdlib.h>
#include <string.h>

#include "apr_sha1.h"
#include "apr_strings.h"

#include "idempotency.h"
#include "mp_ctx.h"
#include "mp_hex.h"

#define MAX_KEY_LEN 255

int mp_idem_key(mp_req_t *req, const char **key, mp_problem_t *problem)
{
    const char *k = apr_table_get(req->r->headers_in, "Idempotency-Key");
    size_t len;

    *key = k;
    if (k == NULL) {
        return 1;
    }
    len = strlen(k);
    for (size_t i = 0; i < len; i++) {
        if (k[i] < 0x21 || k[i] > 0x7e) {
            len = 0;
        }
    }
    if (len == 0 || len > MAX_KEY_LEN) {
        mp_params_fail(req->params, "Idempotency-Key", "must be 1 to 255 "
                       "visible ASCII characters, such as a UUID");
        mp_problem_of_params(problem, req->params);
        return 0;
    }
    /* scoped by API key: the space cannot occur in a client's key, so
     * no client can name another's; anonymous clients share the bare
     * keys, as builds before keys did */
    if (mp_ctx(req->r)->key_id) {
        *key = apr_pstrcat(req->r->pool, mp_ctx(req->r)->key_id, " ", k,
                           NULL);
    }
    return 1;
}

const char *mp_idem_hash(request_rec *r, const char *path, const char *body,
                         apr_size_t len)
{
    apr_sha1_ctx_t ctx;
    unsigned char digest[APR_SHA1_DIGESTSIZE];

    apr_sha1_init(&ctx);
    apr_sha1_update(&ctx, r->method, (unsigned int)strlen(r->method));
    apr_sha1_update(&ctx, " ", 1);
    apr_sha1_update(&ctx, path, (unsigned int)strlen(path));
    apr_sha1_update(&ctx, "\n", 1);
    apr_sha1_update_binary(&ctx, (const unsigned char *)body,
                           (unsigned int)len);
    apr_sha1_final(digest, &ctx);
    return mp_hex(r->pool, digest, sizeof(digest));
}

/* Why the key is not this request's, from the row that holds it. */
static mp_idem_t settled(const mp_rows_t *rows, const char *hash,
                         mp_idem_answer_t *replay, mp_problem_t *problem)
{
    if (rows->nrows == 0
        || strcmp(mp_cell(rows, 0, MP_IDEM_READ_COL_HASH), hash) != 0) {
        mp_problem_set(problem, HTTP_CONFLICT, "This Idempotency-Key was "
                       "used with another request body; use a new key for "
                       "a new request.", NULL);
        return MP_IDEM_REFUSED;
    }
    if (mp_cell(rows, 0, MP_IDEM_READ_COL_STATUS) == NULL) {
        mp_problem_set(problem, HTTP_CONFLICT, "A request with this "
                       "Idempotency-Key is still being processed.", NULL);
        return MP_IDEM_REFUSED;
    }
    replay->status = atoi(mp_cell(rows, 0, MP_IDEM_READ_COL_STATUS));
    replay->body = mp_cell(rows, 0, MP_IDEM_READ_COL_BODY);
    replay->location = mp_cell(rows, 0, MP_IDEM_READ_COL_LOCATION);
    return MP_IDEM_REPLAY;
}

mp_idem_t mp_idem_claim(mp_req_t *req, const char *key, const char *hash,
                        mp_idem_answer_t *replay, mp_problem_t *problem)
{
    request_rec *r = req->r;
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    const char *args[MP_IDEM_CLAIM_NPARAMS] = {
        [MP_IDEM_CLAIM_KEY] = key, [MP_IDEM_CLAIM_HASH] = hash,
        [MP_IDEM_CLAIM_TTL] = apr_itoa(r->pool, mp_conf_idempotency_ttl(sc)),
        [MP_IDEM_CLAIM_OWNER] = mp_ctx(r)->key_id
    };
    mp_rows_t *rows;
    mp_db_status_t st = mp_db_exec(r, &mp_q_idempotency_claim, args, &rows);

    if (st == MP_DB_OK && rows->nrows == 1) {
        return MP_IDEM_OWNED;
    }
    if (st == MP_DB_OK) {
        st = mp_db_exec(r, &mp_q_idempotency_read, &key, &rows);
    }
    mp_db_rollback(r);
    if (st != MP_DB_OK) {
        mp_problem_of_db(problem, st);
        return MP_IDEM_REFUSED;
    }
    return settled(rows, hash, replay, problem);
}

mp_db_status_t mp_idem_store(mp_req_t *req, const char *key, int status,
                             const char *body, const char *location)
{
    const char *args[MP_IDEM_STORE_NPARAMS] = {
        [MP_IDEM_STORE_KEY] = key,
        [MP_IDEM_STORE_STATUS] = apr_itoa(req->r->pool, status),
        [MP_IDEM_STORE_BODY] = body, [MP_IDEM_STORE_LOCATION] = location
    };

    return mp_db_exec(req->r, &mp_q_idempotency_store, args, NULL);
}

void mp_idem_purge(mp_req_t *req)
{
    mp_db_exec(req->r, &mp_q_idempotency_purge, NULL, NULL);
}
