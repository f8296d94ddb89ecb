/* Numbers written as decimal text without a formatter: on the paths
 * every limited request takes (the RESP of its Redis commands, its
 * RateLimit fields) apr_snprintf and apr_psprintf were most of what a
 * limit added to a cached hit.  Pure, unit-tested through its users. */
#ifndef MP_DECIMAL_H
#define MP_DECIMAL_H

#include "apr.h"

/* Room enough for any value: 20 digits. */
#define MP_DECIMAL_MAX 20

/* Writes v in decimal at out (no NUL); returns the end. */
char *mp_decimal(char *out, apr_uint64_t v);

#endif
