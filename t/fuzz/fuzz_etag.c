/* If-None-Match as clients and proxies send it, against the ETags the
 * module makes (mp_etag_of) and one read from the input itself.  The
 * header sits in a buffer of exactly its length, so a read past its end
 * is an ASan report.  A tag listed first always matches, in any of the
 * forms the matcher promises, and a match needs the tag's digits or "*"
 * in the header.  The same bytes as the generation a client carries
 * (X-MarketPulse-Generation, or the cookie's value): a number only when
 * they are all digits, 1 to 19 of them. */
#include <stdlib.h>
#include <string.h>

#include "apr_strings.h"

#include "fuzz_support.h"
#include "mp_cache_key.h"

static void check_tag(apr_pool_t *p, const char *header, const char *etag)
{
    size_t en = strlen(etag);
    const char *digits = apr_pstrndup(p, etag + 1, en - 2);
    int m = mp_etag_matches(header, etag);

    FUZZ_CHECK(m == 0 || m == 1);
    FUZZ_CHECK(m == mp_etag_matches(header, etag));
    if (m) {
        FUZZ_CHECK(strchr(header, '*') || strstr(header, digits));
    }
    /* listed first, before whatever the client sent */
    FUZZ_CHECK(mp_etag_matches(apr_pstrcat(p, etag, ", ", header, NULL),
                               etag));
    FUZZ_CHECK(mp_etag_matches(apr_pstrcat(p, "W/", etag, ",", header, NULL),
                               etag));
    FUZZ_CHECK(mp_etag_matches(apr_pstrcat(p, "\"", digits, "-gzip\" ,",
                                           header, NULL), etag));
    FUZZ_CHECK(mp_etag_matches(apr_pstrcat(p, " *", header, NULL), etag));
    FUZZ_CHECK(!mp_etag_matches(NULL, etag));
}

/* A quoted tag at the start of the input: "\"...\"" without quotes or
 * list separators inside, as a cache entry could hold one. */
static const char *tag_of_input(apr_pool_t *p, const char *s)
{
    size_t n;

    if (*s != '"') return NULL;
    n = strcspn(s + 1, "\", \t");
    if (n == 0 || s[1 + n] != '"') return NULL;
    return apr_pstrndup(p, s, n + 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_generation(const char *text)
{
    size_t len = strlen(text);
    apr_uint64_t g = mp_carried_generation(text);

    if (len >= 1 && len <= 19 && strspn(text, "0123456789") == len) {
        FUZZ_CHECK(g == (apr_uint64_t)strtoull(text, NULL, 10));
    }
    else {
        FUZZ_CHECK(g == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* malloc'd to its length: the matcher's only bound is the NUL */
    char *header = fuzz_cstring(data, size);
    apr_pool_t *p = fuzz_pool_open();
    const char *own;

    check_tag(p, header, mp_etag_of(p, (const char *)data, size));
    check_tag(p, header, mp_etag_of(p, "{}", 2));
    own = tag_of_input(p, header);
    if (own) {
        check_tag(p, header, own);
        FUZZ_CHECK(mp_etag_matches(header, own));
    }
    check_generation(header);
    fuzz_pool_close(p);
    free(header);
    return 0;
}
