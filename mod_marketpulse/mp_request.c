/* Query-string decoding and parameter validation. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "apr_strings.h"

#include "mp_request.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int mp_utf8_valid(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;

    while (*s) {
        int n;
        unsigned int cp;

        if (*s < 0x80) { s++; continue; }
        if ((*s & 0xE0) == 0xC0) { n = 1; cp = *s & 0x1F; }
        else if ((*s & 0xF0) == 0xE0) { n = 2; cp = *s & 0x0F; }
        else if ((*s & 0xF8) == 0xF0) { n = 3; cp = *s & 0x07; }
        else return 0;
        s++;
        for (int i = 0; i < n; i++, s++) {
            if ((*s & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (*s & 0x3F);
        }
        /* overlong forms, surrogates and code points past U+10FFFF */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800)
            || (n == 3 && cp < 0x10000) || cp > 0x10FFFF
            || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return 0;
        }
    }
    return 1;
}

int mp_url_decode(char *text)
{
    char *in = text, *out = text;

    while (*in) {
        if (*in == '+') {
            *out++ = ' ';
            in++;
        }
        else if (*in == '%') {
            int hi = hexval((unsigned char)in[1]);
            int lo = hi < 0 ? -1 : hexval((unsigned char)in[2]);

            if (lo < 0 || (hi == 0 && lo == 0)) {
                return 0;
            }
            *out++ = (char)(hi * 16 + lo);
            in += 3;
        }
        else {
            *out++ = *in++;
        }
    }
    *out = '\0';
    return mp_utf8_valid(text);
}

mp_params_t *mp_params_parse(apr_pool_t *p, const char *query)
{
    mp_params_t *ps = apr_pcalloc(p, sizeof(*ps));
    char *copy, *pair, *state;

    ps->pool = p;
    ps->args = apr_table_make(p, 8);
    ps->repeated = apr_table_make(p, 2);
    ps->errors = apr_array_make(p, 4, sizeof(mp_field_error_t));
    if (query == NULL) {
        return ps;
    }
    copy = apr_pstrdup(p, query);
    for (pair = apr_strtok(copy, "&", &state); pair;
         pair = apr_strtok(NULL, "&", &state)) {
        char *eq = strchr(pair, '=');
        /* a bare name ("?debug") has the empty value: the pair's own NUL,
         * which mp_url_decode may write, unlike a literal "" */
        char *value = pair + strlen(pair);

        if (eq) {
            *eq = '\0';
            value = eq + 1;
        }
        if (!mp_url_decode(pair) || !mp_url_decode(value)) {
            ps->malformed = 1;
            continue;
        }
        if (*pair == '\0') {
            continue;
        }
        if (apr_table_get(ps->args, pair)) {
            apr_table_setn(ps->repeated, pair, "1");
            continue;
        }
        apr_table_setn(ps->args, pair, value);
    }
    return ps;
}

void mp_params_fail(mp_params_t *ps, const char *field, const char *issue)
{
    mp_field_error_t *e = apr_array_push(ps->errors);

    e->field = field;
    e->issue = issue;
}

int mp_params_ok(const mp_params_t *ps)
{
    return ps->errors->nelts == 0 && !ps->malformed;
}

int mp_params_status(const mp_params_t *ps)
{
    return ps->malformed || ps->bad_cursor ? 400 : 422;
}

/* The raw value, or NULL when absent; a repeated name is an error. */
static const char *raw(mp_params_t *ps, const char *name, int *bad)
{
    *bad = 0;
    if (apr_table_get(ps->repeated, name)) {
        mp_params_fail(ps, name, "must be given at most once");
        *bad = 1;
        return NULL;
    }
    return apr_table_get(ps->args, name);
}

int mp_param_int(mp_params_t *ps, const char *name, long def, long min,
                 long max, long *out)
{
    int bad;
    const char *v = raw(ps, name, &bad);
    char *end;
    long n;

    *out = def;
    if (bad) return -1;
    if (v == NULL) return 0;
    if (*v == '-' || *v == '+' ? !isdigit((unsigned char)v[1])
                               : !isdigit((unsigned char)*v)) {
        mp_params_fail(ps, name, "must be an integer");
        return -1;
    }
    n = strtol(v, &end, 10);
    if (*end != '\0') {
        mp_params_fail(ps, name, "must be an integer");
        return -1;
    }
    if (n < min || n > max || strlen(v) > 18) {
        mp_params_fail(ps, name, apr_psprintf(ps->pool,
                       "must be between %ld and %ld", min, max));
        return -1;
    }
    *out = n;
    return 1;
}

