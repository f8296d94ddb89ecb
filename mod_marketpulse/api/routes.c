/* The route table: every endpoint of the API, relative to the mount
 * point (and to its /v1 alias).  The OpenAPI document lists the same. */
#include "api.h"

/* Short names for the table's last column. */
#define OPEN  MP_ROUTE_PUBLIC
#define ADMIN MP_ROUTE_ADMIN

const mp_route_t mp_api_routes[] = {
    {"GET", "/health", mp_api_health, MP_CACHE_NONE, OPEN},
    {"GET", "/health/live", mp_api_health, MP_CACHE_NONE, OPEN},
    {"GET", "/health/cache", mp_api_health_cache, MP_CACHE_NONE, 0},
    {"GET", "/ready", mp_api_ready, MP_CACHE_NONE, OPEN},
    {"GET", "/dashboard", mp_api_dashboard, MP_CACHE_DASHBOARD, 0},
    {"GET", "/revenue", mp_api_revenue, MP_CACHE_REVENUE, 0},
    {"GET", "/customers", mp_api_customers, MP_CACHE_CUSTOMERS, 0},
    {"GET", "/customers/{id}", mp_api_customer, MP_CACHE_CUSTOMERS, 0},
    {"GET", "/products", mp_api_products, MP_CACHE_PRODUCTS, 0},
    {"GET", "/products/{id}", mp_api_product, MP_CACHE_PRODUCTS, 0},
    {"GET", "/transactions", mp_api_transactions, MP_CACHE_TRANSACTIONS, 0},
    {"POST", "/transactions", mp_api_transactions_create, MP_CACHE_NONE, 0},
    {"GET", "/transactions/export", mp_api_transactions_export,
     MP_CACHE_NONE, 0},
    {"GET", "/transactions/{id}", mp_api_transaction, MP_CACHE_TRANSACTIONS,
     0},
    {"PATCH", "/transactions/{id}", mp_api_transaction_update,
     MP_CACHE_NONE, 0},
    {"GET", "/openapi.json", mp_api_openapi, MP_CACHE_NONE, OPEN},
    {"GET", "/docs", mp_api_docs, MP_CACHE_NONE, OPEN},
    {"GET", "/health/profiling", mp_api_health_profiling, MP_CACHE_NONE,
     ADMIN},
    {"GET", "/health/database", mp_api_health_database, MP_CACHE_NONE,
     ADMIN},
    {"GET", "/health/full", mp_api_health_full, MP_CACHE_NONE, ADMIN},
    {"POST", "/admin/cache/clear", mp_api_admin_cache_clear, MP_CACHE_NONE,
     ADMIN},
    {"POST", "/admin/profiling/reset", mp_api_admin_profiling_reset,
     MP_CACHE_NONE, ADMIN},
    {NULL, NULL, NULL, MP_CACHE_NONE, 0}
};
