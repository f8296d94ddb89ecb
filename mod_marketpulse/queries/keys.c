/* SQL of the API key lookup (sql/migrations/013_api_keys.sql). */
#include "queries.h"

/* ($1 key id) -> secret_hash, tier, scopes ("read,write"), revoked; the
 * function also notes the key's last use, at most once a minute. */
const mp_stmt_t mp_q_api_key = {
    "api_key", MP_STMT_API_KEY,
    "SELECT secret_hash, tier, scopes, revoked"
    "  FROM marketpulse_api_key($1::text)",
    1, MP_PLAN_CACHED
};
