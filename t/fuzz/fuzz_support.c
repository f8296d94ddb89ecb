/* APR for fuzz targets: one initialisation, a pool per input, and an
 * apr_palloc that hands each allocation out as its own malloc while an
 * input runs.  The executable's apr_palloc takes the place of libapr's
 * for every caller, libapr's own (apr_pstrdup, apr_table_*, ...)
 * included, since libapr calls it through its PLT. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <string.h>

#include "apr_general.h"

#include "fuzz_support.h"

typedef void *(*palloc_fn)(apr_pool_t *, apr_size_t);

static palloc_fn real_palloc;
static int tracking;
static void **blocks;
static size_t nblocks, capacity;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    real_palloc = (palloc_fn)dlsym(RTLD_NEXT, "apr_palloc");
    if (real_palloc == NULL || apr_initialize() != APR_SUCCESS) {
        fprintf(stderr, "fuzz: cannot set APR up\n");
        abort();
    }
    return 0;
}

void *apr_palloc(apr_pool_t *p, apr_size_t size)
{
    void *mem;

    if (!tracking) {
        return real_palloc(p, size);
    }
    if (nblocks == capacity) {
        capacity = capacity ? capacity * 2 : 256;
        blocks = realloc(blocks, capacity * sizeof(*blocks));
        if (blocks == NULL) {
            abort();
        }
    }
    /* exactly size bytes: one past the end is a heap-buffer-overflow */
    mem = malloc(size);
    if (mem == NULL && size > 0) {
        abort();                /* as APR's abort function would */
    }
    blocks[nblocks++] = mem;
    return mem;
}

apr_pool_t *fuzz_pool_open(void)
{
    apr_allocator_t *allocator;
    apr_pool_t *p;

    if (apr_allocator_create(&allocator) != APR_SUCCESS
        || apr_pool_create_ex(&p, NULL, NULL, allocator) != APR_SUCCESS) {
        abort();
    }
    /* destroying the pool gives its memory back to the system */
    apr_allocator_owner_set(allocator, p);
    tracking = 1;
    return p;
}

void fuzz_pool_close(apr_pool_t *p)
{
    tracking = 0;
    apr_pool_destroy(p);
    for (size_t i = 0; i < nblocks; i++) {
        free(blocks[i]);
    }
    nblocks = 0;
}

char *fuzz_cstring(const uint8_t *data, size_t size)
{
    size_t len = strnlen((const char *)data, size);
    char *s = malloc(len + 1);

    if (s == NULL) {
        abort();
    }
    memcpy(s, data, len);
    s[len] = '\0';
    return s;
}
