/* What every fuzz target shares: APR set up once, a pool per input that
 * is destroyed after it (so a leak or a use after the request shows),
 * the input as the C string httpd would hand the module, and invariant
 * checks that abort, which libFuzzer reports as a crash. */
#ifndef FUZZ_SUPPORT_H
#define FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "apr_pools.h"

/* A new pool for one input, with an allocator of its own.  Until
 * fuzz_pool_close, every apr_palloc (apr_pstrdup, tables, arrays...) is a
 * malloc of its own, so ASan sees an overrun of a pool allocation, which
 * inside a pool block it cannot. */
apr_pool_t *fuzz_pool_open(void);
/* Destroys the pool and frees everything allocated while it was open. */
void fuzz_pool_close(apr_pool_t *p);

/* The first `size` bytes as a malloc'd NUL-terminated string, ending at
 * an embedded NUL as a C string does; free() it. */
char *fuzz_cstring(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                  \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,    \
                    __LINE__, #cond);                                     \
            abort();                                                      \
        }                                                                 \
    } while (0)

#endif
