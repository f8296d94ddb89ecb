/* Pagination shared by the lists: offset pages with a total, and keyset
 * cursors that carry the sort they were made for. */
#include <string.h>

#include "apr_strings.h"

#include "api.h"
#include "mp_timestamp.h"

typedef struct {
    long limit;
    long offset;               /* -1 on a cursor list */
    const char *sort, *order;
    mp_key_kind_t key_kind;
    const char *after_key;     /* from the cursor, or NULL */
    const char *after_id;
} page_t;

static const char *const both_orders[] = {"asc", "desc", NULL};

#define COL_ID 0               /* every list's rows start with their id */

static const mp_sort_t *find_sort(const mp_sort_t *sorts, const char *name)
{
    for (; sorts->name; sorts++) {
        if (strcmp(sorts->name, name) == 0) {
            return sorts;
        }
    }
    return NULL;
}

static void read_cursor(mp_req_t *req, const mp_sort_t *sort,
                        const char *order, page_t *page)
{
    mp_params_t *ps = req->params;
    const char *text;
    mp_cursor_t c;

    switch (mp_param_text(ps, "cursor", MP_CURSOR_MAX_LEN, &text)) {
    case 0:
        return;
    case -1:
        ps->bad_cursor = 1;     /* empty, too long or repeated: still 400 */
        return;
    }
    if (!mp_cursor_decode(req->r->pool, text, &c)) {
        ps->bad_cursor = 1;
        mp_params_fail(ps, "cursor", "is not a cursor this API issued");
    }
    else if (strcmp(c.sort, sort->name) != 0 || strcmp(c.order, order)) {
        ps->bad_cursor = 1;
        mp_params_fail(ps, "cursor", apr_psprintf(req->r->pool,
                       "was issued for sort=%s&order=%s", c.sort, c.order));
    }
    else if (!mp_cursor_key_valid(sort->key_kind, c.key)) {
        ps->bad_cursor = 1;
        mp_params_fail(ps, "cursor", "is not a cursor this API issued");
    }
    else {
        page->after_key = c.key;
        page->after_id = c.id;
        page->offset = -1;
    }
}

static const mp_stmt_t *page_parse(mp_req_t *req, const mp_sort_t *sorts,
                                   int offset_allowed, page_t *page)
{
    mp_params_t *ps = req->params;
    const char **names = apr_palloc(req->r->pool, sizeof(char *) * 16);
    const mp_sort_t *sort;
    const char *name, *order;
    int n = 0, given_offset = 0;

    memset(page, 0, sizeof(*page));
    for (const mp_sort_t *s = sorts; s->name && n < 15; s++) {
        names[n++] = s->name;
    }
    names[n] = NULL;
    mp_param_enum(ps, "sort", names, sorts[0].name, &name);
    sort = find_sort(sorts, name);
    if (sort->asc && sort->desc) {
        mp_param_enum(ps, "order", both_orders, sort->default_order, &order);
    }
    else {
        const char *only[2] = { sort->default_order, NULL };

        mp_param_enum(ps, "order", only, sort->default_order, &order);
    }
    mp_param_int(ps, "limit", mp_conf_page_size(req->conf), 1,
                 mp_conf_max_page_size(req->conf), &page->limit);
    if (offset_allowed) {
        given_offset = mp_param_int(ps, "offset", 0, 0, 1000000000L,
                                    &page->offset) > 0;
    }
    else if (apr_table_get(ps->args, "offset")) {
        mp_params_fail(ps, "offset", "is not supported here: use cursor");
    }
    read_cursor(req, sort, order, page);
    if (page->after_key && given_offset) {
        mp_params_fail(ps, "offset", "cannot be combined with cursor");
    }
    if (!offset_allowed) {
        page->offset = -1;       /* cursor lists: no offset, no total */
    }
    page->sort = sort->name;
    page->key_kind = sort->key_kind;
    page->order = order;
    if (!mp_params_ok(ps)) {
        return NULL;
    }
    return strcmp(order, "asc") == 0
           ? mp_api_stmt(req, sort->asc, sort->asc_direct)
           : mp_api_stmt(req, sort->desc, sort->desc_direct);
}

/* Runs a list statement; *total is right even for an offset past the
 * end, where no row carries it. */
