/* Every SQL statement of mod_marketpulse, declared by name.  The text
 * lives in one file per resource next to this header; handlers refer to
 * the statements, never to SQL.  All dates are UTC days; money leaves
 * PostgreSQL as text with two decimals. */
#ifndef MP_QUERIES_H
#define MP_QUERIES_H

#include "mp_stmt.h"

/* A timestamptz for a row the module turns into JSON or CSV: the UTC
 * wall time, which our sessions print in DateStyle ISO and the column
 * kind MP_COL_TIMESTAMP rewrites as RFC 3339 (mp_timestamp.h); cursor
 * keys keep its microseconds.  (Documents PostgreSQL builds itself use
 * to_char.) */
#define MP_SQL_TS(col) "(" col ") AT TIME ZONE 'UTC'"
/* A LIMIT for a prepared page statement whose plan is the same for any
 * page size.  PostgreSQL plans a constant limit for its value but a
 * parameter's, in the generic plan, as a tenth of the rows: the generic
 * plan then looks dearer than every custom one and the plan cache plans
 * each call anew (about 0.2 ms of a 0.5 ms page).  Behind a subquery no
 * plan sees the value, so both cost the same and after five calls the
 * cache keeps the generic plan. */
#define MP_SQL_OPAQUE_LIMIT(param) "(SELECT " param "::bigint)"
/* col within the whole UTC days from..to (both ends included) */
#define MP_SQL_IN_DAYS(col, from, to) \
    col " >= " from "::date::timestamp AT TIME ZONE 'UTC' AND " \
    col " < (" to "::date + 1)::timestamp AT TIME ZONE 'UTC'"

/* The date window of a request as a CTE `win` (f, t) from the from and
 * to parameters (SQL expressions, NULL when not given) and, without from,
 * a number of days back from to (NULL: from the first sale).  Without to
 * the window ends on the latest day that has a transaction, so a dataset
 * that stopped last year still shows its last days, but never before
 * from: a window past the data is empty, not inverted. */
#define MP_SQL_WINDOW(from, to, days) \
    " win AS MATERIALIZED (" \
    "  WITH bounds AS (" \
    "    SELECT (min(transaction_date) AT TIME ZONE 'UTC')::date AS first_day," \
    "           (max(transaction_date) AT TIME ZONE 'UTC')::date AS last_day" \
    "      FROM transactions)," \
    "   ends AS (" \
    "    SELECT coalesce(" to "::date," \
    "                    greatest(coalesce(last_day," \
    "                                      (now() AT TIME ZONE 'UTC')::date)," \
    "                             " from "::date)) AS to_day," \
    "           first_day" \
    "      FROM bounds)" \
    "  SELECT CASE WHEN " from "::date IS NOT NULL THEN " from "::date" \
    "              WHEN " days " IS NOT NULL THEN to_day - (" days " - 1)" \
    "              ELSE least(coalesce(first_day, to_day), to_day) END AS f," \
    "         to_day AS t" \
    "    FROM ends)"

/* Customers who bought (completed) on a day in [lo, hi], from the
 * customer_gaps rollup: a gap entering the window or, equally, one leaving
 * it.  The side with fewer days beyond the window (first and last are
 * the first and last days with sales) has fewer gaps to add up, and they
 * are found through the index on that side's column.  The `+ 0` keeps
 * the other column off the index: a cached plan cannot know that the
 * window's side matches thousands of gaps and this side a few hundred. */
#define MP_SQL_BUYERS(lo, hi, first, last) \
    "CASE WHEN " lo " - " first " <= " last " - " hi \
    " THEN (SELECT coalesce(sum(customers), 0) FROM customer_gaps" \
    "        WHERE earlier < " lo \
    "          AND later + 0 BETWEEN " lo " AND " hi ")" \
    " ELSE (SELECT coalesce(sum(customers), 0) FROM customer_gaps" \
    "        WHERE later > " hi \
    "          AND earlier + 0 BETWEEN " lo " AND " hi ") END"

/* Every statement's slot: its index in mp_stmt_registry (registry.c)
 * and the value of its mp_stmt_t.slot, so figures can be kept in an
 * array per statement and listed by label. */
