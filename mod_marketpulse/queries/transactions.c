/* SQL of /api/transactions: raw rows, newest first, walked by the keyset
 * (transaction_date, id) so a deep page costs what the first one does. */
#include "queries.h"

/* ($1 from, $2 to, $3 status, $4 customer, $5 product, $6 cursor
 * timestamp, $7 cursor id, $8 rows) -> transaction columns, sort_key.
 * Every filter is a parameter; PostgreSQL plans an unnamed statement
 * with the values in hand, so the unused ones fold away. */
const mp_stmt_t mp_q_transactions_list = {
    "transactions_list",
    "SELECT id, customer_id, product_id, quantity, unit_price::text,"
    "       amount::text, status, " MP_SQL_TS("transaction_date") ","
    "       " MP_SQL_TS("created_at") ","
    "       " MP_SQL_TS_KEY("transaction_date")
    "  FROM transactions"
    " WHERE ($1::date IS NULL"
    "        OR transaction_date >= $1::date::timestamp AT TIME ZONE 'UTC')"
    "   AND ($2::date IS NULL"
    "        OR transaction_date < ($2::date + 1)::timestamp"
    "                              AT TIME ZONE 'UTC')"
    "   AND ($3::text IS NULL OR status = $3::text)"
    "   AND ($4::bigint IS NULL OR customer_id = $4::bigint)"
    "   AND ($5::bigint IS NULL OR product_id = $5::bigint)"
    "   AND ($6::text IS NULL"
    "        OR (transaction_date, id) < ($6::text::timestamptz, $7::bigint))"
    " ORDER BY transaction_date DESC, id DESC"
    " LIMIT $8::bigint",
    8
};
