/* SQL of /api/revenue: a series by day, ISO week or month, and its
 * totals.  Periods that sold nothing are in the series with zeros. */
#include "queries.h"

/* ($1 from, $2 to, $3 day|week|month, $4 most periods) -> the latest $4
 * periods in order; the last column is the first day they cover.  The
 * series starts no more than $4 periods before `to`, so a window of
 * centuries costs what a window of $4 periods does. */
const mp_stmt_t mp_q_revenue_series = {
    "revenue_series",
    "WITH bounds AS ("
    "  SELECT greatest($1::date,"
    "                  (date_trunc($3::text, $2::date::timestamp)"
    "                   - ($4::int - 1) * ('1 ' || $3::text)::interval)::date)"
    "           AS first_day),"
    " periods AS ("
    "  SELECT p::date AS start"
    "    FROM bounds,"
    "         generate_series(date_trunc($3::text, first_day::timestamp),"
    "                         date_trunc($3::text, $2::date::timestamp),"
    "                         ('1 ' || $3::text)::interval) p),"
    " covered AS ("
    "  SELECT greatest($1::date, min(start)) AS first_day FROM periods),"
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

const mp_stmt_t mp_q_revenue_totals = {
    "revenue_totals",
    "SELECT round(coalesce(sum(amount), 0), 2)::text, count(*),"
    "       round(coalesce(avg(amount), 0), 2)::text,"
    "       count(DISTINCT customer_id)"
    "  FROM transactions"
    " WHERE status = 'completed'"
    "   AND " MP_SQL_IN_DAYS("transaction_date", "$1", "$2"),
    2
};
