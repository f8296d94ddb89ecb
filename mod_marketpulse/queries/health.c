/* SQL of the readiness probe. */
#include "queries.h"

const mp_stmt_t mp_q_ping = {
    "ping", MP_STMT_PING, "SELECT 1", 0, MP_PLAN_CACHED
};
