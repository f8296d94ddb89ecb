/* SQL of /api/dashboard: totals and the best sellers of a date window. */
#include "queries.h"

/* ($1 from, $2 to) -> revenue, count, average order, count per status */
const mp_stmt_t mp_q_dashboard_totals = {
    "dashboard_totals",
    "SELECT round(coalesce(sum(amount) FILTER"
    "                (WHERE status = 'completed'), 0), 2)::text,"
    "       coalesce(sum(orders), 0),"
    "       round(coalesce(sum(amount) FILTER (WHERE status = 'completed')"
    "             / nullif(sum(orders) FILTER"
    "                        (WHERE status = 'completed'), 0), 0), 2)::text,"
    "       coalesce(sum(orders) FILTER (WHERE status = 'completed'), 0),"
    "       coalesce(sum(orders) FILTER (WHERE status = 'pending'), 0),"
    "       coalesce(sum(orders) FILTER (WHERE status = 'cancelled'), 0),"
    "       coalesce(sum(orders) FILTER (WHERE status = 'refunded'), 0)"
    "  FROM sales_daily"
    " WHERE day BETWEEN $1::date AND $2::date",
    2
};

const mp_stmt_t mp_q_dashboard_totals_direct = {
    "dashboard_totals_direct",
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

/* ($1 from, $2 to) -> the five best sellers.  A window that covers every
 * sale reads the all-time rollup; any other adds up whole months and the
 * days at either end, so a year costs ~8,000 rollup rows, not millions. */
const mp_stmt_t mp_q_dashboard_top_products = {
    "dashboard_top_products",
    "WITH b AS ("
    "  SELECT $1::date AS f, $2::date AS t,"
    "         (date_trunc('month', $1::date - 1) + interval '1 month')::date"
    "           AS mf,"
    "         date_trunc('month', $2::date + 1)::date AS mt,"
    "         $1::date <= (SELECT min(day) FROM sales_daily)"
    "           AND $2::date >= (SELECT max(day) FROM sales_daily) AS all_time),"
    " sold AS ("
    "  SELECT s.product_id, s.revenue, s.units, s.orders"
    "    FROM product_sales s, b WHERE b.all_time"
    "  UNION ALL"
    "  SELECT m.product_id, m.revenue, m.units, m.orders"
    "    FROM product_monthly m, b"
    "   WHERE NOT b.all_time AND m.month >= b.mf AND m.month < b.mt"
    "  UNION ALL"
    "  SELECT d.product_id, d.revenue, d.units, d.orders"
    "    FROM product_daily d, b"
    "   WHERE NOT b.all_time AND d.day BETWEEN b.f AND b.t"
    "     AND (d.day < b.mf OR d.day >= b.mt)),"
    " top AS ("
    "  SELECT product_id, sum(revenue) AS revenue, sum(units) AS units,"
    "         sum(orders) AS orders"
    "    FROM sold GROUP BY product_id HAVING sum(orders) > 0"
    "   ORDER BY revenue DESC, product_id LIMIT 5)"
    " SELECT p.id, p.sku, p.name, p.category, round(top.revenue, 2)::text,"
    "        top.units, top.orders"
    "   FROM top JOIN products p ON p.id = top.product_id"
    "  ORDER BY top.revenue DESC, p.id",
    2
};

const mp_stmt_t mp_q_dashboard_top_products_direct = {
    "dashboard_top_products_direct",
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
