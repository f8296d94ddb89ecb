/* The statement registry: every statement the module runs, by slot,
 * so per-statement figures can be kept in arrays and listed by label.
 * t/unit/test_statements.c checks that every slot is filled by the
 * statement that names it. */
#include "queries.h"

const mp_stmt_t *const mp_stmt_registry[MP_STMT_COUNT] = {
    /* db.c */
    [MP_STMT_SESSION_SETUP] = &mp_q_session_setup,
    [MP_STMT_BEGIN] = &mp_q_begin,
    [MP_STMT_COMMIT] = &mp_q_commit,
    [MP_STMT_ROLLBACK] = &mp_q_rollback,
    [MP_STMT_LOCAL_TIMEOUT] = &mp_q_local_timeout,
    /* health.c */
    [MP_STMT_SCHEMA_TRACKED] = &mp_q_schema_tracked,
    [MP_STMT_SCHEMA_DIFF] = &mp_q_schema_diff,
    [MP_STMT_SERVER] = &mp_q_server,
    [MP_STMT_ROLLUPS_IN_STEP] = &mp_q_rollups_in_step,
    /* window.c */
    [MP_STMT_WINDOW] = &mp_q_window,
    [MP_STMT_DAILY_SALES] = &mp_q_daily_sales,
    [MP_STMT_DAILY_SALES_DIRECT] = &mp_q_daily_sales_direct,
    /* dashboard.c */
    [MP_STMT_DASHBOARD] = &mp_q_dashboard,
    [MP_STMT_DASHBOARD_DIRECT] = &mp_q_dashboard_direct,
    /* revenue.c */
    [MP_STMT_REVENUE] = &mp_q_revenue,
    [MP_STMT_REVENUE_DIRECT] = &mp_q_revenue_direct,
    /* customers.c */
    [MP_STMT_CUSTOMERS_LTV_DESC] = &mp_q_customers_ltv_desc,
    [MP_STMT_CUSTOMERS_LTV_ASC] = &mp_q_customers_ltv_asc,
    [MP_STMT_CUSTOMERS_LTV_DESC_DIRECT] = &mp_q_customers_ltv_desc_direct,
    [MP_STMT_CUSTOMERS_LTV_ASC_DIRECT] = &mp_q_customers_ltv_asc_direct,
    [MP_STMT_CUSTOMERS_ORDERS_DESC] = &mp_q_customers_orders_desc,
    [MP_STMT_CUSTOMERS_ORDERS_ASC] = &mp_q_customers_orders_asc,
    [MP_STMT_CUSTOMERS_ORDERS_DESC_DIRECT] =
        &mp_q_customers_orders_desc_direct,
    [MP_STMT_CUSTOMERS_ORDERS_ASC_DIRECT] = &mp_q_customers_orders_asc_direct,
    [MP_STMT_CUSTOMERS_LAST_DESC] = &mp_q_customers_last_desc,
    [MP_STMT_CUSTOMERS_LAST_ASC] = &mp_q_customers_last_asc,
    [MP_STMT_CUSTOMERS_LAST_DESC_DIRECT] = &mp_q_customers_last_desc_direct,
    [MP_STMT_CUSTOMERS_LAST_ASC_DIRECT] = &mp_q_customers_last_asc_direct,
    [MP_STMT_CUSTOMERS_NAME_DESC] = &mp_q_customers_name_desc,
    [MP_STMT_CUSTOMERS_NAME_ASC] = &mp_q_customers_name_asc,
    [MP_STMT_CUSTOMERS_NAME_DESC_DIRECT] = &mp_q_customers_name_desc_direct,
    [MP_STMT_CUSTOMERS_NAME_ASC_DIRECT] = &mp_q_customers_name_asc_direct,
    [MP_STMT_CUSTOMERS_LTV_DESC_KEYSET] = &mp_q_customers_ltv_desc_keyset,
    [MP_STMT_CUSTOMERS_LTV_ASC_KEYSET] = &mp_q_customers_ltv_asc_keyset,
    [MP_STMT_CUSTOMERS_ORDERS_DESC_KEYSET] =
        &mp_q_customers_orders_desc_keyset,
    [MP_STMT_CUSTOMERS_ORDERS_ASC_KEYSET] = &mp_q_customers_orders_asc_keyset,
    [MP_STMT_CUSTOMERS_LAST_DESC_KEYSET] = &mp_q_customers_last_desc_keyset,
    [MP_STMT_CUSTOMERS_LAST_ASC_KEYSET] = &mp_q_customers_last_asc_keyset,
    [MP_STMT_CUSTOMERS_NAME_DESC_KEYSET] = &mp_q_customers_name_desc_keyset,
    [MP_STMT_CUSTOMERS_NAME_ASC_KEYSET] = &mp_q_customers_name_asc_keyset,
    [MP_STMT_CUSTOMER_BY_ID] = &mp_q_customer_by_id,
    /* products.c */
    [MP_STMT_PRODUCTS_REVENUE_DESC] = &mp_q_products_revenue_desc,
    [MP_STMT_PRODUCTS_REVENUE_ASC] = &mp_q_products_revenue_asc,
    [MP_STMT_PRODUCTS_REVENUE_DESC_DIRECT] =
        &mp_q_products_revenue_desc_direct,
    [MP_STMT_PRODUCTS_REVENUE_ASC_DIRECT] = &mp_q_products_revenue_asc_direct,
    [MP_STMT_PRODUCTS_UNITS_DESC] = &mp_q_products_units_desc,
    [MP_STMT_PRODUCTS_UNITS_ASC] = &mp_q_products_units_asc,
    [MP_STMT_PRODUCTS_UNITS_DESC_DIRECT] = &mp_q_products_units_desc_direct,
    [MP_STMT_PRODUCTS_UNITS_ASC_DIRECT] = &mp_q_products_units_asc_direct,
    [MP_STMT_PRODUCTS_NAME_DESC] = &mp_q_products_name_desc,
    [MP_STMT_PRODUCTS_NAME_ASC] = &mp_q_products_name_asc,
    [MP_STMT_PRODUCTS_NAME_DESC_DIRECT] = &mp_q_products_name_desc_direct,
    [MP_STMT_PRODUCTS_NAME_ASC_DIRECT] = &mp_q_products_name_asc_direct,
    [MP_STMT_PRODUCT_BY_ID] = &mp_q_product_by_id,
    [MP_STMT_PRODUCT_BY_ID_DIRECT] = &mp_q_product_by_id_direct,
    /* transactions.c */
    [MP_STMT_TRANSACTIONS_LIST] = &mp_q_transactions_list,
    [MP_STMT_TRANSACTIONS_FEED] = &mp_q_transactions_feed,
    [MP_STMT_TRANSACTIONS_EXPORT] = &mp_q_transactions_export,
    [MP_STMT_TRANSACTION_BY_ID] = &mp_q_transaction_by_id,
    [MP_STMT_TRANSACTIONS_INSERT] = &mp_q_transactions_insert,
    [MP_STMT_TRANSACTIONS_INSERT_IDS] = &mp_q_transactions_insert_ids,
    [MP_STMT_TRANSACTIONS_MISSING] = &mp_q_transactions_missing,
    [MP_STMT_TRANSACTION_SET_STATUS] = &mp_q_transaction_set_status,
    /* idempotency.c */
    [MP_STMT_IDEMPOTENCY_CLAIM] = &mp_q_idempotency_claim,
    [MP_STMT_IDEMPOTENCY_READ] = &mp_q_idempotency_read,
    [MP_STMT_IDEMPOTENCY_STORE] = &mp_q_idempotency_store,
    [MP_STMT_IDEMPOTENCY_PURGE] = &mp_q_idempotency_purge,
    /* keys.c */
    [MP_STMT_API_KEY] = &mp_q_api_key,
};
