/* A result set as the database layer hands it up: text cells in a pool,
 * NULL for SQL NULL.  Nothing here knows libpq. */
#ifndef MP_ROWS_H
#define MP_ROWS_H

typedef struct {
    int nrows;
    int ncols;
    const char **cells;     /* cells[row * ncols + col] */
} mp_rows_t;

static inline const char *mp_cell(const mp_rows_t *rows, int row, int col)
{
    return rows->cells[row * rows->ncols + col];
}

#endif
