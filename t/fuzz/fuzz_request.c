/* The query string, as every handler reads it: decoding (mp_url_decode,
 * mp_utf8_valid) and each parameter check the handlers make, on the
 * parameters of every endpoint.  Checks that what passes is what the
 * checks promise, and UTF-8 validity against a table-driven reference. */
#include <errno.h>
#include <string.h>

#include "apr_strings.h"

#include "fuzz_support.h"
#include "mp_request.h"

/* RFC 3629's table of well-formed sequences, written independently of
 * mp_utf8_valid's bit arithmetic. */
static int reference_utf8(const unsigned char *s)
{
    while (*s) {
        unsigned char lo = 0x80, hi = 0xBF;
        int n;

        if (*s < 0x80) { s++; continue; }
        else if (*s >= 0xC2 && *s <= 0xDF) n = 1;
        else if (*s == 0xE0) { n = 2; lo = 0xA0; }
        else if (*s == 0xED) { n = 2; hi = 0x9F; }
        else if (*s >= 0xE1 && *s <= 0xEF) n = 2;
        else if (*s == 0xF0) { n = 3; lo = 0x90; }
        else if (*s == 0xF4) { n = 3; hi = 0x8F; }
        else if (*s >= 0xF1 && *s <= 0xF3) n = 3;
        else return 0;
        s++;
        if (*s < lo || *s > hi) return 0;
        s++;
        for (int i = 1; i < n; i++, s++) {
            if (*s < 0x80 || *s > 0xBF) return 0;
        }
    }
    return 1;
}

static int all_upper_alpha(const char *s)
{
    return strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z'
           && s[1] >= 'A' && s[1] <= 'Z';
}

/* What a positive bigint id must be for PostgreSQL */
static void check_id(const char *v)
{
    char *end;
    long long n;

    errno = 0;
    n = strtoll(v, &end, 10);
    FUZZ_CHECK(errno == 0 && *end == '\0' && n >= 1 && v[0] != '0');
}

static void check_decode(const char *query)
{
    char *copy = strdup(query);
    size_t before = strlen(copy);

    if (copy == NULL) abort();
    FUZZ_CHECK(mp_utf8_valid(query) == reference_utf8((const unsigned char *)query));
    if (mp_url_decode(copy)) {
        FUZZ_CHECK(strlen(copy) <= before);
        FUZZ_CHECK(reference_utf8((unsigned char *)copy));
    }
    free(copy);
}

static void check_params(const mp_params_t *ps)
{
    const apr_array_header_t *arr = apr_table_elts(ps->args);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;

    for (int i = 0; i < arr->nelts; i++) {
        FUZZ_CHECK(e[i].key[0] != '\0');
        FUZZ_CHECK(reference_utf8((const unsigned char *)e[i].key));
        FUZZ_CHECK(reference_utf8((const unsigned char *)e[i].val));
        /* a name is kept once; later ones are marked repeated */
        for (int j = 0; j < i; j++) {
            FUZZ_CHECK(strcmp(e[i].key, e[j].key) != 0);
        }
    }
}

static void check_outcome(const mp_params_t *ps)
{
    const mp_field_error_t *errs = (const mp_field_error_t *)ps->errors->elts;

    for (int i = 0; i < ps->errors->nelts; i++) {
        FUZZ_CHECK(errs[i].field && errs[i].field[0] && errs[i].issue);
    }
    FUZZ_CHECK(mp_params_ok(ps) == (ps->errors->nelts == 0 && !ps->malformed));
    FUZZ_CHECK(mp_params_status(ps) == 400 || mp_params_status(ps) == 422);
}

static void check_window(mp_params_t *ps)
{
    const char *from, *to;
    int before = ps->errors->nelts;

    mp_param_window(ps, &from, &to);
    if (from) FUZZ_CHECK(mp_date_valid(from) && strlen(from) == 10);
    if (to) FUZZ_CHECK(mp_date_valid(to) && strlen(to) == 10);
    if (from && to && ps->errors->nelts == before) {
        FUZZ_CHECK(strcmp(from, to) <= 0);
    }
}

static void check_int(mp_params_t *ps, const char *name, long def, long min,
                      long max)
{
    long n = -12345;
    int rc = mp_param_int(ps, name, def, min, max, &n);

    FUZZ_CHECK(rc >= -1 && rc <= 1);
    if (rc == 1) FUZZ_CHECK(n >= min && n <= max);
    else FUZZ_CHECK(n == def);
}

static void check_enum(mp_params_t *ps, const char *name,
                       const char *const *allowed, const char *def)
{
    const char *v = "unset";
    int rc = mp_param_enum(ps, name, allowed, def, &v), found = 0;

    if (rc == 1) {
        for (const char *const *a = allowed; *a; a++) {
            found |= v == *a;
        }
        FUZZ_CHECK(found);
    }
    else {
        FUZZ_CHECK(v == def);
    }
}

/* The parameters of every endpoint, as their handlers read them */
static void endpoints(apr_pool_t *p, const char *query)
{
    static const char *const granularities[] = {"day", "week", "month", NULL};
    static const char *const segments[] = {"enterprise", "smb", "consumer",
                                           NULL};
    static const char *const sorts[] = {"lifetime_value", "total_orders",
                                        "last_purchase", "name", NULL};
    static const char *const orders[] = {"asc", "desc", NULL};
    static const char *const statuses[] = {"completed", "pending",
                                           "cancelled", "refunded", NULL};
    static const char *const formats[] = {"csv", "ndjson", NULL};
    mp_params_t *ps;
    const char *v;
    int rc;

    /* /dashboard */
    ps = mp_params_parse(p, query);
    check_params(ps);
    check_window(ps);
    check_outcome(ps);

    /* /revenue */
    ps = mp_params_parse(p, query);
    check_window(ps);
    check_enum(ps, "granularity", granularities, "day");
    check_int(ps, "limit", 1000, 1, 1000);
    check_outcome(ps);

    /* /customers, /products */
    ps = mp_params_parse(p, query);
    check_enum(ps, "sort", sorts, "lifetime_value");
    check_enum(ps, "order", orders, "desc");
    check_int(ps, "limit", 20, 1, 100);
    check_int(ps, "offset", 0, 0, 1000000000L);
    check_enum(ps, "segment", segments, NULL);
    rc = mp_param_country(ps, "country", &v);
    if (rc == 1) FUZZ_CHECK(all_upper_alpha(v));
    rc = mp_param_text(ps, "category", 100, &v);
    if (rc == 1) FUZZ_CHECK(v[0] != '\0' && strlen(v) <= 400);
    rc = mp_param_text(ps, "cursor", 1024, &v);
    if (rc == 1) FUZZ_CHECK(v[0] != '\0' && strlen(v) <= 4096);
    check_outcome(ps);

    /* /transactions, /transactions/export */
    ps = mp_params_parse(p, query);
    check_window(ps);
    check_enum(ps, "status", statuses, NULL);
    check_enum(ps, "format", formats, "csv");
    if (mp_param_id(ps, "customer_id", &v) == 1) check_id(v);
    if (mp_param_id(ps, "product_id", &v) == 1) check_id(v);
    check_outcome(ps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *query = fuzz_cstring(data, size);
    apr_pool_t *p = fuzz_pool_open();

    check_decode(query);
    endpoints(p, query);
    /* no query string at all */
    FUZZ_CHECK(mp_params_ok(mp_params_parse(p, NULL)));
    fuzz_pool_close(p);
    free(query);
    return 0;
}
