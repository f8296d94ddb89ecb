/* SQL of /api/products: per-product performance over completed sales,
 * one list statement per sort and order as for customers. */
#include "queries.h"

/* ($1 category, $2 cursor key, $3 cursor id, $4 rows, $5 offset) ->
 * product columns, sort_key, total.  SALES is where the per-product
 * figures come from: the product_sales rollup, or `transactions`. */
#define SALES_ROLLUP \
    "SELECT product_id, units, revenue, orders FROM product_sales"
#define SALES_DIRECT \
    "SELECT product_id, sum(quantity) AS units, sum(amount) AS revenue," \
    "       count(*) AS orders" \
    "  FROM transactions WHERE status = 'completed' GROUP BY product_id"

#define PRODUCTS_LIST(SALES, KEY, KEY_TYPE, DIR, CMP)                       \
    "WITH sales AS (" SALES "),"                                           \
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

/* The SQL of a statement from the sales (SALES_*), a sort (BY_*) and an
 * order (DESC, ASC): this expands them into PRODUCTS_LIST's arguments. */
#define PRODUCTS(...) PRODUCTS_LIST(__VA_ARGS__)
#define BY_REVENUE "revenue", "numeric"
#define BY_UNITS "units", "bigint"
#define BY_NAME "name", "text"
#define DESC "DESC", "<"
#define ASC "ASC", ">"

const mp_stmt_t mp_q_products_revenue_desc = {
    "products_revenue_desc", MP_STMT_PRODUCTS_REVENUE_DESC,
    PRODUCTS(SALES_ROLLUP, BY_REVENUE, DESC), 5, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_products_revenue_asc = {
    "products_revenue_asc", MP_STMT_PRODUCTS_REVENUE_ASC,
    PRODUCTS(SALES_ROLLUP, BY_REVENUE, ASC), 5, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_products_units_desc = {
    "products_units_desc", MP_STMT_PRODUCTS_UNITS_DESC,
    PRODUCTS(SALES_ROLLUP, BY_UNITS, DESC), 5, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_products_units_asc = {
    "products_units_asc", MP_STMT_PRODUCTS_UNITS_ASC,
    PRODUCTS(SALES_ROLLUP, BY_UNITS, ASC), 5, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_products_name_desc = {
    "products_name_desc", MP_STMT_PRODUCTS_NAME_DESC,
    PRODUCTS(SALES_ROLLUP, BY_NAME, DESC), 5, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_products_name_asc = {
    "products_name_asc", MP_STMT_PRODUCTS_NAME_ASC,
    PRODUCTS(SALES_ROLLUP, BY_NAME, ASC), 5, MP_PLAN_PER_CALL
};

const mp_stmt_t mp_q_products_revenue_desc_direct = {
    "products_revenue_desc_direct", MP_STMT_PRODUCTS_REVENUE_DESC_DIRECT,
    PRODUCTS(SALES_DIRECT, BY_REVENUE, DESC), 5, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_products_revenue_asc_direct = {
    "products_revenue_asc_direct", MP_STMT_PRODUCTS_REVENUE_ASC_DIRECT,
    PRODUCTS(SALES_DIRECT, BY_REVENUE, ASC), 5, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_products_units_desc_direct = {
    "products_units_desc_direct", MP_STMT_PRODUCTS_UNITS_DESC_DIRECT,
    PRODUCTS(SALES_DIRECT, BY_UNITS, DESC), 5, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_products_units_asc_direct = {
    "products_units_asc_direct", MP_STMT_PRODUCTS_UNITS_ASC_DIRECT,
    PRODUCTS(SALES_DIRECT, BY_UNITS, ASC), 5, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_products_name_desc_direct = {
    "products_name_desc_direct", MP_STMT_PRODUCTS_NAME_DESC_DIRECT,
    PRODUCTS(SALES_DIRECT, BY_NAME, DESC), 5, MP_PLAN_PER_CALL
};
const mp_stmt_t mp_q_products_name_asc_direct = {
    "products_name_asc_direct", MP_STMT_PRODUCTS_NAME_ASC_DIRECT,
    PRODUCTS(SALES_DIRECT, BY_NAME, ASC), 5, MP_PLAN_PER_CALL
};

/* ($1 id) -> one product with its all-time performance, or no row */
const mp_stmt_t mp_q_product_by_id = {
    "product_by_id", MP_STMT_PRODUCT_BY_ID,
    "SELECT p.id, p.sku, p.name, p.category, p.unit_price::text,"
    "       coalesce(s.units, 0), round(coalesce(s.revenue, 0), 2)::text,"
    "       coalesce(s.orders, 0),"
    "       round(CASE WHEN s.units > 0 THEN s.revenue / s.units ELSE 0 END,"
    "             2)::text"
    "  FROM products p LEFT JOIN product_sales s ON s.product_id = p.id"
    " WHERE p.id = $1::bigint",
    1, MP_PLAN_CACHED
};

const mp_stmt_t mp_q_product_by_id_direct = {
    "product_by_id_direct", MP_STMT_PRODUCT_BY_ID_DIRECT,
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
    1, MP_PLAN_PER_CALL
};
