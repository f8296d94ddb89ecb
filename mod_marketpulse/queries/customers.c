/* SQL of /api/customers: per-customer analytics over completed sales.
 * One statement per sort and order, built at compile time from fixed
 * fragments, so each gets a plan that walks its own keyset. */
#include "queries.h"

/* Both forms take ($1 segment, $2 country, $3 cursor key, $4 cursor id,
 * $5 rows, $6 offset) and give customer columns, sort_key, total.  The
 * rollup form walks the index of its sort; the direct form aggregates
 * `transactions` (MarketPulseRollups Off, benchmarks). */
#define DIRECT_SQL(KEY, KEY_TYPE, KEY_TEXT, DIR, CMP)                      \
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

/* customer_sales carries each customer's name, segment and country
 * (migration 011), so a cursor page sorted by one of its own columns
 * reads no other table; the sort by name walks customers' index and
 * joins customer_sales.  A filtered or offset page joins both tables and
 * filters on customers, so PostgreSQL may start from customers' segment
 * or country index when a filter matches few customers.  TIE is the id
 * column of the table whose index the sort walks, so the (key, id) bound
 * of the keyset is an index bound. */
#define SALES_FROM "customer_sales s"
#define NAME_FROM "customers c JOIN customer_sales s ON s.customer_id = c.id"
#define CUSTOMER_ROLLUP_COLS(KEY_TEXT)                                     \
    "SELECT s.customer_id, s.name, s.segment, s.country, s.orders,"       \
    "       round(s.revenue, 2)::text,"                                    \
    "       round(CASE WHEN s.orders > 0 THEN s.revenue / s.orders"        \
    "                  ELSE 0 END, 2)::text,"                              \
    "       " MP_SQL_TS("s.first_at") ", " MP_SQL_TS("s.last_at") ","     \
    "       " KEY_TEXT " AS sort_key,"

#define ROLLUP_SQL(KEY, TIE, KEY_TYPE, KEY_TEXT, DIR, CMP)                 \
    CUSTOMER_ROLLUP_COLS(KEY_TEXT)                                         \
    "       (SELECT coalesce(sum(customers), 0) FROM customer_counts"      \
    "         WHERE ($1::text IS NULL OR segment = $1::text)"              \
    "           AND ($2::text IS NULL OR country = $2::text))"             \
    "  FROM customer_sales s JOIN customers c ON c.id = s.customer_id"     \
    " WHERE ($1::text IS NULL OR c.segment = $1::text)"                    \
    "   AND ($2::text IS NULL OR c.country = $2::text)"                    \
    "   AND ($3::text IS NULL"                                             \
    "        OR (" KEY ", " TIE ") " CMP                                   \
    "           ($3::text::" KEY_TYPE ", $4::bigint))"                     \
    " ORDER BY " KEY " " DIR ", " TIE " " DIR                              \
    " LIMIT $5::bigint OFFSET $6::bigint"

/* ($1 cursor key, $2 cursor id, $3 rows) -> the columns of ROLLUP_SQL: a
 * cursor page of all customers (a cursor page has no offset), prepared
 * once per session with no filters to fold.  FROM is the walk's tables
 * (SALES_FROM or NAME_FROM).  The limit goes through a subquery
 * (MP_SQL_OPAQUE_LIMIT) so the plan cache keeps one generic plan;
 * customer_sales takes no parallel workers (migration 010), or that plan
 * would be a Gather Merge. */
#define KEYSET_SQL(FROM, KEY, TIE, KEY_TYPE, KEY_TEXT, DIR, CMP)           \
    CUSTOMER_ROLLUP_COLS(KEY_TEXT)                                         \
    "       (SELECT coalesce(sum(customers), 0) FROM customer_counts)"     \
    "  FROM " FROM                                                         \
    " WHERE (" KEY ", " TIE ") " CMP " ($1::text::" KEY_TYPE ", $2::bigint)" \
    " ORDER BY " KEY " " DIR ", " TIE " " DIR                              \
    " LIMIT " MP_SQL_OPAQUE_LIMIT("$3")

/* The SQL of a statement from a sort (BY_*) and an order (DESC, ASC):
 * these expand their arguments into the lists the *_SQL macros take. */
