/* What every resource handler gets and may use.  A handler validates its
 * parameters, runs named statements and hands JSON to mp_response; it
 * knows nothing of SQL text, libpq or the cache. */
#ifndef MP_API_H
#define MP_API_H

#include "httpd.h"

#include "mp_config.h"
#include "mp_cursor.h"
#include "mp_db.h"
#include "mp_envelope.h"
#include "mp_json.h"
#include "mp_request.h"
#include "mp_response.h"
#include "mp_router.h"
#include "queries/queries.h"

struct mp_req {
    request_rec *r;
    const mp_dir_conf_t *conf;
    const char *path;          /* the route path: "/transactions" */
    const char *id;            /* the {id} path segment, or NULL */
    mp_params_t *params;       /* the decoded query string */
};

/* routes.c */
extern const mp_route_t mp_api_routes[];

/* One handler per endpoint, in one file per resource. */
int mp_api_health(mp_req_t *req);
int mp_api_ready(mp_req_t *req);
int mp_api_dashboard(mp_req_t *req);
int mp_api_revenue(mp_req_t *req);
int mp_api_customers(mp_req_t *req);
int mp_api_customer(mp_req_t *req);
int mp_api_products(mp_req_t *req);
int mp_api_product(mp_req_t *req);
int mp_api_transactions(mp_req_t *req);
int mp_api_transaction(mp_req_t *req);
int mp_api_transactions_create(mp_req_t *req);
int mp_api_transaction_update(mp_req_t *req);
int mp_api_transactions_export(mp_req_t *req);
int mp_api_openapi(mp_req_t *req);
int mp_api_docs(mp_req_t *req);
int mp_api_health_cache(mp_req_t *req);
int mp_api_admin_cache_clear(mp_req_t *req);
int mp_api_admin_profiling_reset(mp_req_t *req);
int mp_api_health_profiling(mp_req_t *req);
int mp_api_health_database(mp_req_t *req);
int mp_api_health_full(mp_req_t *req);

/* schema.c: the database's migrations against this build's */
typedef struct {
    mp_db_status_t status;     /* of reading them */
    int tracked;               /* schema_migrations exists */
    apr_array_header_t *missing, *newer;    /* of const char * versions */
} mp_schema_state_t;
void mp_api_schema_read(request_rec *r, mp_schema_state_t *out);
/* "current", "behind" (migrations missing), "untracked" (no
 * schema_migrations) or "unknown" (not read: see status) */
const char *mp_api_schema_status(const mp_schema_state_t *st);
json_t *mp_api_schema_json(const mp_schema_state_t *st);

/* health.c: how a database call ended, as a component's state: "up",
 * "busy", "timeout", "down" or "error" */
const char *mp_api_db_state(mp_db_status_t st);

/* The parts of /api/health/full, each also an endpoint of its own; each
 * sets *status to "ok", "degraded" or "down". */
json_t *mp_api_cache_part(request_rec *r, const char **status);
json_t *mp_api_database_part(mp_req_t *req, const char **status);
json_t *mp_api_profiling_part(request_rec *r);

/* admin.c: 1 where MarketPulseAdmin On is in effect, else 0 with *pb
 * (403).  The internals (profiling, deep health) answer only there. */
int mp_api_admin_allowed(mp_req_t *req, mp_problem_t *pb);

/* transactions.c: transaction rows as every endpoint shows them, the
 * MP_API_TRANSACTION_COLS columns every transaction statement selects */
#define MP_API_TRANSACTION_COLS 9
extern const mp_col_t mp_api_transaction_cols[MP_API_TRANSACTION_COLS];
json_t *mp_api_transaction_rows(const mp_rows_t *rows, int max_rows);
json_t *mp_api_transaction_object(const mp_rows_t *rows, int row);
/* Reads the list filters (from, to, status, customer_id, product_id)
 * into filters[MP_TXLIST_NFILTERS], in the order the list and export
 * statements take them. */
void mp_api_transaction_filters(mp_params_t *ps, const char **filters);

/* list.c: the paginated lists (customers, products, transactions) */
typedef struct {
    const char *name;          /* the public sort name */
    mp_key_kind_t key_kind;
    const char *default_order;
    const mp_stmt_t *desc, *asc;   /* asc NULL: only the default order */
    const mp_stmt_t *desc_direct, *asc_direct;  /* MarketPulseRollups Off */
} mp_sort_t;

/* Of an analytics statement's two forms, the one this request runs: the
 * rollup form, or the direct one where MarketPulseRollups is Off. */
static inline const mp_stmt_t *mp_api_stmt(const mp_req_t *req,
                                           const mp_stmt_t *rollups,
                                           const mp_stmt_t *direct)
{
    return mp_conf_rollups(req->conf) ? rollups : direct;
}

/* A list: its sorts (the first is the default; ends with a NULL name),
 * its columns, and where the sort key and the total are among them.
 * Its statements take the filters, then cursor key, cursor id, rows to
 * fetch and, for offset lists (total_col >= 0), the offset. */
typedef struct {
    const mp_sort_t *sorts;
    const mp_col_t *cols;
    int ncols;
    int key_col;
    int total_col;             /* -1: a cursor-only list without total */
} mp_list_t;

/* Validates limit, offset, cursor, sort and order on top of the filters
 * the handler has read (their errors already recorded), runs the page
 * and answers with data and pagination. */
int mp_list_respond(mp_req_t *req, const mp_list_t *list,
                    const char *const *filters, int nfilters);

/* The one row of stmt (which takes the id) for the {id} path segment.
 * Returns 1 with *one set, or 0 with *pb: 422 for an id that is not a
 * positive integer, 404 naming `what`, 503/500 from the database. */
int mp_fetch_by_id(mp_req_t *req, const mp_stmt_t *stmt, const char *what,
                   mp_rows_t **one, mp_problem_t *pb);

#endif