typedef enum {
    /* db.c */
    MP_STMT_SESSION_SETUP,
    MP_STMT_BEGIN,
    MP_STMT_COMMIT,
    MP_STMT_ROLLBACK,
    MP_STMT_LOCAL_TIMEOUT,
    /* health.c */
    MP_STMT_SCHEMA_TRACKED,
    MP_STMT_SCHEMA_DIFF,
    MP_STMT_SERVER,
    MP_STMT_ROLLUPS_IN_STEP,
    /* window.c */
    MP_STMT_WINDOW,
    MP_STMT_DAILY_SALES,
    MP_STMT_DAILY_SALES_DIRECT,
    /* dashboard.c */
    MP_STMT_DASHBOARD,
    MP_STMT_DASHBOARD_DIRECT,
    /* revenue.c */
    MP_STMT_REVENUE,
    MP_STMT_REVENUE_DIRECT,
    /* customers.c */
    MP_STMT_CUSTOMERS_LTV_DESC,
    MP_STMT_CUSTOMERS_LTV_ASC,
    MP_STMT_CUSTOMERS_LTV_DESC_DIRECT,
    MP_STMT_CUSTOMERS_LTV_ASC_DIRECT,
    MP_STMT_CUSTOMERS_ORDERS_DESC,
    MP_STMT_CUSTOMERS_ORDERS_ASC,
    MP_STMT_CUSTOMERS_ORDERS_DESC_DIRECT,
    MP_STMT_CUSTOMERS_ORDERS_ASC_DIRECT,
    MP_STMT_CUSTOMERS_LAST_DESC,
    MP_STMT_CUSTOMERS_LAST_ASC,
    MP_STMT_CUSTOMERS_LAST_DESC_DIRECT,
    MP_STMT_CUSTOMERS_LAST_ASC_DIRECT,
    MP_STMT_CUSTOMERS_NAME_DESC,
    MP_STMT_CUSTOMERS_NAME_ASC,
    MP_STMT_CUSTOMERS_NAME_DESC_DIRECT,
    MP_STMT_CUSTOMERS_NAME_ASC_DIRECT,
    MP_STMT_CUSTOMERS_LTV_DESC_KEYSET,
    MP_STMT_CUSTOMERS_LTV_ASC_KEYSET,
    MP_STMT_CUSTOMERS_ORDERS_DESC_KEYSET,
    MP_STMT_CUSTOMERS_ORDERS_ASC_KEYSET,
    MP_STMT_CUSTOMERS_LAST_DESC_KEYSET,
    MP_STMT_CUSTOMERS_LAST_ASC_KEYSET,
    MP_STMT_CUSTOMERS_NAME_DESC_KEYSET,
    MP_STMT_CUSTOMERS_NAME_ASC_KEYSET,
    MP_STMT_CUSTOMER_BY_ID,
    /* products.c */
    MP_STMT_PRODUCTS_REVENUE_DESC,
    MP_STMT_PRODUCTS_REVENUE_ASC,
    MP_STMT_PRODUCTS_REVENUE_DESC_DIRECT,
    MP_STMT_PRODUCTS_REVENUE_ASC_DIRECT,
    MP_STMT_PRODUCTS_UNITS_DESC,
    MP_STMT_PRODUCTS_UNITS_ASC,
    MP_STMT_PRODUCTS_UNITS_DESC_DIRECT,
    MP_STMT_PRODUCTS_UNITS_ASC_DIRECT,
    MP_STMT_PRODUCTS_NAME_DESC,
    MP_STMT_PRODUCTS_NAME_ASC,
    MP_STMT_PRODUCTS_NAME_DESC_DIRECT,
    MP_STMT_PRODUCTS_NAME_ASC_DIRECT,
    MP_STMT_PRODUCT_BY_ID,
    MP_STMT_PRODUCT_BY_ID_DIRECT,
    /* transactions.c */
    MP_STMT_TRANSACTIONS_LIST,
    MP_STMT_TRANSACTIONS_FEED,
    MP_STMT_TRANSACTIONS_EXPORT,
    MP_STMT_TRANSACTION_BY_ID,
    MP_STMT_TRANSACTIONS_INSERT,
    MP_STMT_TRANSACTIONS_INSERT_IDS,
    MP_STMT_TRANSACTIONS_MISSING,
    MP_STMT_TRANSACTION_SET_STATUS,
    /* idempotency.c */
    MP_STMT_IDEMPOTENCY_CLAIM,
    MP_STMT_IDEMPOTENCY_READ,
    MP_STMT_IDEMPOTENCY_STORE,
    MP_STMT_IDEMPOTENCY_PURGE,
    /* keys.c */
    MP_STMT_API_KEY,
    MP_STMT_COUNT
} mp_stmt_slot_t;

/* registry.c: every statement the module runs, by slot */
extern const mp_stmt_t *const mp_stmt_registry[MP_STMT_COUNT];

/* Statements are declared below with the names of their parameters (an
 * enum per statement or family: indexes into the params array, *_NPARAMS
 * its length) and of the result columns callers read by position.
 * t/unit/test_statements.c checks the counts against the statements. */

/* db.c: what the database layer runs itself */
extern const mp_stmt_t mp_q_session_setup;
extern const mp_stmt_t mp_q_begin;
extern const mp_stmt_t mp_q_commit;
extern const mp_stmt_t mp_q_rollback;
extern const mp_stmt_t mp_q_local_timeout;

