/* SQL of /api/dashboard: totals of a date window, its five best sellers
 * and the daily trend of its last seven days, in one statement that
 * answers the whole JSON document (one round trip, one cached plan).
 * Both forms end in DASHBOARD_JSON over the same CTEs, so they can only
 * differ in the figures:
 *   win     (f, t)                the window
 *   totals  (revenue, orders, aov, completed, pending, cancelled,
 *            refunded)            money as text
 *   top     (id, sku, name, category, revenue, units, orders)
 *   trend   (day, revenue, orders, units) seven days, zeros filled in */
#include "queries.h"

#define TREND_DAYS "7"

#define DASHBOARD_JSON                                                     \
    " SELECT json_build_object('data', json_build_object("                 \
    "   'total_revenue', t.revenue, 'total_transactions', t.orders,"       \
    "   'avg_order_value', t.aov,"                                         \
    "   'status_counts', json_build_object("                               \
    "     'completed', t.completed, 'pending', t.pending,"                 \
    "     'cancelled', t.cancelled, 'refunded', t.refunded),"              \
    "   'period', json_build_object('from', w.f::text, 'to', w.t::text),"  \
    "   'top_products', coalesce((SELECT json_agg(json_build_object("      \
    "       'product_id', id, 'sku', sku, 'name', name,"                   \
    "       'category', category, 'revenue', round(revenue, 2)::text,"     \
    "       'units_sold', units, 'transaction_count', orders)"             \
    "       ORDER BY revenue DESC, id) FROM top), '[]'),"                  \
    "   'daily_trend', (SELECT json_agg(json_build_object("                \
    "       'date', day::text, 'revenue', round(revenue, 2)::text,"        \
    "       'transaction_count', orders, 'units_sold', units)"             \
    "       ORDER BY day) FROM trend)))::text"                             \
    "   FROM win w, totals t"

/* The days of the trend, each with what `sold` (day, revenue, orders,
 * units) has for it. */
#define TREND_FROM_SOLD                                                    \
    " trend AS ("                                                          \
    "  SELECT d::date AS day, coalesce(s.revenue, 0) AS revenue,"          \
    "         coalesce(s.orders, 0) AS orders,"                            \
    "         coalesce(s.units, 0) AS units"                               \
    "    FROM win w"                                                       \
    "   CROSS JOIN generate_series((w.t - (" TREND_DAYS " - 1))::timestamp,"\
    "                              w.t::timestamp, interval '1 day') d"    \
    "    LEFT JOIN sold s ON s.day = d::date)"

/* ($1 from, $2 to) -> the document.  Top products: a window that covers
 * every sale reads the all-time rollup; any other adds up whole months
 * and the days at either end, so a year costs ~8,000 rollup rows, not
 * millions. */
const mp_stmt_t mp_q_dashboard = {
    "dashboard", MP_STMT_DASHBOARD,
    "WITH " MP_SQL_WINDOW("$1", "$2", "NULL::int") ","
    " totals AS ("
    "  SELECT round(coalesce(sum(amount) FILTER"
    "                  (WHERE status = 'completed'), 0), 2)::text AS revenue,"
    "         coalesce(sum(orders), 0) AS orders,"
    "         round(coalesce(sum(amount) FILTER (WHERE status = 'completed')"
    "               / nullif(sum(orders) FILTER"
    "                          (WHERE status = 'completed'), 0), 0), 2)::text"
    "           AS aov,"
    "         coalesce(sum(orders) FILTER (WHERE status = 'completed'), 0)"
    "           AS completed,"
    "         coalesce(sum(orders) FILTER (WHERE status = 'pending'), 0)"
    "           AS pending,"
    "         coalesce(sum(orders) FILTER (WHERE status = 'cancelled'), 0)"
    "           AS cancelled,"
    "         coalesce(sum(orders) FILTER (WHERE status = 'refunded'), 0)"
    "           AS refunded"
    "    FROM sales_daily, win w"
    "   WHERE day BETWEEN w.f AND w.t),"
    " b AS ("
    "  SELECT w.f, w.t,"
    "         (date_trunc('month', w.f - 1) + interval '1 month')::date AS mf,"
    "         date_trunc('month', w.t + 1)::date AS mt,"
    "         w.f <= (SELECT min(day) FROM sales_daily)"
    "           AND w.t >= (SELECT max(day) FROM sales_daily) AS all_time"
    "    FROM win w),"
    " by_product AS ("
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
    "  SELECT p.id, p.sku, p.name, p.category, s.revenue, s.units, s.orders"
    "    FROM (SELECT product_id, sum(revenue) AS revenue,"
    "                 sum(units) AS units, sum(orders) AS orders"
    "            FROM by_product GROUP BY product_id HAVING sum(orders) > 0"
    "           ORDER BY revenue DESC, product_id LIMIT 5) s"
    "    JOIN products p ON p.id = s.product_id),"
    " sold AS ("
    "  SELECT day, amount AS revenue, orders, units"
    "    FROM sales_daily, win w"
    "   WHERE status = 'completed'"
    "     AND day BETWEEN w.t - (" TREND_DAYS " - 1) AND w.t),"
    TREND_FROM_SOLD
    DASHBOARD_JSON,
    2, MP_PLAN_CACHED
};

const mp_stmt_t mp_q_dashboard_direct = {
    "dashboard_direct", MP_STMT_DASHBOARD_DIRECT,
    "WITH " MP_SQL_WINDOW("$1", "$2", "NULL::int") ","
    " totals AS ("
    "  SELECT round(coalesce(sum(amount) FILTER"
    "                  (WHERE status = 'completed'), 0), 2)::text AS revenue,"
    "         count(*) AS orders,"
    "         round(coalesce(avg(amount) FILTER"
    "                  (WHERE status = 'completed'), 0), 2)::text AS aov,"
    "         count(*) FILTER (WHERE status = 'completed') AS completed,"
    "         count(*) FILTER (WHERE status = 'pending') AS pending,"
    "         count(*) FILTER (WHERE status = 'cancelled') AS cancelled,"
    "         count(*) FILTER (WHERE status = 'refunded') AS refunded"
    "    FROM transactions, win w"
    "   WHERE " MP_SQL_IN_DAYS("transaction_date", "w.f", "w.t") "),"
    " top AS ("
    "  SELECT p.id, p.sku, p.name, p.category, s.revenue, s.units, s.orders"
    "    FROM (SELECT product_id, sum(amount) AS revenue,"
    "                 sum(quantity) AS units, count(*) AS orders"
    "            FROM transactions, win w"
    "           WHERE status = 'completed'"
    "             AND " MP_SQL_IN_DAYS("transaction_date", "w.f", "w.t")
    "           GROUP BY product_id"
    "           ORDER BY revenue DESC, product_id"
    "           LIMIT 5) s"
    "    JOIN products p ON p.id = s.product_id),"
    " sold AS ("
    "  SELECT (transaction_date AT TIME ZONE 'UTC')::date AS day,"
    "         sum(amount) AS revenue, count(*) AS orders,"
    "         sum(quantity) AS units"
    "    FROM transactions, win w"
    "   WHERE status = 'completed'"
    "     AND " MP_SQL_IN_DAYS("transaction_date",
                               "(w.t - (" TREND_DAYS " - 1))", "w.t")
    "   GROUP BY 1),"
    TREND_FROM_SOLD
    DASHBOARD_JSON,
    2, MP_PLAN_PER_CALL
};
