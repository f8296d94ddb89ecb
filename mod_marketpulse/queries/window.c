/* SQL shared by the time-based resources: resolving a date window and a
 * day-by-day sales series with the days that sold nothing filled in. */
#include "queries.h"

const mp_stmt_t mp_q_window = {
    "window", MP_STMT_WINDOW,
    "WITH " MP_SQL_WINDOW("$1", "$2", "$3::int")
    " SELECT f::text, t::text FROM win",
    3, MP_PLAN_CACHED
};

/* Every day of the series with what `sold` (day, revenue, orders, units)
 * has for it, zeros for the days without sales. */
#define DAILY_SERIES                                                       \
    " SELECT d::date::text, round(coalesce(s.revenue, 0), 2)::text,"       \
    "        coalesce(s.orders, 0), coalesce(s.units, 0)"                  \
    "   FROM generate_series(($1::date - ($2::int - 1))::timestamp,"       \
    "                        $1::date::timestamp, interval '1 day') d"     \
    "   LEFT JOIN sold s ON s.day = d::date"                               \
    "  ORDER BY d"

/* ($1 last day, $2 number of days, $3 product id or NULL) */
const mp_stmt_t mp_q_daily_sales = {
    "daily_sales", MP_STMT_DAILY_SALES,
    "WITH sold AS ("
    "  SELECT day, amount AS revenue, orders, units FROM sales_daily"
    "   WHERE $3::bigint IS NULL AND status = 'completed'"
    "     AND day BETWEEN $1::date - ($2::int - 1) AND $1::date"
    "  UNION ALL"
    "  SELECT day, revenue, orders, units FROM product_daily"
    "   WHERE product_id = $3::bigint"
    "     AND day BETWEEN $1::date - ($2::int - 1) AND $1::date)"
    DAILY_SERIES,
    3, MP_PLAN_CACHED
};

const mp_stmt_t mp_q_daily_sales_direct = {
    "daily_sales_direct", MP_STMT_DAILY_SALES_DIRECT,
    "WITH sold AS ("
    "  SELECT (transaction_date AT TIME ZONE 'UTC')::date AS day,"
    "         sum(amount) AS revenue, count(*) AS orders,"
    "         sum(quantity) AS units"
    "    FROM transactions"
    "   WHERE status = 'completed'"
    "     AND ($3::bigint IS NULL OR product_id = $3::bigint)"
    "     AND " MP_SQL_IN_DAYS("transaction_date",
                               "($1::date - ($2::int - 1))", "$1") ""
    "   GROUP BY 1)"
    DAILY_SERIES,
    3, MP_PLAN_PER_CALL
};
