/* SQL of /api/transactions: raw rows, newest first, walked by the keyset
 * (transaction_date, id) so a deep page costs what the first one does. */
#include "queries.h"

/* A transaction as every endpoint shows it */
#define TRANSACTION_COLS \
    "id, customer_id, product_id, quantity, unit_price::text," \
    " amount::text, status, " MP_SQL_TS("transaction_date") "," \
    " " MP_SQL_TS("created_at")

/* The list filters: ($1 from, $2 to, $3 status, $4 customer, $5 product).
 * Every filter is a parameter; PostgreSQL plans an unnamed statement
 * with the values in hand, so the unused ones fold away. */
#define TRANSACTION_FILTERS \
    " WHERE ($1::date IS NULL"                                              \
    "        OR transaction_date >= $1::date::timestamp AT TIME ZONE 'UTC')"\
    "   AND ($2::date IS NULL"                                              \
    "        OR transaction_date < ($2::date + 1)::timestamp"               \
    "                              AT TIME ZONE 'UTC')"                     \
    "   AND ($3::text IS NULL OR status = $3::text)"                        \
    "   AND ($4::bigint IS NULL OR customer_id = $4::bigint)"               \
    "   AND ($5::bigint IS NULL OR product_id = $5::bigint)"

/* (filters, $6 cursor timestamp, $7 cursor id, $8 rows) -> transaction
 * columns; the cursor key is the transaction_date column's */
const mp_stmt_t mp_q_transactions_list = {
    "transactions_list", MP_STMT_TRANSACTIONS_LIST,
    "SELECT " TRANSACTION_COLS
    "  FROM transactions"
    TRANSACTION_FILTERS
    "   AND ($6::text IS NULL"
    "        OR (transaction_date, id) < ($6::text::timestamptz, $7::bigint))"
    " ORDER BY transaction_date DESC, id DESC"
    " LIMIT $8::bigint",
    8, MP_PLAN_PER_CALL
};

/* ($1 cursor timestamp, $2 cursor id, $3 rows) -> transaction columns:
 * the list without filters, the one most clients walk.  Prepared once per
 * session; with MP_SQL_OPAQUE_LIMIT the plan cache keeps its generic plan,
 * the same backward walk of transactions_date_id_idx, instead of planning
 * each call (0.19 ms a 100-row page).  Without a cursor the bound is past
 * every row: (infinity, the largest id) precedes even a row dated
 * infinity. */
const mp_stmt_t mp_q_transactions_feed = {
    "transactions_feed", MP_STMT_TRANSACTIONS_FEED,
    "SELECT " TRANSACTION_COLS
    "  FROM transactions"
    " WHERE (transaction_date, id)"
    "       < (coalesce($1::text::timestamptz, 'infinity'),"
    "          coalesce($2::bigint, 9223372036854775807))"
    " ORDER BY transaction_date DESC, id DESC"
    " LIMIT " MP_SQL_OPAQUE_LIMIT("$3"),
    3, MP_PLAN_CACHED
};

/* (filters) -> every matching transaction, newest first, for streaming */
const mp_stmt_t mp_q_transactions_export = {
    "transactions_export", MP_STMT_TRANSACTIONS_EXPORT,
    "SELECT " TRANSACTION_COLS
    "  FROM transactions"
    TRANSACTION_FILTERS
    " ORDER BY transaction_date DESC, id DESC",
    5, MP_PLAN_PER_CALL
};

/* ($1 id) -> the transaction, or no row */
const mp_stmt_t mp_q_transaction_by_id = {
    "transaction_by_id", MP_STMT_TRANSACTION_BY_ID,
    "SELECT " TRANSACTION_COLS " FROM transactions WHERE id = $1::bigint",
    1, MP_PLAN_CACHED
};

/* The items of a write, as mp_txn_input.c normalizes them: a JSON array
 * of {n, customer_id, product_id, quantity, unit_price, status,
 * transaction_date}, n counting from 1. */
#define TRANSACTION_ITEMS \
    "jsonb_to_recordset($1::jsonb)" \
    " AS i(n int, customer_id bigint, product_id bigint, quantity int," \
    "      unit_price numeric(12,2), status text," \
    "      transaction_date timestamptz)"

/* ($1 items) -> the inserted transactions (COLS of each) in item order.
 * The unit price defaults to the product's; the amount is always
 * computed.  An item whose customer does not exist fails the foreign key;
 * one whose product does not exist finds no product and is left out.
 * Either way the caller rolls back and asks transactions_missing which
 * items were wrong: the foreign keys already look every id up once, so
 * checking them here too cost a tenth of the statement on every batch.
 * The plan is the same for any items. */
#define TRANSACTIONS_INSERT(COLS)                                          \
    "WITH ins AS ("                                                        \
    "  INSERT INTO transactions (customer_id, product_id, quantity,"       \
    "                            unit_price, amount, status,"              \
    "                            transaction_date)"                        \
    "  SELECT i.customer_id, i.product_id, i.quantity,"                    \
    "         coalesce(i.unit_price, p.unit_price),"                       \
    "         coalesce(i.unit_price, p.unit_price) * i.quantity, i.status," \
    "         coalesce(i.transaction_date, now())"                         \
    "    FROM " TRANSACTION_ITEMS                                          \
    "    JOIN products p ON p.id = i.product_id"                           \
    "   ORDER BY i.n"                                                      \
    "  RETURNING " COLS ")"                                                \
    " SELECT * FROM ins ORDER BY id"

/* one item: the whole transaction, which the answer shows */
const mp_stmt_t mp_q_transactions_insert = {
    "transactions_insert", MP_STMT_TRANSACTIONS_INSERT,
    TRANSACTIONS_INSERT(TRANSACTION_COLS), 1, MP_PLAN_CACHED
};

/* a batch: the ids only, all its answer shows.  500 rows of formatted
 * dates and amounts, sorted, sent and parsed, took fresh batches of 500
 * at 4 connections from 19,600-21,200 down to 17,300-19,500 tx/s
 * (scripts/bench-scale.sh's ingest, alternated runs). */
const mp_stmt_t mp_q_transactions_insert_ids = {
    "transactions_insert_ids", MP_STMT_TRANSACTIONS_INSERT_IDS,
    TRANSACTIONS_INSERT("id"), 1, MP_PLAN_CACHED
};

/* ($1 items) -> (n, field) for every customer_id or product_id that
 * names no row, in item order. */
const mp_stmt_t mp_q_transactions_missing = {
    "transactions_missing", MP_STMT_TRANSACTIONS_MISSING,
    "SELECT i.n, 'customer_id' AS field FROM " TRANSACTION_ITEMS
    " WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = i.customer_id)"
    " UNION ALL"
    " SELECT i.n, 'product_id' FROM " TRANSACTION_ITEMS
    " WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.id = i.product_id)"
    " ORDER BY 1, 2",
    1, MP_PLAN_PER_CALL
};

/* ($1 id, $2 status) -> the changed transaction, or no row */
const mp_stmt_t mp_q_transaction_set_status = {
    "transaction_set_status", MP_STMT_TRANSACTION_SET_STATUS,
    "UPDATE transactions SET status = $2::text WHERE id = $1::bigint"
    " RETURNING " TRANSACTION_COLS,
    2, MP_PLAN_PER_CALL
};
