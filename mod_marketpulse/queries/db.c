/* SQL the database layer runs itself: the session set-up, transaction
 * control and the statement timeout of a streamed read. */
#include "queries.h"

/* ($1 statement_timeout in ms) */
const mp_stmt_t mp_q_session_setup = {
    "session_setup", MP_STMT_SESSION_SETUP,
    "SELECT set_config('statement_timeout', $1, false),"
    "       set_config('TimeZone', 'UTC', false),"
    "       set_config('DateStyle', 'ISO, YMD', false),"
    /* JIT compiles for ~30 ms before a query whose estimate (inflated by
     * subplans never run) passes jit_above_cost: far more than our
     * statements take */
    "       set_config('jit', 'off', false)",
    1, MP_PLAN_PER_CALL
};

const mp_stmt_t mp_q_begin = {
    "begin", MP_STMT_BEGIN, "BEGIN", 0, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_commit = {
    "commit", MP_STMT_COMMIT, "COMMIT", 0, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_rollback = {
    "rollback", MP_STMT_ROLLBACK, "ROLLBACK", 0, MP_PLAN_PER_CALL
};

/* ($1 statement_timeout in ms) for the rest of the transaction */
const mp_stmt_t mp_q_local_timeout = {
    "local_timeout", MP_STMT_LOCAL_TIMEOUT,
    "SELECT set_config('statement_timeout', $1, true)", 1, MP_PLAN_PER_CALL
};
