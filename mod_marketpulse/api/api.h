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
int mp_api_openapi(mp_req_t *req);

/* transactions.c: transaction rows as the lists show them */
json_t *mp_api_transaction_rows(const mp_rows_t *rows, int max_rows);

/* list.c: limit, offset and cursor of the paginated lists */
typedef struct {
    const char *name;          /* the public sort name */
    mp_key_kind_t key_kind;
    const char *default_order;
    const mp_stmt_t *desc, *asc;
} mp_sort_t;

typedef struct {
    long limit;
    long offset;               /* -1 on a cursor list */
    const char *sort, *order;
    const char *after_key;     /* from the cursor, or NULL */
    const char *after_id;
    const char *fetch;         /* limit + 1, as text: one more tells has_more */
    const char *offset_text;
} mp_page_t;

/* Reads sort (one of sorts, which ends with a NULL name), order, limit,
 * offset (when offset_allowed) and cursor; returns the statement to run,
 * or NULL when a parameter was bad (the errors are recorded). */
const mp_stmt_t *mp_page_parse(mp_req_t *req, const mp_sort_t *sorts,
                               int offset_allowed, mp_page_t *page);
/* Runs a list statement whose argument offset_arg is the offset and whose
 * column total_col is the total; *total is right even for an offset past
 * the end, where no row carries it. */
mp_db_status_t mp_page_fetch(mp_req_t *req, const mp_page_t *page,
                             const mp_stmt_t *stmt, const char **args,
                             int offset_arg, int total_col, mp_rows_t **rows,
                             long long *total);
/* The pagination object of a fetched page.  id_col and key_col name the
 * columns holding the row id and the sort key; total_col the total
 * (offset lists only, -1 for none). */
json_t *mp_page_result(mp_req_t *req, const mp_page_t *page,
                       const mp_rows_t *rows, int id_col, int key_col,
                       long long total);
/* Parses the {id} path segment: 1 when valid, else 0 (a 422 was sent). */
int mp_path_id(mp_req_t *req, int *done);

#endif
