/* Opaque keyset cursors: the sort they were made for and the last row's
 * sort key and id, as base64url JSON.  A cursor is checked on the way in,
 * never trusted: a bad one is a 400, not a query. */
#ifndef MP_CURSOR_H
#define MP_CURSOR_H

#include "apr_pools.h"

#define MP_CURSOR_MAX_LEN 1024

typedef struct {
    const char *sort;    /* the sort and order the list was walked in */
    const char *order;
    const char *key;     /* last row's sort key, as PostgreSQL wrote it */
    const char *id;      /* last row's id: ties on key are broken by id */
} mp_cursor_t;

const char *mp_cursor_encode(apr_pool_t *p, const mp_cursor_t *c);

/* 1 when text is a cursor this module made, else 0. */
int mp_cursor_decode(apr_pool_t *p, const char *text, mp_cursor_t *c);

/* What a sort key must look like before it goes to SQL as a parameter, so
 * a forged cursor is a 400 and never a PostgreSQL cast error. */
typedef enum {
    MP_KEY_TEXT,        /* any UTF-8 text */
    MP_KEY_INTEGER,     /* -?[0-9]+ */
    MP_KEY_NUMERIC,     /* -?[0-9]+(.[0-9]+)? */
    MP_KEY_TIMESTAMP    /* YYYY-MM-DDTHH:MM:SS.ffffffZ (years 1-294276, in
                           4 to 6 digits) or -infinity */
} mp_key_kind_t;

int mp_cursor_key_valid(mp_key_kind_t kind, const char *key);
#endif
