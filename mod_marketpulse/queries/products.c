/* SQL of /api/products: per-product performance over completed sales,
 * one list statement per sort and order as for customers. */
#include "queries.h"

/* ($1 category, $2 cursor key, $3 cursor id, $4 rows, $5 offset) ->
 * product columns, sort_key, total */
#define PRODUCTS_LIST(KEY, KEY_TYPE, DIR, CMP)                              \
    "WITH sales AS ("                                                      \
    "  SELECT product_id, sum(quantity) AS units, sum(amount) AS revenue," \
    "         count(*) AS orders"                                          \
    "    FROM transactions WHERE status = 'completed'"                     \
    "   GROUP BY product_id),"                                             \
    " base AS ("                                                           \
    "  SELECT p.id, p.sku, p.name, p.category,"                            \
    "         coalesce(s.units, 0) AS units,"                              \
    "         coalesce(s.revenue, 0) AS revenue,"                          \
    "         coalesce(s.orders, 0) AS orders, count(*) OVER () AS total"  \
    "    FROM products p LEFT JOIN sales s ON s.product_id = p.id"         \
    "   WHERE $1::text IS NULL OR p.category = $1::text)"                  \
    " SELECT id, sku, name, category, units, round(revenue, 2)::text,"     \
    "        orders,"                                                      \
    "        round(CASE WHEN units > 0 THEN revenue / units ELSE 0 END,"   \
    "              2)::text,"                                              \
    "        " KEY "::text AS sort_key, total"                                       \
    "   FROM base"                                                         \
    "  WHERE $2::text IS NULL"                                             \
    "     OR (" KEY ", id) " CMP " ($2::text::" KEY_TYPE ", $3::bigint)"   \
    "  ORDER BY " KEY " " DIR ", id " DIR                                  \
    "  LIMIT $4::bigint OFFSET $5::bigint"

#define PRODUCTS_STMT(name, KEY, KEY_TYPE)                                 \
    const mp_stmt_t mp_q_products_##name##_desc = {                        \
        "products_" #name "_desc",                                         \
        PRODUCTS_LIST(KEY, KEY_TYPE, "DESC", "<"), 5                       \
    };                                                                     \
    const mp_stmt_t mp_q_products_##name##_asc = {                         \
        "products_" #name "_asc",                                          \
        PRODUCTS_LIST(KEY, KEY_TYPE, "ASC", ">"), 5                        \
    }

PRODUCTS_STMT(revenue, "revenue", "numeric");
PRODUCTS_STMT(units, "units", "bigint");
PRODUCTS_STMT(name, "name", "text");

/* ($1 id) -> one product with its all-time performance, or no row */
const mp_stmt_t mp_q_product_by_id = {
    "product_by_id",
    "SELECT p.id, p.sku, p.name, p.category, p.unit_price::text,"
    "       coalesce(sum(t.quantity), 0),"
    "       round(coalesce(sum(t.amount), 0), 2)::text, count(t.id),"
    "       round(CASE WHEN sum(t.quantity) > 0"
    "                  THEN sum(t.amount) / sum(t.quantity) ELSE 0 END,"
    "             2)::text"
    "  FROM products p"
    "  LEFT JOIN transactions t"
    "         ON t.product_id = p.id AND t.status = 'completed'"
    " WHERE p.id = $1::bigint"
    " GROUP BY p.id",
    1
};
