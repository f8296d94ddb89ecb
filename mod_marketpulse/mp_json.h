/* Rows to JSON: each resource describes its columns once (name and JSON
 * kind, in the order its SQL selects them) and these functions build the
 * objects.  Money and dates arrive already formatted by PostgreSQL and
 * stay strings; timestamps arrive as PostgreSQL prints them and leave as
 * RFC 3339 strings. */
#ifndef MP_JSON_H
#define MP_JSON_H

#include <jansson.h>

#include "mp_rows.h"

typedef enum {
    MP_COL_STRING,      /* text, money "12.34", dates */
    MP_COL_INTEGER,     /* counts and ids */
    MP_COL_TIMESTAMP,   /* selected with MP_SQL_TS: "2025-11-20T13:45:07Z" */
    MP_COL_SKIP         /* selected for the handler (sort keys), not shown */
} mp_col_kind_t;

typedef struct {
    const char *name;
    mp_col_kind_t kind;
} mp_col_t;

/* Both return a new reference, or NULL when the rows do not have the
 * columns described (a programming error the caller answers with 500). */
json_t *mp_json_row(const mp_rows_t *rows, int row, const mp_col_t *cols,
                    int ncols);
json_t *mp_json_rows(const mp_rows_t *rows, int max_rows,
                     const mp_col_t *cols, int ncols);

#define MP_NCOLS(cols) ((int)(sizeof(cols) / sizeof((cols)[0])))

#endif