int mp_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return n > 0;
}

int mp_day_valid(long y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    if (y < 1 || m < 1 || m > 12 || d < 1) return 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

int mp_date_valid(const char *t)
{
    if (strlen(t) != 10 || t[4] != '-' || t[7] != '-') return 0;
    for (int i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && !isdigit((unsigned char)t[i])) return 0;
    }
    return atoi(t) >= MP_MIN_YEAR
           && mp_day_valid(atoi(t), atoi(t + 5), atoi(t + 8));
}

int mp_param_date(mp_params_t *ps, const char *name, const char **out)
{
    int bad;
    const char *v = raw(ps, name, &bad);

    *out = NULL;
    if (bad) return -1;
    if (v == NULL) return 0;
    if (!mp_date_valid(v)) {
        mp_params_fail(ps, name, "must be a date as YYYY-MM-DD, from "
                       "1900-01-01 to 9999-12-31");
        return -1;
    }
    *out = v;
    return 1;
}

void mp_params_check_window(mp_params_t *ps, const char *from,
                            const char *to)
{
    /* YYYY-MM-DD compares as text in calendar order. */
    if (from && to && strcmp(from, to) > 0) {
        mp_params_fail(ps, "from", "must not be after to");
    }
}

void mp_param_window(mp_params_t *ps, const char **from, const char **to)
{
    mp_param_date(ps, "from", from);
    mp_param_date(ps, "to", to);
    mp_params_check_window(ps, *from, *to);
}

int mp_param_enum(mp_params_t *ps, const char *name,
                  const char *const *allowed, const char *def,
                  const char **out)
{
    int bad;
    const char *v = raw(ps, name, &bad);
    const char *list = NULL;

    *out = def;
    if (bad) return -1;
    if (v == NULL) return 0;
    for (const char *const *a = allowed; *a; a++) {
        if (strcmp(*a, v) == 0) {
            *out = *a;
            return 1;
        }
        list = list ? apr_pstrcat(ps->pool, list, ", ", *a, NULL) : *a;
    }
    mp_params_fail(ps, name, apr_pstrcat(ps->pool, "must be one of: ",
                                         list, NULL));
    return -1;
}

int mp_id_valid(const char *t)
{
    size_t len = strlen(t);

    if (len == 0 || len > 19 || t[0] == '0') return 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)t[i])) return 0;
    }
    /* 9223372036854775807 is the largest bigint */
    return len < 19 || strcmp(t, "9223372036854775807") <= 0;
}

int mp_param_id(mp_params_t *ps, const char *name, const char **out)
{
    int bad;
    const char *v = raw(ps, name, &bad);

    *out = NULL;
    if (bad) return -1;
    if (v == NULL) return 0;
    if (!mp_id_valid(v)) {
        mp_params_fail(ps, name, "must be a positive integer id");
        return -1;
    }
    *out = v;
    return 1;
}

int mp_param_country(mp_params_t *ps, const char *name, const char **out)
{
    int bad;
    const char *v = raw(ps, name, &bad);
    char *up;

    *out = NULL;
    if (bad) return -1;
    if (v == NULL) return 0;
    if (strlen(v) != 2 || !isalpha((unsigned char)v[0])
        || !isalpha((unsigned char)v[1])) {
        mp_params_fail(ps, name, "must be a two-letter ISO 3166-1 code");
        return -1;
    }
    up = apr_pstrdup(ps->pool, v);
    up[0] = (char)toupper((unsigned char)up[0]);
    up[1] = (char)toupper((unsigned char)up[1]);
    *out = up;
    return 1;
}

/* Code points of valid UTF-8: the bytes that do not continue one. */
static size_t utf8_length(const char *s)
{
    size_t n = 0;

    for (; *s; s++) {
        n += ((unsigned char)*s & 0xC0) != 0x80;
    }
    return n;
}

int mp_param_text(mp_params_t *ps, const char *name, size_t max_len,
                  const char **out)
{
    int bad;
    const char *v = raw(ps, name, &bad);

    *out = NULL;
    if (bad) return -1;
    if (v == NULL) return 0;
    if (*v == '\0' || utf8_length(v) > max_len) {
        mp_params_fail(ps, name, apr_psprintf(ps->pool,
                       "must be 1 to %lu characters", (unsigned long)max_len));
        return -1;
    }
    *out = v;
    return 1;
}