/* health.c: the readiness probe and the database health */
extern const mp_stmt_t mp_q_schema_tracked;     /* -> one boolean */
/* (the expected versions as a text[]) -> kind ("missing" | "newer"),
 * version */
enum { MP_SCHEMA_EXPECTED, MP_SCHEMA_NPARAMS };
enum { MP_SCHEMA_COL_KIND, MP_SCHEMA_COL_VERSION };
extern const mp_stmt_t mp_q_schema_diff;
enum {
    MP_SERVER_COL_VERSION, MP_SERVER_COL_DATABASE, MP_SERVER_COL_RECOVERY,
    MP_SERVER_COL_CONNECTIONS, MP_SERVER_COL_MAX_CONNECTIONS
};
extern const mp_stmt_t mp_q_server;
enum {
    MP_ROLLUPS_COL_DAY, MP_ROLLUPS_COL_ORDERS, MP_ROLLUPS_COL_ROLLUP_ORDERS,
    MP_ROLLUPS_COL_AMOUNT, MP_ROLLUPS_COL_ROLLUP_AMOUNT
};
extern const mp_stmt_t mp_q_rollups_in_step;

/* Analytics statements come in two forms: mp_q_NAME reads the rollups,
 * mp_q_NAME_direct aggregates `transactions` (MarketPulseRollups Off,
 * and the baseline of the benchmarks and tests). */

/* window.c: (from, to, days back from to when from is NULL, or NULL for
 * "from the first transaction") -> from, to */
enum { MP_WINDOW_FROM, MP_WINDOW_TO, MP_WINDOW_DAYS, MP_WINDOW_NPARAMS };
enum { MP_WINDOW_COL_FROM, MP_WINDOW_COL_TO };
extern const mp_stmt_t mp_q_window;
/* (last day, number of days, product id or NULL) -> one row per day:
 * date, revenue, transaction_count, units_sold */
enum {
    MP_DAILY_SALES_LAST_DAY, MP_DAILY_SALES_DAYS, MP_DAILY_SALES_PRODUCT_ID,
    MP_DAILY_SALES_NPARAMS
};
extern const mp_stmt_t mp_q_daily_sales;
extern const mp_stmt_t mp_q_daily_sales_direct;

/* dashboard.c: (from, to) -> the document */
enum { MP_DASHBOARD_FROM, MP_DASHBOARD_TO, MP_DASHBOARD_NPARAMS };
extern const mp_stmt_t mp_q_dashboard;
extern const mp_stmt_t mp_q_dashboard_direct;

/* revenue.c: (from, to, day|week|month, most periods, days back from to
 * when from is NULL) -> the document */
enum {
    MP_REVENUE_FROM, MP_REVENUE_TO, MP_REVENUE_GRANULARITY,
    MP_REVENUE_PERIODS, MP_REVENUE_DAYS, MP_REVENUE_NPARAMS
};
extern const mp_stmt_t mp_q_revenue;
extern const mp_stmt_t mp_q_revenue_direct;

/* The list statements (customers_*, products_*, transactions_list and
 * transactions_feed) take their filters first (counted by their own
 * enum; none for a keyset or feed page), then the page: the cursor's key
 * and id (NULL for a first page), the rows to fetch and, where the list
 * has a total, the offset.  These count from the first parameter after
 * the filters. */
enum { MP_PAGE_AFTER_KEY, MP_PAGE_AFTER_ID, MP_PAGE_ROWS, MP_PAGE_OFFSET };

/* customers.c: list statements by sort and order, (segment, country,
 * then the page with offset) */
enum { MP_CUSTOMERS_SEGMENT, MP_CUSTOMERS_COUNTRY, MP_CUSTOMERS_NFILTERS };
extern const mp_stmt_t mp_q_customers_ltv_desc;
extern const mp_stmt_t mp_q_customers_ltv_asc;
extern const mp_stmt_t mp_q_customers_ltv_desc_direct;
extern const mp_stmt_t mp_q_customers_ltv_asc_direct;
extern const mp_stmt_t mp_q_customers_orders_desc;
extern const mp_stmt_t mp_q_customers_orders_asc;
extern const mp_stmt_t mp_q_customers_orders_desc_direct;
extern const mp_stmt_t mp_q_customers_orders_asc_direct;
extern const mp_stmt_t mp_q_customers_last_desc;
extern const mp_stmt_t mp_q_customers_last_asc;
extern const mp_stmt_t mp_q_customers_last_desc_direct;
extern const mp_stmt_t mp_q_customers_last_asc_direct;
extern const mp_stmt_t mp_q_customers_name_desc;
extern const mp_stmt_t mp_q_customers_name_asc;
extern const mp_stmt_t mp_q_customers_name_desc_direct;
extern const mp_stmt_t mp_q_customers_name_asc_direct;
/* cursor pages without filters, prepared: (the page without offset) */
extern const mp_stmt_t mp_q_customers_ltv_desc_keyset;
extern const mp_stmt_t mp_q_customers_ltv_asc_keyset;
extern const mp_stmt_t mp_q_customers_orders_desc_keyset;
extern const mp_stmt_t mp_q_customers_orders_asc_keyset;
extern const mp_stmt_t mp_q_customers_last_desc_keyset;
extern const mp_stmt_t mp_q_customers_last_asc_keyset;
extern const mp_stmt_t mp_q_customers_name_desc_keyset;
extern const mp_stmt_t mp_q_customers_name_asc_keyset;
extern const mp_stmt_t mp_q_customer_by_id;