#define CUSTOMERS_DIRECT(...) DIRECT_SQL(__VA_ARGS__)
#define CUSTOMERS_ROLLUP(...) ROLLUP_SQL(__VA_ARGS__)
#define CUSTOMERS_KEYSET(...) KEYSET_SQL(__VA_ARGS__)
#define DESC "DESC", "<"
#define ASC "ASC", ">"

/* KEY_TEXT writes the key the way the cursor keeps it (a timestamp as
 * the UTC wall time the list rewrites to RFC 3339, -infinity for a
 * customer who never bought): equal in both forms, so a cursor stays
 * good when MarketPulseRollups changes. */
#define LAST_KEY(t) "coalesce(" t "last_at, '-infinity'::timestamptz)"
#define LAST_KEY_TEXT(t) MP_SQL_TS(LAST_KEY(t))

/* The sorts in the rollups: KEY, TIE, KEY_TYPE, KEY_TEXT */
#define BY_LTV "s.revenue", "s.customer_id", "numeric", "s.revenue::text"
#define BY_ORDERS "s.orders", "s.customer_id", "bigint", "s.orders::text"
#define BY_LAST LAST_KEY("s."), "s.customer_id", "timestamptz", \
                LAST_KEY_TEXT("s.")
#define BY_NAME "c.name", "c.id", "text", "c.name"
/* and over transactions: KEY, KEY_TYPE, KEY_TEXT (the tie is the id) */
#define BY_LTV_DIRECT "ltv", "numeric", "ltv::text"
#define BY_ORDERS_DIRECT "orders", "bigint", "orders::text"
#define BY_LAST_DIRECT LAST_KEY(""), "timestamptz", LAST_KEY_TEXT("")
#define BY_NAME_DIRECT "name", "text", "name"

