/* Row-to-object mapping through jansson. */
#include <errno.h>
#include <stdlib.h>

#include "mp_json.h"
#include "mp_timestamp.h"

static json_t *timestamp_value(const char *text)
{
    char ts[MP_TS_MAX];
    size_t len = mp_ts_rfc3339(text, 0, ts);

    /* ours, plain ASCII: no UTF-8 check needed */
    return len ? json_stringn_nocheck(ts, len) : json_string(text);
}

static json_t *cell_value(const char *text, mp_col_kind_t kind)
{
    char *end;
    long long n;

    if (text == NULL) {
        return json_null();
    }
    if (kind == MP_COL_STRING) {
        return json_string(text);
    }
    if (kind == MP_COL_TIMESTAMP) {
        return timestamp_value(text);
    }
    errno = 0;
    n = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || end == text) {
        return NULL;
    }
    return json_integer(n);
}

json_t *mp_json_row(const mp_rows_t *rows, int row, const mp_col_t *cols,
                    int ncols)
{
    json_t *obj;

    if (rows->ncols != ncols || row < 0 || row >= rows->nrows) {
        return NULL;
    }
    obj = json_object();
    for (int c = 0; c < ncols; c++) {
        json_t *v;

        if (cols[c].kind == MP_COL_SKIP) {
            continue;
        }
        v = cell_value(mp_cell(rows, row, c), cols[c].kind);
        /* the names are this module's own ASCII literals */
        if (v == NULL
            || json_object_set_new_nocheck(obj, cols[c].name, v) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

json_t *mp_json_rows(const mp_rows_t *rows, int max_rows,
                     const mp_col_t *cols, int ncols)
{
    json_t *arr;
    int n = rows->nrows < max_rows ? rows->nrows : max_rows;

    if (rows->ncols != ncols) {
        return NULL;
    }
    arr = json_array();

    for (int i = 0; i < n; i++) {
        json_t *obj = mp_json_row(rows, i, cols, ncols);

        if (obj == NULL || json_array_append_new(arr, obj) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}