/* products.c: list statements by sort and order, (category, then the
 * page with offset) */
enum { MP_PRODUCTS_CATEGORY, MP_PRODUCTS_NFILTERS };
extern const mp_stmt_t mp_q_products_revenue_desc;
extern const mp_stmt_t mp_q_products_revenue_asc;
extern const mp_stmt_t mp_q_products_revenue_desc_direct;
extern const mp_stmt_t mp_q_products_revenue_asc_direct;
extern const mp_stmt_t mp_q_products_units_desc;
extern const mp_stmt_t mp_q_products_units_asc;
extern const mp_stmt_t mp_q_products_units_desc_direct;
extern const mp_stmt_t mp_q_products_units_asc_direct;
extern const mp_stmt_t mp_q_products_name_desc;
extern const mp_stmt_t mp_q_products_name_asc;
extern const mp_stmt_t mp_q_products_name_desc_direct;
extern const mp_stmt_t mp_q_products_name_asc_direct;
extern const mp_stmt_t mp_q_product_by_id;
extern const mp_stmt_t mp_q_product_by_id_direct;

/* transactions.c: the list takes the filters, then the page without
 * offset; the export the filters only; the feed the page only. */
enum {
    MP_TXLIST_FROM, MP_TXLIST_TO, MP_TXLIST_STATUS, MP_TXLIST_CUSTOMER_ID,
    MP_TXLIST_PRODUCT_ID,
    MP_TXLIST_NFILTERS,
    MP_TXLIST_AFTER_KEY = MP_TXLIST_NFILTERS, MP_TXLIST_AFTER_ID,
    MP_TXLIST_ROWS,
    MP_TXLIST_NPARAMS
};
extern const mp_stmt_t mp_q_transactions_list;
extern const mp_stmt_t mp_q_transactions_feed;
extern const mp_stmt_t mp_q_transactions_export;
extern const mp_stmt_t mp_q_transaction_by_id;
extern const mp_stmt_t mp_q_transactions_insert;
extern const mp_stmt_t mp_q_transactions_insert_ids;
extern const mp_stmt_t mp_q_transactions_missing;
/* (id, status) */
enum { MP_TXSTATUS_ID, MP_TXSTATUS_STATUS, MP_TXSTATUS_NPARAMS };
extern const mp_stmt_t mp_q_transaction_set_status;

/* idempotency.c: claim (key, request hash, seconds to keep, API key id
 * or NULL); read (key)
 * -> request hash, status, body, location; store (key, status, body,
 * location) */
enum {
    MP_IDEM_CLAIM_KEY, MP_IDEM_CLAIM_HASH, MP_IDEM_CLAIM_TTL,
    MP_IDEM_CLAIM_OWNER, MP_IDEM_CLAIM_NPARAMS
};
enum {
    MP_IDEM_READ_COL_HASH, MP_IDEM_READ_COL_STATUS, MP_IDEM_READ_COL_BODY,
    MP_IDEM_READ_COL_LOCATION
};
enum {
    MP_IDEM_STORE_KEY, MP_IDEM_STORE_STATUS, MP_IDEM_STORE_BODY,
    MP_IDEM_STORE_LOCATION, MP_IDEM_STORE_NPARAMS
};
extern const mp_stmt_t mp_q_idempotency_claim;
extern const mp_stmt_t mp_q_idempotency_read;
extern const mp_stmt_t mp_q_idempotency_store;
extern const mp_stmt_t mp_q_idempotency_purge;

/* keys.c: (key id) -> its secret's hash, tier, scopes, revoked; no row
 * for an unknown id */
enum { MP_API_KEY_ID, MP_API_KEY_NPARAMS };
enum {
    MP_API_KEY_COL_HASH, MP_API_KEY_COL_TIER, MP_API_KEY_COL_SCOPES,
    MP_API_KEY_COL_REVOKED
};
extern const mp_stmt_t mp_q_api_key;

#endif