const mp_stmt_t mp_q_customers_ltv_desc = {
    "customers_ltv_desc", MP_STMT_CUSTOMERS_LTV_DESC,
    CUSTOMERS_ROLLUP(BY_LTV, DESC), 6, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_customers_ltv_asc = {
    "customers_ltv_asc", MP_STMT_CUSTOMERS_LTV_ASC,
    CUSTOMERS_ROLLUP(BY_LTV, ASC), 6, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_customers_ltv_desc_keyset = {
    "customers_ltv_desc_keyset", MP_STMT_CUSTOMERS_LTV_DESC_KEYSET,
    CUSTOMERS_KEYSET(SALES_FROM, BY_LTV, DESC), 3, MP_PLAN_CACHED
};
const mp_stmt_t mp_q_customers_ltv_asc_keyset = {
    "customers_ltv_asc_keyset", MP_STMT_CUSTOMERS_LTV_ASC_KEYSET,
    CUSTOMERS_KEYSET(SALES_FROM, BY_LTV, ASC), 3, MP_PLAN_CACHED
};
const mp_stmt_t mp_q_customers_ltv_desc_direct = {
    "customers_ltv_desc_direct", MP_STMT_CUSTOMERS_LTV_DESC_DIRECT,
    CUSTOMERS_DIRECT(BY_LTV_DIRECT, DESC), 6, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_customers_ltv_asc_direct = {
    "customers_ltv_asc_direct", MP_STMT_CUSTOMERS_LTV_ASC_DIRECT,
    CUSTOMERS_DIRECT(BY_LTV_DIRECT, ASC), 6, MP_PLAN_PER_CALL
};

const mp_stmt_t mp_q_customers_orders_desc = {
    "customers_orders_desc", MP_STMT_CUSTOMERS_ORDERS_DESC,
    CUSTOMERS_ROLLUP(BY_ORDERS, DESC), 6, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_customers_orders_asc = {
    "customers_orders_asc", MP_STMT_CUSTOMERS_ORDERS_ASC,
    CUSTOMERS_ROLLUP(BY_ORDERS, ASC), 6, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_customers_orders_desc_keyset = {
    "customers_orders_desc_keyset", MP_STMT_CUSTOMERS_ORDERS_DESC_KEYSET,
    CUSTOMERS_KEYSET(SALES_FROM, BY_ORDERS, DESC), 3, MP_PLAN_CACHED
};
const mp_stmt_t mp_q_customers_orders_asc_keyset = {
    "customers_orders_asc_keyset", MP_STMT_CUSTOMERS_ORDERS_ASC_KEYSET,
    CUSTOMERS_KEYSET(SALES_FROM, BY_ORDERS, ASC), 3, MP_PLAN_CACHED
};
const mp_stmt_t mp_q_customers_orders_desc_direct = {
    "customers_orders_desc_direct", MP_STMT_CUSTOMERS_ORDERS_DESC_DIRECT,
    CUSTOMERS_DIRECT(BY_ORDERS_DIRECT, DESC), 6, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_customers_orders_asc_direct = {
    "customers_orders_asc_direct", MP_STMT_CUSTOMERS_ORDERS_ASC_DIRECT,
    CUSTOMERS_DIRECT(BY_ORDERS_DIRECT, ASC), 6, MP_PLAN_PER_CALL
};

const mp_stmt_t mp_q_customers_last_desc = {
    "customers_last_desc", MP_STMT_CUSTOMERS_LAST_DESC,
    CUSTOMERS_ROLLUP(BY_LAST, DESC), 6, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_customers_last_asc = {
    "customers_last_asc", MP_STMT_CUSTOMERS_LAST_ASC,
    CUSTOMERS_ROLLUP(BY_LAST, ASC), 6, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_customers_last_desc_keyset = {
    "customers_last_desc_keyset", MP_STMT_CUSTOMERS_LAST_DESC_KEYSET,
    CUSTOMERS_KEYSET(SALES_FROM, BY_LAST, DESC), 3, MP_PLAN_CACHED
};
const mp_stmt_t mp_q_customers_last_asc_keyset = {
    "customers_last_asc_keyset", MP_STMT_CUSTOMERS_LAST_ASC_KEYSET,
    CUSTOMERS_KEYSET(SALES_FROM, BY_LAST, ASC), 3, MP_PLAN_CACHED
};
const mp_stmt_t mp_q_customers_last_desc_direct = {
    "customers_last_desc_direct", MP_STMT_CUSTOMERS_LAST_DESC_DIRECT,
    CUSTOMERS_DIRECT(BY_LAST_DIRECT, DESC), 6, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_customers_last_asc_direct = {
    "customers_last_asc_direct", MP_STMT_CUSTOMERS_LAST_ASC_DIRECT,
    CUSTOMERS_DIRECT(BY_LAST_DIRECT, ASC), 6, MP_PLAN_PER_CALL
};

const mp_stmt_t mp_q_customers_name_desc = {
    "customers_name_desc", MP_STMT_CUSTOMERS_NAME_DESC,
    CUSTOMERS_ROLLUP(BY_NAME, DESC), 6, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_customers_name_asc = {
    "customers_name_asc", MP_STMT_CUSTOMERS_NAME_ASC,
    CUSTOMERS_ROLLUP(BY_NAME, ASC), 6, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_customers_name_desc_keyset = {
    "customers_name_desc_keyset", MP_STMT_CUSTOMERS_NAME_DESC_KEYSET,
    CUSTOMERS_KEYSET(NAME_FROM, BY_NAME, DESC), 3, MP_PLAN_CACHED
};
const mp_stmt_t mp_q_customers_name_asc_keyset = {
    "customers_name_asc_keyset", MP_STMT_CUSTOMERS_NAME_ASC_KEYSET,
    CUSTOMERS_KEYSET(NAME_FROM, BY_NAME, ASC), 3, MP_PLAN_CACHED
};
const mp_stmt_t mp_q_customers_name_desc_direct = {
    "customers_name_desc_direct", MP_STMT_CUSTOMERS_NAME_DESC_DIRECT,
    CUSTOMERS_DIRECT(BY_NAME_DIRECT, DESC), 6, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_customers_name_asc_direct = {
    "customers_name_asc_direct", MP_STMT_CUSTOMERS_NAME_ASC_DIRECT,
    CUSTOMERS_DIRECT(BY_NAME_DIRECT, ASC), 6, MP_PLAN_PER_CALL
};

/* ($1 id) -> one customer with analytics, or no row */
const mp_stmt_t mp_q_customer_by_id = {
    "customer_by_id", MP_STMT_CUSTOMER_BY_ID,
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
    1, MP_PLAN_CACHED
};
