/* SQL of /api/revenue: a series by day, ISO week or month, and its
 * totals.  Periods that sold nothing are in the series with zeros. */
#include "queries.h"

/* The periods of a series: ($1 from, $2 to, $3 day|week|month, $4 most
 * periods) -> the latest $4 periods (start) and the first day they cover
 * (covered.first_day).  The series starts no more than $4 periods before
 * `to`, so a window of centuries costs what a window of $4 periods does. */
#define SERIES_PERIODS \
    "WITH bounds AS ("                                                      \
    "  SELECT greatest($1::date,"                                           \
    "                  (date_trunc($3::text, $2::date::timestamp)"          \
    "                   - ($4::int - 1) * ('1 ' || $3::text)::interval)::date)"\
    "           AS first_day),"                                             \
    " periods AS ("                                                         \
    "  SELECT p::date AS start"                                             \
    "    FROM bounds,"                                                      \
    "         generate_series(date_trunc($3::text, first_day::timestamp),"  \
    "                         date_trunc($3::text, $2::date::timestamp),"   \
    "                         ('1 ' || $3::text)::interval) p),"            \
    " covered AS ("                                                         \
    "  SELECT greatest($1::date, min(start)) AS first_day FROM periods),"

/* ... -> one row per period: start, revenue, count, average, buyers, and
 * the first day covered.  A period cut by the window counts its buyers
 * over the days inside it. */
const mp_stmt_t mp_q_revenue_series = {
    "revenue_series",
    SERIES_PERIODS
    " spans AS MATERIALIZED ("
    "  SELECT p.start, greatest(p.start, c.first_day) AS lo,"
    "         least((p.start + ('1 ' || $3::text)::interval)::date - 1,"
    "               $2::date) AS hi,"
    "         (p.start + ('1 ' || $3::text)::interval)::date - 1 AS period_end"
    "    FROM periods p CROSS JOIN covered c),"
    " sold AS MATERIALIZED ("
    "  SELECT date_trunc($3::text, s.day)::date AS start,"
    "         sum(s.amount) AS revenue, sum(s.orders) AS orders"
    "    FROM sales_daily s, covered c"
    "   WHERE s.status = 'completed' AND s.day BETWEEN c.first_day AND $2::date"
    "   GROUP BY 1)"
    " SELECT sp.start::text, round(coalesce(s.revenue, 0), 2)::text,"
    "        coalesce(s.orders, 0),"
    "        round(coalesce(s.revenue / nullif(s.orders, 0), 0), 2)::text,"
    "        CASE WHEN sp.lo = sp.start AND sp.hi = sp.period_end"
    "             THEN coalesce((SELECT customers FROM customer_periods"
    "                             WHERE granularity = $3::text"
    "                               AND start = sp.start), 0)"
    "             ELSE (SELECT coalesce(sum(customers), 0) FROM customer_gaps"
    "                    WHERE later BETWEEN sp.lo AND sp.hi"
    "                      AND earlier < sp.lo) END,"
    "        c.first_day::text"
    "   FROM spans sp CROSS JOIN covered c"
    "   LEFT JOIN sold s ON s.start = sp.start"
    "  ORDER BY sp.start",
    4
};

const mp_stmt_t mp_q_revenue_series_direct = {
    "revenue_series_direct",
    SERIES_PERIODS
    " sold AS ("
    "  SELECT date_trunc($3::text, t.transaction_date AT TIME ZONE 'UTC')::date"
    "           AS start, t.amount, t.customer_id"
    "    FROM transactions t, covered c"
    "   WHERE t.status = 'completed'"
    "     AND " MP_SQL_IN_DAYS("t.transaction_date", "c.first_day", "$2") ")"
    " SELECT p.start::text, round(coalesce(sum(s.amount), 0), 2)::text,"
    "        count(s.amount), round(coalesce(avg(s.amount), 0), 2)::text,"
    "        count(DISTINCT s.customer_id), c.first_day::text"
    "   FROM periods p CROSS JOIN covered c"
    "   LEFT JOIN sold s ON s.start = p.start"
    "  GROUP BY p.start, c.first_day"
    "  ORDER BY p.start",
    4
};

/* ($1 from, $2 to) -> revenue, count, average, buyers */
const mp_stmt_t mp_q_revenue_totals = {
    "revenue_totals",
    "WITH s AS ("
    "  SELECT coalesce(sum(amount), 0) AS revenue,"
    "         coalesce(sum(orders), 0) AS orders"
    "    FROM sales_daily"
    "   WHERE status = 'completed' AND day BETWEEN $1::date AND $2::date),"
    " e AS (SELECT min(day) AS first, max(day) AS last FROM sales_daily)"
    " SELECT round(s.revenue, 2)::text, s.orders,"
    "        round(coalesce(s.revenue / nullif(s.orders, 0), 0), 2)::text,"
    "        " MP_SQL_BUYERS("$1::date", "$2::date", "e.first", "e.last")
    "   FROM s, e",
    2
};

const mp_stmt_t mp_q_revenue_totals_direct = {
    "revenue_totals_direct",
    "SELECT round(coalesce(sum(amount), 0), 2)::text, count(*),"
    "       round(coalesce(avg(amount), 0), 2)::text,"
    "       count(DISTINCT customer_id)"
    "  FROM transactions"
    " WHERE status = 'completed'"
    "   AND " MP_SQL_IN_DAYS("transaction_date", "$1", "$2"),
    2
};
