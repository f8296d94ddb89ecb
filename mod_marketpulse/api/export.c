/* GET /api/transactions/export?format=csv|ndjson: the rows of the
 * transactions list (same filters, newest first, no pages) streamed as
 * they come from PostgreSQL.  Memory stays flat at any size: rows are
 * read one at a time (mp_db_stream) and written through the output
 * filters (so mod_deflate can compress them) in small brigades. */
/* offsetof before APR's headers: without it the bucket macros' APR_OFFSETOF
 * falls back to arithmetic on a null pointer (clang: -Wextra, UBSan) */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"
#include "util_filter.h"

#include "api.h"
#include "mp_bandwidth.h"
#include "mp_log.h"
#include "mp_stats.h"
#include "mp_timestamp.h"

static const char *const formats[] = {"csv", "ndjson", NULL};
#define NCOLS MP_API_TRANSACTION_COLS

typedef struct {
    request_rec *r;
    apr_bucket_brigade *bb;
    int csv;
    int started;               /* headers and the first bytes are out */
    apr_status_t write_error;  /* the client went away */
    long long rows;
    apr_uint64_t bytes;        /* before compression */
} export_t;

/* Hands a full brigade down the filters and empties it. */
static apr_status_t flush_out(apr_bucket_brigade *bb, void *ctx)
{
    export_t *ex = ctx;
    apr_status_t rv = ap_pass_brigade(ex->r->output_filters, bb);

    apr_brigade_cleanup(bb);
    return rv;
}

static apr_status_t put(export_t *ex, const char *data, apr_size_t len)
{
    if (ex->write_error == APR_SUCCESS) {
        ex->write_error = apr_brigade_write(ex->bb, flush_out, ex, data, len);
        ex->bytes += len;
    }
    return ex->write_error;
}

/* RFC 4180: a field with a comma, quote or line break is quoted, its
 * quotes doubled. */
static void put_csv_field(export_t *ex, const char *v)
{
    if (v == NULL) {
        return;
    }
    if (strpbrk(v, ",\"\r\n") == NULL) {
        put(ex, v, strlen(v));
        return;
    }
    put(ex, "\"", 1);
    for (const char *q; (q = strchr(v, '"')) != NULL; v = q + 1) {
        put(ex, v, (apr_size_t)(q - v + 1));
        put(ex, "\"", 1);
    }
    put(ex, v, strlen(v));
    put(ex, "\"", 1);
}

/* A row in the columns and forms of the JSON ones */
static void put_csv_row(export_t *ex, const char *const *cells)
{
    for (int c = 0; c < NCOLS; c++) {
        char ts[MP_TS_MAX];

        if (c > 0) {
            put(ex, ",", 1);
        }
        if (mp_api_transaction_cols[c].kind == MP_COL_TIMESTAMP
            && mp_ts_rfc3339(cells[c], 0, ts)) {
            put_csv_field(ex, ts);
        }
        else {
            put_csv_field(ex, cells[c]);
        }
    }
    put(ex, "\r\n", 2);
}

/* The header: the names the JSON forms use */
static void put_csv_header(export_t *ex)
{
    const char *names[NCOLS];

    for (int c = 0; c < NCOLS; c++) {
        names[c] = mp_api_transaction_cols[c].name;
    }
    put_csv_row(ex, names);
}

static void put_ndjson_row(export_t *ex, const char *const *cells)
{
    mp_rows_t one = { 1, NCOLS, (const char **)cells };
    json_t *obj = mp_api_transaction_object(&one, 0);
    char line[1024];
    size_t len = obj ? json_dumpb(obj, line, sizeof(line) - 1,
                                  JSON_COMPACT) : 0;

    if (len > 0 && len < sizeof(line) - 1) {
        line[len++] = '\n';
        put(ex, line, len);
    }
    else if (obj) {            /* longer than any row we have: allocate */
        char *text = json_dumps(obj, JSON_COMPACT);

        if (text) {
            put(ex, text, strlen(text));
            put(ex, "\n", 1);
            free(text);
        }
    }
    json_decref(obj);
}

static void start(export_t *ex)
{
    ex->started = 1;
    if (ex->csv) {
        put_csv_header(ex);
    }
}

