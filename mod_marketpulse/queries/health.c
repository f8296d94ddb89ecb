/* SQL of the readiness probe and the database health: each bounded, none
 * scans a table (schema_migrations holds a row per migration; the rollup
 * check reads one UTC day of transactions through their date index). */
#include "queries.h"

/* Whether the database records its migrations at all: the probe's first
 * statement (it also shows PostgreSQL answers), so that a database
 * without the table is told apart without an error in the log. */
const mp_stmt_t mp_q_schema_tracked = {
    "schema_tracked", MP_STMT_SCHEMA_TRACKED,
    "SELECT to_regclass('schema_migrations') IS NOT NULL", 0, MP_PLAN_CACHED
};

/* The expected versions the database has not applied ("missing") and
 * those it has applied that this build does not know ("newer": a newer
 * build migrated it first, which is the right order). */
const mp_stmt_t mp_q_schema_diff = {
    "schema_diff", MP_STMT_SCHEMA_DIFF,
    "SELECT 'missing' AS kind, v AS version"
    "  FROM unnest($1::text[]) AS v"
    " WHERE NOT EXISTS (SELECT 1 FROM schema_migrations m"
    "                    WHERE m.version = v)"
    " UNION ALL "
    "SELECT 'newer', version FROM schema_migrations"
    " WHERE version <> ALL ($1::text[])"
    " ORDER BY 1, 2",
    MP_SCHEMA_NPARAMS, MP_PLAN_PER_CALL
};

/* The server as this connection sees it. */
const mp_stmt_t mp_q_server = {
    "server", MP_STMT_SERVER,
    "SELECT current_setting('server_version'), current_database(),"
    "       pg_is_in_recovery(),"
    "       (SELECT count(*) FROM pg_stat_activity"
    "         WHERE datname = current_database()),"
    "       current_setting('max_connections')::int",
    0, MP_PLAN_PER_CALL
};

/* Whether the rollups have kept up: the UTC day of the newest
 * transaction counted from `transactions` (that one day, through the
 * date index) and from sales_daily.  The triggers keep both in the same
 * database transaction, so one snapshot sees them equal unless a write
 * bypassed them. */
const mp_stmt_t mp_q_rollups_in_step = {
    "rollups_in_step", MP_STMT_ROLLUPS_IN_STEP,
    "WITH newest AS ("
    "  SELECT (max(transaction_date) AT TIME ZONE 'UTC')::date AS day"
    "    FROM transactions),"
    " direct AS ("
    "  SELECT count(*) AS orders, coalesce(sum(amount), 0) AS amount"
    "    FROM transactions, newest"
    "   WHERE " MP_SQL_IN_DAYS("transaction_date", "newest.day",
                               "newest.day") "),"
    " rollup AS ("
    "  SELECT coalesce(sum(orders), 0) AS orders,"
    "         coalesce(sum(amount), 0) AS amount"
    "    FROM sales_daily, newest WHERE sales_daily.day = newest.day)"
    "SELECT newest.day, direct.orders, rollup.orders,"
    "       round(direct.amount, 2)::text, round(rollup.amount, 2)::text"
    "  FROM newest, direct, rollup",
    0, MP_PLAN_PER_CALL
};
