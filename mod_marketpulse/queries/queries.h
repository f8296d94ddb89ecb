/* Every SQL statement of mod_marketpulse, declared by name.  The text
 * lives in one file per resource next to this header; handlers refer to
 * the statements, never to SQL.  All dates are UTC days; money leaves
 * PostgreSQL as text with two decimals. */
#ifndef MP_QUERIES_H
#define MP_QUERIES_H

#include "mp_db.h"

/* RFC 3339 UTC, to the second, for the client */
#define MP_SQL_TS(col) \
    "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
/* RFC 3339 UTC to the microsecond: exact keyset keys for cursors */
#define MP_SQL_TS_KEY(col) \
    "to_char(" col " AT TIME ZONE 'UTC', " \
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
/* col within the whole UTC days from..to (both ends included) */
#define MP_SQL_IN_DAYS(col, from, to) \
    col " >= " from "::date::timestamp AT TIME ZONE 'UTC' AND " \
    col " < (" to "::date + 1)::timestamp AT TIME ZONE 'UTC'"

/* health.c */
extern const mp_stmt_t mp_q_ping;

/* window.c: ($1 from, $2 to, $3 days back from to when from is NULL, or
 * NULL for "from the first transaction") -> from, to */
extern const mp_stmt_t mp_q_window;
/* ($1 last day, $2 number of days, $3 product id or NULL) -> one row per
 * day: date, revenue, transaction_count, units_sold */
extern const mp_stmt_t mp_q_daily_sales;

/* dashboard.c */
extern const mp_stmt_t mp_q_dashboard_totals;
extern const mp_stmt_t mp_q_dashboard_top_products;

/* revenue.c */
extern const mp_stmt_t mp_q_revenue_series;
extern const mp_stmt_t mp_q_revenue_totals;

/* customers.c: list statements by sort and order */
extern const mp_stmt_t mp_q_customers_ltv_desc, mp_q_customers_ltv_asc,
    mp_q_customers_orders_desc, mp_q_customers_orders_asc,
    mp_q_customers_last_desc, mp_q_customers_last_asc,
    mp_q_customers_name_desc, mp_q_customers_name_asc;
extern const mp_stmt_t mp_q_customer_by_id;

/* products.c */
extern const mp_stmt_t mp_q_products_revenue_desc, mp_q_products_revenue_asc,
    mp_q_products_units_desc, mp_q_products_units_asc,
    mp_q_products_name_desc, mp_q_products_name_asc;
extern const mp_stmt_t mp_q_product_by_id;

/* transactions.c */
extern const mp_stmt_t mp_q_transactions_list;

#endif
