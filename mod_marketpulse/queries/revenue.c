/* SQL of /api/revenue: a series by day, ISO week or month over a date
 * window, and its totals, in one statement that answers the whole JSON
 * document.  Periods that sold nothing are in the series with zeros.
 * Both forms end in REVENUE_JSON over the same CTEs:
 *   covered (first_day, last_day)  the days the series covers
 *   points  (start, point)  the series, each point as the API shows it
 *           (mp_revenue_point, sql/migrations/008_revenue_days.sql)
 *   totals  (revenue, orders, aov, buyers)  over the covered days */
#include "queries.h"

/* ($1 from, $2 to, $3 day|week|month, $4 most periods, $5 days back
 * from to when from is NULL) -> the window, the latest $4 periods of it
 * (start) and the days they cover.  The series starts no more than $4
 * periods before `to`, so a window of centuries costs what a window of
 * $4 periods does.  The parameters are read through the `args` CTE so
 * that no plan depends on their values: PostgreSQL then keeps one cached
 * plan instead of planning every call (a custom plan looked cheaper). */
#define SERIES_PERIODS                                                      \
    "WITH args AS MATERIALIZED ("                                           \
    "  SELECT $1::date AS f, $2::date AS t, $3::text AS unit,"              \
    "         ('1 ' || $3::text)::interval AS step, $4::int AS periods,"    \
    "         $5::int AS days),"                                            \
    MP_SQL_WINDOW("(SELECT f FROM args)", "(SELECT t FROM args)",           \
                  "(SELECT days FROM args)") ","                            \
    " bounds AS ("                                                          \
    "  SELECT greatest(w.f, (date_trunc(a.unit, w.t::timestamp)"            \
    "                        - (a.periods - 1) * a.step)::date)"            \
    "           AS first_day, w.t"                                          \
    "    FROM win w, args a),"                                              \
    " periods AS ("                                                         \
    "  SELECT p::date AS start"                                             \
    "    FROM bounds b, args a,"                                            \
    "         generate_series(date_trunc(a.unit, b.first_day::timestamp),"  \
    "                         date_trunc(a.unit, b.t::timestamp), a.step) p),"\
    " covered AS MATERIALIZED ("                                            \
    "  SELECT greatest(w.f, (SELECT min(start) FROM periods)) AS first_day," \
    "         w.t AS last_day"                                              \
    "    FROM win w),"

#define REVENUE_JSON                                                        \
    " SELECT json_build_object('data', json_build_object("                  \
    "   'granularity', a.unit,"                            \
    "   'period', json_build_object('from', c.first_day::text,"             \
    "                               'to', c.last_day::text),"               \
    "   'series', coalesce((SELECT json_agg(point ORDER BY start)"          \
    "                         FROM points), '[]'),"                         \
    "   'totals', (SELECT json_build_object("                               \
    "       'total_revenue', revenue, 'transaction_count', orders,"         \
    "       'avg_transaction_value', aov, 'unique_customers', buyers)"      \
    "       FROM totals)))::text"                                           \
    "   FROM covered c, args a"

/* A day series reads its points from revenue_days (a day without sales
 * has none: a zero point).  Weeks and months are built: a period cut by
 * the window counts its buyers over the days inside it, a whole one
 * reads them from customer_periods. */
const mp_stmt_t mp_q_revenue = {
    "revenue", MP_STMT_REVENUE,
    SERIES_PERIODS
    " spans AS ("
    "  SELECT p.start, greatest(p.start, c.first_day) AS lo,"
    "         least((p.start + a.step)::date - 1, c.last_day) AS hi,"
    "         (p.start + a.step)::date - 1 AS period_end"
    "    FROM periods p, covered c, args a),"
    " sold AS ("
    "  SELECT date_trunc(a.unit, s.day::timestamp)::date AS start,"
    "         sum(s.amount) AS revenue, sum(s.orders) AS orders"
    "    FROM sales_daily s, covered c, args a"
    "   WHERE s.status = 'completed'"
    "     AND s.day BETWEEN c.first_day AND c.last_day"
    "   GROUP BY 1),"
    " series AS ("
    "  SELECT sp.start, s.revenue, s.orders,"
    "         CASE WHEN sp.lo = sp.start AND sp.hi = sp.period_end"
    "              THEN coalesce(cp.customers, 0)"
    "              ELSE (SELECT coalesce(sum(customers), 0)"
    "                      FROM customer_gaps"
    "                     WHERE later BETWEEN sp.lo AND sp.hi"
    "                       AND earlier < sp.lo) END AS buyers"
    "    FROM spans sp CROSS JOIN args a"
    "    LEFT JOIN sold s ON s.start = sp.start"
    "    LEFT JOIN customer_periods cp"
    "           ON cp.granularity = a.unit AND cp.start = sp.start),"
    " points AS ("
    "  SELECT p.start,"
    "         coalesce(r.point, mp_revenue_point(p.start, 0, 0, 0)) AS point"
    "    FROM periods p LEFT JOIN revenue_days r ON r.day = p.start"
    "   WHERE (SELECT unit FROM args) = 'day'"
    "  UNION ALL"
    "  SELECT start, mp_revenue_point(start, revenue, orders, buyers)"
    "    FROM series"
    "   WHERE (SELECT unit FROM args) <> 'day'),"
    " totals AS ("
    "  SELECT round(s.revenue, 2)::text AS revenue, s.orders,"
    "         round(coalesce(s.revenue / nullif(s.orders, 0), 0), 2)::text"
    "           AS aov,"
    "         " MP_SQL_BUYERS("c.first_day", "c.last_day", "e.first", "e.last")
    "           AS buyers"
    "    FROM (SELECT coalesce(sum(amount), 0) AS revenue,"
    "                 coalesce(sum(orders), 0) AS orders"
    "            FROM sales_daily, covered c"
    "           WHERE status = 'completed'"
    "             AND day BETWEEN c.first_day AND c.last_day) s,"
    "         covered c,"
    "         (SELECT min(day) AS first, max(day) AS last FROM sales_daily) e)"
    REVENUE_JSON,
    5, MP_PLAN_CACHED
};

const mp_stmt_t mp_q_revenue_direct = {
    "revenue_direct", MP_STMT_REVENUE_DIRECT,
    SERIES_PERIODS
    " sold AS ("
    "  SELECT date_trunc(a.unit, t.transaction_date AT TIME ZONE 'UTC')::date"
    "           AS start, t.amount, t.customer_id"
    "    FROM transactions t, covered c, args a"
    "   WHERE t.status = 'completed'"
    "     AND " MP_SQL_IN_DAYS("t.transaction_date", "c.first_day",
                               "c.last_day") "),"
    " series AS ("
    "  SELECT p.start, sum(s.amount) AS revenue, count(s.amount) AS orders,"
    "         count(DISTINCT s.customer_id) AS buyers"
    "    FROM periods p LEFT JOIN sold s ON s.start = p.start"
    "   GROUP BY p.start),"
    " points AS ("
    "  SELECT start, mp_revenue_point(start, revenue, orders, buyers) AS point"
    "    FROM series),"
    " totals AS ("
    "  SELECT round(coalesce(sum(amount), 0), 2)::text AS revenue,"
    "         count(amount) AS orders,"
    "         round(coalesce(avg(amount), 0), 2)::text AS aov,"
    "         count(DISTINCT customer_id) AS buyers"
    "    FROM sold)"
    REVENUE_JSON,
    5, MP_PLAN_PER_CALL
};
