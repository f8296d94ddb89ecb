/* SQL of /api/customers: per-customer analytics over completed sales.
 * One statement per sort and order, built at compile time from fixed
 * fragments, so each gets a plan that walks its own keyset. */
#include "queries.h"

/* ($1 segment, $2 country, $3 cursor key, $4 cursor id, $5 rows,
 * $6 offset) -> customer columns, sort_key, total */
#define CUSTOMERS_LIST(KEY, KEY_TYPE, KEY_TEXT, DIR, CMP)                   \
    "WITH sales AS ("                                                      \
    "  SELECT customer_id, count(*) AS orders, sum(amount) AS ltv,"        \
    "         min(transaction_date) AS first_at,"                          \
    "         max(transaction_date) AS last_at"                            \
    "    FROM transactions WHERE status = 'completed'"                     \
    "   GROUP BY customer_id),"                                            \
    " base AS ("                                                           \
    "  SELECT c.id, c.name, c.segment, c.country,"                         \
    "         coalesce(s.orders, 0) AS orders, coalesce(s.ltv, 0) AS ltv,"  \
    "         s.first_at, s.last_at, count(*) OVER () AS total"            \
    "    FROM customers c LEFT JOIN sales s ON s.customer_id = c.id"       \
    "   WHERE ($1::text IS NULL OR c.segment = $1::text)"                  \
    "     AND ($2::text IS NULL OR c.country = $2::text))"                 \
    " SELECT id, name, segment, country, orders, round(ltv, 2)::text,"     \
    "        round(CASE WHEN orders > 0 THEN ltv / orders ELSE 0 END,"     \
    "              2)::text,"                                              \
    "        " MP_SQL_TS("first_at") ", " MP_SQL_TS("last_at") ","         \
    "        " KEY_TEXT " AS sort_key, total"                                        \
    "   FROM base"                                                         \
    "  WHERE $3::text IS NULL"                                             \
    "     OR (" KEY ", id) " CMP " ($3::text::" KEY_TYPE ", $4::bigint)"   \
    "  ORDER BY " KEY " " DIR ", id " DIR                                  \
    "  LIMIT $5::bigint OFFSET $6::bigint"

#define LAST_KEY "coalesce(last_at, '-infinity'::timestamptz)"
#define LAST_KEY_TEXT \
    "CASE WHEN last_at IS NULL THEN '-infinity' ELSE " \
    MP_SQL_TS_KEY("last_at") " END"

#define CUSTOMERS_STMT(name, KEY, KEY_TYPE, KEY_TEXT)                      \
    const mp_stmt_t mp_q_customers_##name##_desc = {                       \
        "customers_" #name "_desc",                                        \
        CUSTOMERS_LIST(KEY, KEY_TYPE, KEY_TEXT, "DESC", "<"), 6            \
    };                                                                     \
    const mp_stmt_t mp_q_customers_##name##_asc = {                        \
        "customers_" #name "_asc",                                         \
        CUSTOMERS_LIST(KEY, KEY_TYPE, KEY_TEXT, "ASC", ">"), 6             \
    }

CUSTOMERS_STMT(ltv, "ltv", "numeric", "ltv::text");
CUSTOMERS_STMT(orders, "orders", "bigint", "orders::text");
CUSTOMERS_STMT(last, LAST_KEY, "timestamptz", LAST_KEY_TEXT);
CUSTOMERS_STMT(name, "name", "text", "name");

/* ($1 id) -> one customer with analytics, or no row */
const mp_stmt_t mp_q_customer_by_id = {
    "customer_by_id",
    "SELECT c.id, c.name, c.email, c.segment, c.country,"
    "       " MP_SQL_TS("c.created_at") ","
    "       count(t.id), round(coalesce(sum(t.amount), 0), 2)::text,"
    "       round(coalesce(avg(t.amount), 0), 2)::text,"
    "       " MP_SQL_TS("min(t.transaction_date)") ","
    "       " MP_SQL_TS("max(t.transaction_date)")
    "  FROM customers c"
    "  LEFT JOIN transactions t"
    "         ON t.customer_id = c.id AND t.status = 'completed'"
    " WHERE c.id = $1::bigint"
    " GROUP BY c.id",
    1
};
