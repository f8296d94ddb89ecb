/* Cache key text, hashes and ETag comparison. */
#include <stdlib.h>
#include <string.h>

#include "apr_lib.h"
#include "apr_md5.h"
#include "apr_sha1.h"
#include "apr_strings.h"

#include "mp_cache_key.h"
#include "mp_hex.h"

typedef struct {
    const char *name, *value;
} pair_t;

static int pair_cmp(const void *a, const void *b)
{
    const pair_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    return c ? c : strcmp(x->value, y->value);
}

/* Percent-encodes all but unreserved characters, so '&' and '=' inside a
 * name or value cannot make two different queries look alike. */
static const char *encode(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) * 3 + 1), *o = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (apr_isalnum(c) || strchr("-_.~", c)) {
            *o++ = (char)c;
        }
        else {
            apr_snprintf(o, 4, "%%%02X", c);
            o += 3;
        }
    }
    *o = '\0';
    return out;
}

const char *mp_cache_key_text(apr_pool_t *p, const char *variant,
                              const char *path, const apr_table_t *args)
{
    const apr_array_header_t *arr = apr_table_elts(args);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    pair_t *pairs = apr_palloc(p, sizeof(pair_t) * (size_t)(arr->nelts + 1));
    const char *text = apr_pstrcat(p, "v1 ", variant, " ", path, "?", NULL);

    for (int i = 0; i < arr->nelts; i++) {
        pairs[i].name = e[i].key;
        pairs[i].value = e[i].val;
    }
    qsort(pairs, (size_t)arr->nelts, sizeof(pair_t), pair_cmp);
    for (int i = 0; i < arr->nelts; i++) {
        text = apr_pstrcat(p, text, i ? "&" : "", encode(p, pairs[i].name),
                           "=", encode(p, pairs[i].value), NULL);
    }
    return text;
}

const char *mp_cache_key_hash(apr_pool_t *p, const char *text)
{
    unsigned char digest[APR_SHA1_DIGESTSIZE];
    apr_sha1_ctx_t ctx;

    apr_sha1_init(&ctx);
    apr_sha1_update(&ctx, text, (unsigned int)strlen(text));
    apr_sha1_final(digest, &ctx);
    return mp_hex(p, digest, sizeof(digest));
}

const char *mp_etag_of(apr_pool_t *p, const char *body, apr_size_t len)
{
    unsigned char digest[APR_MD5_DIGESTSIZE];

    apr_md5(digest, body, len);
    return apr_pstrcat(p, "\"", mp_hex(p, digest, sizeof(digest)), "\"",
                       NULL);
}

/* Compares one listed tag (without W/) with etag, ignoring "-gzip". */
static int same_tag(const char *t, size_t n, const char *etag)
{
    size_t en = strlen(etag);
    static const char gz[] = "-gzip\"";

    if (n == en && strncmp(t, etag, n) == 0) {
        return 1;
    }
    return n == en + 5 && strncmp(t, etag, en - 1) == 0
           && strncmp(t + en - 1, gz, 6) == 0;
}

int mp_etag_matches(const char *header, const char *etag)
{
    const char *s = header;

    if (header == NULL || etag == NULL) {
        return 0;
    }
    while (*s) {
        const char *start, *end;

        while (*s == ' ' || *s == '\t' || *s == ',') s++;
        if (*s == '\0') break;
        if (*s == '*') return 1;
        if (s[0] == 'W' && s[1] == '/') s += 2;
        start = s;
        if (*s != '"') return 0;           /* malformed: no match */
        end = strchr(s + 1, '"');
        if (end == NULL) return 0;
        if (same_tag(start, (size_t)(end - start + 1), etag)) return 1;
        s = end + 1;
    }
    return 0;
}

/* A whole positive number filling [text, end), else 0. */
static apr_uint64_t generation_of(const char *text, const char *end)
{
    apr_uint64_t v = 0;

    if (text == end || end - text > 19) {
        return 0;
    }
    for (; text < end; text++) {
        if (*text < '0' || *text > '9') {
            return 0;
        }
        v = v * 10 + (apr_uint64_t)(*text - '0');
    }
    return v;
}

apr_uint64_t mp_carried_generation(const char *text)
{
    return text ? generation_of(text, text + strlen(text)) : 0;
}
