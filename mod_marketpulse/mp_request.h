/* Query-string parsing, and validation of its parameters that collects
 * every bad field before anyone answers; also the id, date and digit
 * checks the other parsers share.  Pure APR code: the unit tests drive
 * it without httpd. */
#ifndef MP_REQUEST_H
#define MP_REQUEST_H

#include "apr_pools.h"
#include "apr_tables.h"

typedef struct {
    const char *field;
    const char *issue;
} mp_field_error_t;

typedef struct {
    apr_pool_t *pool;
    apr_table_t *args;            /* decoded name -> value */
    apr_table_t *repeated;        /* names given more than once */
    int malformed;                /* bad %-escape, NUL or invalid UTF-8 */
    int bad_cursor;               /* a cursor we did not issue: 400 */
    apr_array_header_t *errors;   /* of mp_field_error_t */
} mp_params_t;

mp_params_t *mp_params_parse(apr_pool_t *p, const char *query);

/* Decodes %XX and '+' in place; 0 when the text is not valid
 * percent-encoded UTF-8 without NUL bytes. */
int mp_url_decode(char *text);
int mp_utf8_valid(const char *text);

void mp_params_fail(mp_params_t *ps, const char *field, const char *issue);
int mp_params_ok(const mp_params_t *ps);
/* The status of a failed validation: 400 for a malformed query string or
 * cursor, else 422. */
int mp_params_status(const mp_params_t *ps);

/* Each returns 1 when the parameter was given and valid, 0 when it was
 * absent (*out is the default) and -1 when it was bad (an error is
 * recorded).  Values reach SQL only as parameters, never as text. */
int mp_param_int(mp_params_t *ps, const char *name, long def, long min,
                 long max, long *out);
int mp_param_date(mp_params_t *ps, const char *name, const char **out);
int mp_param_enum(mp_params_t *ps, const char *name,
                  const char *const *allowed, const char *def,
                  const char **out);
int mp_param_id(mp_params_t *ps, const char *name, const char **out);
int mp_param_country(mp_params_t *ps, const char *name, const char **out);
int mp_param_text(mp_params_t *ps, const char *name, size_t max_len,
                  const char **out);

/* The n characters at s are ASCII digits, and n > 0. */
int mp_digits(const char *s, size_t n);
/* A positive 64-bit id written as plain decimal digits. */
int mp_id_valid(const char *text);
/* YYYY-MM-DD naming a real calendar day from MP_MIN_YEAR on: windows and
 * trends count back from dates, and must not reach years before 1. */
#define MP_MIN_YEAR 1900
int mp_date_valid(const char *text);
/* A day of the proleptic Gregorian calendar, PostgreSQL's, in any year
 * from 1 on. */
int mp_day_valid(long year, int month, int day);
/* Records an error on `from` when both are given and from is after to. */
void mp_params_check_window(mp_params_t *ps, const char *from,
                            const char *to);
/* The date window of a request: `from` and `to` (each NULL when absent),
 * checked one by one and against each other. */
void mp_param_window(mp_params_t *ps, const char **from, const char **to);

#endif