static mp_db_status_t page_fetch(mp_req_t *req, const page_t *page,
                                 const mp_stmt_t *stmt, const char **args,
                                 int offset_arg, int total_col,
                                 mp_rows_t **rows, long long *total)
{
    mp_db_status_t st = mp_db_select(req->r, stmt, args, rows);

    *total = 0;
    if (st == MP_DB_OK && (*rows)->nrows == 0 && page->offset > 0) {
        mp_rows_t *first;

        args[offset_arg] = "0";
        st = mp_db_select(req->r, stmt, args, &first);
        if (st == MP_DB_OK && first->nrows > 0) {
            *total = apr_atoi64(mp_cell(first, 0, total_col));
        }
    }
    else if (st == MP_DB_OK && (*rows)->nrows > 0) {
        *total = apr_atoi64(mp_cell(*rows, 0, total_col));
    }
    return st;
}

/* The key of the last row as the cursor keeps it: a timestamp comes as
 * PostgreSQL printed it (MP_SQL_TS) and is kept to the microsecond. */
static const char *cursor_key(apr_pool_t *p, const page_t *page,
                              const char *cell)
{
    char ts[MP_TS_MAX];

    if (page->key_kind == MP_KEY_TIMESTAMP && mp_ts_rfc3339(cell, 1, ts)) {
        return apr_pstrdup(p, ts);
    }
    return cell;
}

static json_t *page_result(mp_req_t *req, const page_t *page,
                           const mp_rows_t *rows, int id_col, int key_col,
                           long long total)
{
    int has_more = rows->nrows > page->limit;
    const char *next = NULL;

    if (has_more) {
        mp_cursor_t c;
        int last = (int)page->limit - 1;

        c.sort = page->sort;
        c.order = page->order;
        c.key = cursor_key(req->r->pool, page,
                           mp_cell(rows, last, key_col));
        c.id = mp_cell(rows, last, id_col);
        next = mp_cursor_encode(req->r->pool, &c);
    }
    return mp_pagination(page->limit, page->offset, total, next, has_more);
}

int mp_list_respond(mp_req_t *req, const mp_list_t *list,
                    const char *const *filters, int nfilters)
{
    int with_offset = list->total_col >= 0;
    const char **args = apr_palloc(req->r->pool, sizeof(char *)
                                   * (size_t)(nfilters + MP_PAGE_OFFSET + 1));
    const mp_stmt_t *stmt;
    page_t page;
    mp_rows_t *rows;
    mp_db_status_t st;
    long long total = 0;

    stmt = page_parse(req, list->sorts, with_offset, &page);
    if (stmt == NULL) {
        return mp_respond_invalid(req->r, req->params);
    }
    memcpy(args, filters, sizeof(char *) * (size_t)nfilters);
    args[nfilters + MP_PAGE_AFTER_KEY] = page.after_key;
    args[nfilters + MP_PAGE_AFTER_ID] = page.after_id;
    /* one row more than the page tells whether there is a next one */
    args[nfilters + MP_PAGE_ROWS] = apr_ltoa(req->r->pool, page.limit + 1);
    if (with_offset) {
        args[nfilters + MP_PAGE_OFFSET] =
            apr_ltoa(req->r->pool, page.offset > 0 ? page.offset : 0);
        st = page_fetch(req, &page, stmt, args, nfilters + MP_PAGE_OFFSET,
                        list->total_col, &rows, &total);
    }
    else {
        st = mp_db_select(req->r, stmt, args, &rows);
    }
    if (st != MP_DB_OK) {
        return mp_respond_db_error(req->r, st);
    }
    mp_db_release(req->r);
    return mp_respond_data(req->r, mp_json_rows(rows, (int)page.limit,
                                                list->cols, list->ncols),
                           page_result(req, &page, rows, COL_ID,
                                       list->key_col, total));
}

int mp_fetch_by_id(mp_req_t *req, const mp_stmt_t *stmt, const char *what,
                   mp_rows_t **one, mp_problem_t *pb)
{
    request_rec *r = req->r;
    mp_db_status_t st;

    if (!mp_id_valid(req->id)) {
        mp_params_fail(req->params, "id", "must be a positive integer id");
        mp_problem_of_params(pb, req->params);
        return 0;
    }
    st = mp_db_select(r, stmt, &req->id, one);
    if (st != MP_DB_OK) {
        mp_problem_of_db(pb, st);
        return 0;
    }
    if ((*one)->nrows == 0) {
        mp_problem_set(pb, HTTP_NOT_FOUND, apr_psprintf(r->pool,
                       "No %s has id %s.", what, req->id), NULL);
        return 0;
    }
    return 1;
}