static int on_row(void *ctx, const char *const *cells, int ncols)
{
    export_t *ex = ctx;

    if (ncols != NCOLS) {
        return 1;
    }
    if (!ex->started) {
        start(ex);
    }
    if (ex->csv) {
        put_csv_row(ex, cells);
    }
    else {
        put_ndjson_row(ex, cells);
    }
    ex->rows++;
    return ex->write_error != APR_SUCCESS || ex->r->connection->aborted;
}

/* Seconds a client is asked to wait when every export slot is busy: an
 * export ends in seconds or minutes, a retry at once would find the same
 * exports running. */
#define EXPORTS_BUSY_RETRY_AFTER 5

/* No export slot came free within MarketPulseDBWait: answered like a
 * busy database, but saying what was busy and when to come back. */
static int respond_exports_busy(request_rec *r)
{
    mp_problem_t pb;

    mp_problem_set(&pb, HTTP_SERVICE_UNAVAILABLE, "Every export slot is "
                   "busy; retry later.", NULL);
    pb.retry_after = EXPORTS_BUSY_RETRY_AFTER;
    return mp_respond_problem(r, &pb);
}

/* Ends the body.  After a failure midway the status line is long gone: an
 * error bucket makes httpd drop the connection without the last chunk,
 * so the client sees a broken transfer, not a short file. */
static void finish(export_t *ex, mp_db_status_t st)
{
    request_rec *r = ex->r;
    apr_bucket_alloc_t *ba = r->connection->bucket_alloc;

    mp_stat_add(MP_STAT_EXPORT_ROWS, (apr_uint64_t)ex->rows);
    mp_stat_add(MP_STAT_EXPORT_BYTES, ex->bytes);
    if (ex->write_error != APR_SUCCESS || r->connection->aborted) {
        mp_rlog(APLOG_INFO, ex->write_error, r, MPLOGNO(01311), "export "
                "stopped after %lld rows: the client went away", ex->rows);
        return;
    }
    if (st != MP_DB_OK) {
        mp_rlog(APLOG_ERR, 0, r, MPLOGNO(01312), "export failed after %lld "
                "rows; the transfer is cut short", ex->rows);
        APR_BRIGADE_INSERT_TAIL(ex->bb, ap_bucket_error_create(
                                HTTP_BAD_GATEWAY, NULL, r->pool, ba));
    }
    APR_BRIGADE_INSERT_TAIL(ex->bb, apr_bucket_eos_create(ba));
    flush_out(ex->bb, ex);
}

int mp_api_transactions_export(mp_req_t *req)
{
    request_rec *r = req->r;
    mp_params_t *ps = req->params;
    mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                             &marketpulse_module);
    const char *format, *filters[MP_TXLIST_NFILTERS];
    export_t ex;
    mp_db_status_t st;

    mp_param_enum(ps, "format", formats, "csv", &format);
    mp_api_transaction_filters(ps, filters);
    if (!mp_params_ok(ps)) {
        return mp_respond_invalid(r, ps);
    }
    memset(&ex, 0, sizeof(ex));
    ex.r = r;
    ex.csv = strcmp(format, "csv") == 0;
    ex.bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    ap_set_content_type(r, ex.csv ? "text/csv; charset=utf-8"
                                  : "application/x-ndjson");
    apr_table_setn(r->headers_out, "Content-Disposition", ex.csv
                   ? "attachment; filename=\"transactions.csv\""
                   : "attachment; filename=\"transactions.ndjson\"");
    if (r->header_only) {
        return OK;
    }
    /* the client's tier may set how fast the file leaves (an error
     * answer before the first row is smaller than mod_ratelimit's first
     * chunk, which it sends at once) */
    mp_bandwidth_throttle(r);
    st = mp_db_stream(r, &mp_q_transactions_export, filters,
                      mp_conf_export_timeout_ms(sc), on_row, &ex);
    if (st != MP_DB_OK && !ex.started) {
        apr_table_unset(r->headers_out, "Content-Disposition");
        return st == MP_DB_BUSY ? respond_exports_busy(r)
                                : mp_respond_db_error(r, st);
    }
    if (!ex.started && st == MP_DB_OK) {
        start(&ex);            /* no rows: the CSV still has its header */
    }
    finish(&ex, st);
    return OK;
}
