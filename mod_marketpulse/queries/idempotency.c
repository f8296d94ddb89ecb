/* SQL of the Idempotency-Key store (sql/migrations/005_idempotency.sql). */
#include "queries.h"

/* ($1 key, $2 request hash, $3 seconds to keep, $4 the API key's id or
 * NULL) -> a row when this
 * request now owns the key: it was new, or had expired.  A key another
 * transaction is inserting makes this wait for that one to end. */
const mp_stmt_t mp_q_idempotency_claim = {
    "idempotency_claim", MP_STMT_IDEMPOTENCY_CLAIM,
    "INSERT INTO idempotency_keys AS k"
    "    (key, request_hash, expires_at, api_key_id)"
    " VALUES ($1::text, $2::text, now() + $3::int * interval '1 second',"
    "         $4::text)"
    " ON CONFLICT (key) DO UPDATE"
    "    SET request_hash = excluded.request_hash, status = NULL,"
    "        body = NULL, location = NULL, created_at = now(),"
    "        expires_at = excluded.expires_at,"
    "        api_key_id = excluded.api_key_id"
    "  WHERE k.expires_at <= now()"
    " RETURNING 1",
    4, MP_PLAN_PER_CALL
};

/* ($1 key) -> request hash, status, body, location of the first answer */
const mp_stmt_t mp_q_idempotency_read = {
    "idempotency_read", MP_STMT_IDEMPOTENCY_READ,
    "SELECT request_hash, status, body, location FROM idempotency_keys"
    " WHERE key = $1::text",
    1, MP_PLAN_PER_CALL
};

/* ($1 key, $2 status, $3 body, $4 location) */
const mp_stmt_t mp_q_idempotency_store = {
    "idempotency_store", MP_STMT_IDEMPOTENCY_STORE,
    "UPDATE idempotency_keys SET status = $2::int, body = $3::text,"
    "       location = $4::text"
    " WHERE key = $1::text",
    4, MP_PLAN_PER_CALL
};

/* Forgets up to 1000 expired keys; concurrent purges skip each other. */
const mp_stmt_t mp_q_idempotency_purge = {
    "idempotency_purge", MP_STMT_IDEMPOTENCY_PURGE,
    "DELETE FROM idempotency_keys WHERE key IN ("
    "  SELECT key FROM idempotency_keys WHERE expires_at < now()"
    "   LIMIT 1000 FOR UPDATE SKIP LOCKED)",
    0, MP_PLAN_PER_CALL
};
