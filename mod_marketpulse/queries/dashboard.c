/* SQL of /api/dashboard: totals and the best sellers of a date window. */
#include "queries.h"

const mp_stmt_t mp_q_dashboard_totals = {
    "dashboard_totals",
    "SELECT round(coalesce(sum(amount) FILTER"
    "                (WHERE status = 'completed'), 0), 2)::text,"
    "       count(*),"
    "       round(coalesce(avg(amount) FILTER"
    "                (WHERE status = 'completed'), 0), 2)::text,"
    "       count(*) FILTER (WHERE status = 'completed'),"
    "       count(*) FILTER (WHERE status = 'pending'),"
    "       count(*) FILTER (WHERE status = 'cancelled'),"
    "       count(*) FILTER (WHERE status = 'refunded')"
    "  FROM transactions"
    " WHERE " MP_SQL_IN_DAYS("transaction_date", "$1", "$2"),
    2
};

const mp_stmt_t mp_q_dashboard_top_products = {
    "dashboard_top_products",
    "SELECT p.id, p.sku, p.name, p.category,"
    "       round(s.revenue, 2)::text, s.units, s.orders"
    "  FROM (SELECT product_id, sum(amount) AS revenue,"
    "               sum(quantity) AS units, count(*) AS orders"
    "          FROM transactions"
    "         WHERE status = 'completed'"
    "           AND " MP_SQL_IN_DAYS("transaction_date", "$1", "$2")
    "         GROUP BY product_id"
    "         ORDER BY revenue DESC, product_id"
    "         LIMIT 5) s"
    "  JOIN products p ON p.id = s.product_id"
    " ORDER BY s.revenue DESC, p.id",
    2
};
