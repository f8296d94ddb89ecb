/* The route table: every endpoint of the API, relative to the mount
 * point (and to its /v1 alias).  The OpenAPI document lists the same. */
#include "api.h"

const mp_route_t mp_api_routes[] = {
    {"GET", "/health", mp_api_health},
    {"GET", "/health/live", mp_api_health},
    {"GET", "/ready", mp_api_ready},
    {"GET", "/dashboard", mp_api_dashboard},
    {"GET", "/revenue", mp_api_revenue},
    {"GET", "/customers", mp_api_customers},
    {"GET", "/customers/{id}", mp_api_customer},
    {"GET", "/products", mp_api_products},
    {"GET", "/products/{id}", mp_api_product},
    {"GET", "/transactions", mp_api_transactions},
    {"GET", "/openapi.json", mp_api_openapi},
    {NULL, NULL, NULL}
};
