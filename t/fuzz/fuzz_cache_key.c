/* Cache keys: the route path (the input's first line) and the query
 * string (the rest) through mp_params_parse and mp_cache_key_text, as
 * mp_cache.c makes them.  The key text must split back into exactly the
 * path and the parameters it was made from (two different requests never
 * share an entry), and the same parameters written in another order must
 * give the same key (equal requests share one). */
#include <string.h>

#include "apr_strings.h"

#include "fuzz_support.h"
#include "mp_cache_key.h"
#include "mp_request.h"

#define VARIANT "p20/100"

static int same_args(const apr_table_t *a, const apr_table_t *b)
{
    const apr_array_header_t *arr = apr_table_elts(a);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;

    if (arr->nelts != apr_table_elts(b)->nelts) return 0;
    for (int i = 0; i < arr->nelts; i++) {
        const char *v = apr_table_get(b, e[i].key);

        if (v == NULL || strcmp(v, e[i].val) != 0) return 0;
    }
    return 1;
}

/* The query's pairs, last first */
static char *reversed(apr_pool_t *p, const char *query)
{
    char *copy = apr_pstrdup(p, query), *state, *pair;
    char *out = "";

    for (pair = apr_strtok(copy, "&", &state); pair;
         pair = apr_strtok(NULL, "&", &state)) {
        out = *out ? apr_pstrcat(p, pair, "&", out, NULL) : pair;
    }
    return out;
}

static void check_key(apr_pool_t *p, const char *path, const char *query)
{
    mp_params_t *ps = mp_params_parse(p, query), *back;
    const char *text = mp_cache_key_text(p, VARIANT, path, ps->args);
    const char *prefix = apr_pstrcat(p, "v1 " VARIANT " ", path, "?", NULL);
    const char *args, *hash;

    /* "v1 <variant> <path>?<args>", args without '?' */
    FUZZ_CHECK(strncmp(text, prefix, strlen(prefix)) == 0);
    args = strrchr(text, '?') + 1;
    FUZZ_CHECK(args == text + strlen(prefix));
    FUZZ_CHECK(strspn(args, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
                            "wxyz0123456789-_.~%&=") == strlen(args));
    /* the args part decodes to the very parameters */
    back = mp_params_parse(p, args);
    FUZZ_CHECK(!back->malformed && apr_is_empty_table(back->repeated));
    FUZZ_CHECK(same_args(ps->args, back->args));
    FUZZ_CHECK(strcmp(mp_cache_key_text(p, VARIANT, path, back->args),
                      text) == 0);
    /* order does not matter where no name is repeated */
    if (apr_is_empty_table(ps->repeated)) {
        mp_params_t *rev = mp_params_parse(p, reversed(p, query));

        FUZZ_CHECK(strcmp(mp_cache_key_text(p, VARIANT, path, rev->args),
                          text) == 0);
    }
    hash = mp_cache_key_hash(p, text);
    FUZZ_CHECK(strlen(hash) == 40
               && strspn(hash, "0123456789abcdef") == 40);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *input = fuzz_cstring(data, size);
    char *nl = strchr(input, '\n');
    const char *path = "/dashboard", *query = input;
    apr_pool_t *p = fuzz_pool_open();

    if (nl) {
        *nl = '\0';
        path = input;
        query = nl + 1;
    }
    check_key(p, path, query);
    fuzz_pool_close(p);
    free(input);
    return 0;
}
