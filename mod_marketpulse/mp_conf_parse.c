/* The rules of the directives' values, without httpd. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apr_file_info.h"
#include "apr_file_io.h"
#include "apr_lib.h"
#include "apr_strings.h"

#include "mp_conf_parse.h"

const char *const mp_cache_endpoint_names[MP_CACHE_ENDPOINTS] = {
    "dashboard", "revenue", "customers", "products", "transactions"
};

int mp_parse_bounded_int(const char *text, long min, long max, long *out)
{
    char *end;
    long v;

    if (text == NULL || *text == '\0') {
        return 0;
    }
    errno = 0;
    v = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) {
        return 0;
    }
    *out = v;
    return 1;
}

const char *mp_parse_redis(apr_pool_t *p, int argc, char *const argv[],
                           mp_redis_target_t *out, const char **bad)
{
    const char *word = argc > 0 ? argv[0] : "";
    const char *colon;
    long v;

    out->host = "";
    out->port = 0;
    out->password = NULL;
    out->db = 0;
    if (argc == 1 && strcasecmp(word, "off") == 0) {
        return NULL;
    }
    if (strncmp(word, "unix:", 5) == 0 && word[5] == '/') {
        out->host = word + 5;
    }
    else {
        /* the last ':', so that ::1:6379 is host ::1 */
        colon = strrchr(word, ':');
        if (colon == NULL || colon == word
            || !mp_parse_bounded_int(colon + 1, 1, 65535, &v)) {
            *bad = word;
            return "must be host:port or unix:/path";
        }
        out->host = apr_pstrmemdup(p, word, (apr_size_t)(colon - word));
        out->port = (int)v;
    }
    for (int i = 1; i < argc; i++) {
        word = argv[i];
        if (strncmp(word, "password=", 9) == 0 && word[9] != '\0') {
            out->password = word + 9;
        }
        else if (strncmp(word, "db=", 3) == 0
                 && mp_parse_bounded_int(word + 3, 0, 15, &v)) {
            out->db = (int)v;
        }
        else {
            /* any case: Password=SECRET is refused, not to be quoted */
            *bad = strncasecmp(word, "password", 8) == 0 ? "password=..."
                                                         : word;
            return "options are password=SECRET and db=0..15";
        }
    }
    return NULL;
}

const char *mp_parse_cache_endpoint(apr_pool_t *p, const char *name,
                                    mp_cache_endpoint_t *ep)
{
    const char *names = mp_cache_endpoint_names[0];

    for (int i = 0; i < MP_CACHE_ENDPOINTS; i++) {
        if (strcmp(name, mp_cache_endpoint_names[i]) == 0) {
            *ep = (mp_cache_endpoint_t)i;
            return NULL;
        }
    }
    /* named from the table, so a new endpoint is listed too */
    for (int i = 1; i < MP_CACHE_ENDPOINTS; i++) {
        names = apr_pstrcat(p, names, ", ", mp_cache_endpoint_names[i], NULL);
    }
    return apr_pstrcat(p, "the endpoint must be one of ", names, NULL);
}

const char *mp_parse_cache_prefix(const char *text)
{
    if (*text == '\0' || strlen(text) > 64 || strpbrk(text, " \t\r\n")) {
        return "must be 1 to 64 characters, no spaces";
    }
    return NULL;
}

const char *mp_parse_cache_coherence(int argc, char *const argv[],
                                     int *bound_ms, const char **bad)
{
    long v = MP_DEFAULT_COHERENCE_BOUND_MS;

    *bad = argc > 0 ? argv[0] : "";
    if (argc == 1 && strcasecmp(argv[0], "strict") == 0) {
        *bound_ms = 0;
        return NULL;
    }
    if (argc < 1 || argc > 2 || strcasecmp(argv[0], "notified") != 0) {
        return "must be strict, or notified with an optional bound in "
               "milliseconds";
    }
    if (argc == 2 && !mp_parse_bounded_int(argv[1], 10, 60000, &v)) {
        *bad = argv[1];
        return "the bound of notified must be milliseconds from 10 to 60000";
    }
    *bound_ms = (int)v;
    return NULL;
}

#define CORS_ORIGIN_WANT "must be an origin, scheme://host[:port] with " \
    "nothing after it (not even a /), or * alone, or Off alone"

static const char *lower(apr_pool_t *p, const char *w)
{
    char *s = apr_pstrdup(p, w);

    for (char *c = s; *c; c++) {
        *c = (char)apr_tolower(*c);
    }
    return s;
}

/* The length of a URI scheme (RFC 3986) ending in "://", else 0. */
static size_t cors_scheme_len(const char *w)
{
    size_t n = 0;

    if (!apr_isalpha(w[0])) {
        return 0;
    }
    while (apr_isalnum(w[n]) || w[n] == '+' || w[n] == '-' || w[n] == '.') {
        n++;
    }
    return strncmp(w + n, "://", 3) == 0 ? n : 0;
}

/* The length of a host: a name of letters, digits, '-', '.' and '_'
 * (browsers send international names in their xn-- form), or an IPv6
 * literal in brackets.  0 when there is none. */
static size_t cors_host_len(const char *h)
{
    size_t n = 0;

    if (*h == '[') {
        n = 1 + strspn(h + 1, "0123456789abcdefABCDEF:.");
        return h[n] == ']' && n > 1 ? n + 1 : 0;
    }
    while (apr_isalnum(h[n]) || h[n] == '-' || h[n] == '.' || h[n] == '_') {
        n++;
    }
    return n;
}

/* NULL when the port (the text after ':') is one a browser would write:
 * digits, 1-65535, not the scheme's default, which it leaves out. */
static const char *cors_port(const char *scheme, size_t slen,
                             const char *port)
{
    long v;

    if (port[strspn(port, "0123456789")] != '\0'
        || !mp_parse_bounded_int(port, 1, 65535, &v)) {
        return CORS_ORIGIN_WANT;
    }
    if ((v == 80 && slen == 4 && strncasecmp(scheme, "http", 4) == 0)
        || (v == 443 && slen == 5 && strncasecmp(scheme, "https", 5) == 0)) {
        return "browsers leave the scheme's default port out of the "
               "Origin they send: write the origin without it";
    }
    return NULL;
}

/* One origin word: NULL with *norm its lowercase form, or the error. */
static const char *cors_origin(apr_pool_t *p, const char *w,
                               const char **norm)
{
    size_t slen = cors_scheme_len(w), hlen;
    const char *host, *end, *err;

    if (strcasecmp(w, "null") == 0) {
        return "null is the origin of sandboxed and file: documents, which "
               "any page can make: it cannot be trusted";
    }
    if (strchr(w, '*')) {
        return "wildcards are not supported: list each origin, or give * "
               "alone for every origin";
    }
    if (slen == 0) {
        return CORS_ORIGIN_WANT;
    }
    host = w + slen + 3;
    hlen = cors_host_len(host);
    end = host + hlen;
    if (hlen == 0 || (*end != '\0' && *end != ':')) {
        return CORS_ORIGIN_WANT;
    }
    if (*end == ':' && (err = cors_port(w, slen, end + 1)) != NULL) {
        return err;
    }
    *norm = lower(p, w);
    return NULL;
}

const char *mp_parse_cors_origins(apr_pool_t *p, int argc, char *const argv[],
                                  mp_cors_origins_t *out, const char **bad)
{
    const char *norm, *err;

    *bad = argc > 0 ? argv[0] : "";
    for (int i = 0; i < argc; i++) {
        int star = strcmp(argv[i], "*") == 0;

        *bad = argv[i];
        if (star || strcasecmp(argv[i], "off") == 0) {
            if (argc > 1 || out->mode != MP_CORS_UNSET) {
                return star ? "* stands alone: it allows every origin"
                            : "Off stands alone: it allows no origin";
            }
            out->mode = star ? MP_CORS_ANY : MP_CORS_OFF;
            return NULL;
        }
        if (out->mode != MP_CORS_UNSET && out->mode != MP_CORS_LIST) {
            return apr_pstrcat(p, "this section already gave ",
                               out->mode == MP_CORS_ANY ? "*" : "Off",
                               ", which stands alone", NULL);
        }
        if ((err = cors_origin(p, argv[i], &norm)) != NULL) {
            return err;
        }
        if (out->origins == NULL) {
            out->origins = apr_array_make(p, 4, sizeof(const char *));
        }
        out->mode = MP_CORS_LIST;
        APR_ARRAY_PUSH(out->origins, const char *) = norm;
    }
    return argc > 0 ? NULL : CORS_ORIGIN_WANT;
}

const char *mp_parse_tier_name(const char *text)
{
    size_t n = strlen(text);

    if (n < 1 || n > 32
        || strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789_-") != n) {
        return "must be 1 to 32 letters, digits, '_' or '-'";
    }
    return NULL;
}

#define PEPPER_MIN 32
#define PEPPER_MAX 4096

const char *mp_parse_bandwidth(const char *text, mp_bandwidth_t *out)
{
    long v;

    out->kib_per_s = 0;
    if (strcasecmp(text, "off") == 0) {
        return NULL;
    }
    if (!mp_parse_bounded_int(text, 1, MP_BANDWIDTH_MAX_KIB, &v)) {
        return "must be KiB/s from 1 to 1048576, or off";
    }
    out->kib_per_s = (int)v;
    return NULL;
}

const char *mp_read_pepper(apr_pool_t *p, const char *path,
                           const unsigned char **out, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    char *buf = apr_palloc(p, PEPPER_MAX + 1);
    apr_size_t n = PEPPER_MAX + 1;

    if (apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, p)
        != APR_SUCCESS) {
        return "cannot be read (it is read at start-up, as root)";
    }
    if (apr_file_info_get(&fi, APR_FINFO_PROT | APR_FINFO_TYPE, f)
        != APR_SUCCESS || fi.filetype != APR_REG) {
        apr_file_close(f);
        return "must be a regular file";
    }
    if (fi.protection & (APR_GREAD | APR_GWRITE | APR_WREAD | APR_WWRITE)) {
        apr_file_close(f);
        return "must be readable by its owner alone (chmod 600 or 400)";
    }
    if (apr_file_read_full(f, buf, n, &n) != APR_SUCCESS && n == 0) {
        n = 0;
    }
    apr_file_close(f);
    if (n > 0 && buf[n - 1] == '\n') {
        n--;
    }
    if (n < PEPPER_MIN || n > PEPPER_MAX) {
        return "must hold 32 to 4096 bytes (e.g. openssl rand -hex 32)";
    }
    *out = (const unsigned char *)buf;
    *len = n;
    return NULL;
}
const char *mp_parse_tier(const char *name, const char *rate, mp_tier_t *out,
                          const char **bad)
{
    const char *slash = strchr(rate, '/');
    char *end;
    long limit, window;
    int unit = 1;

    out->name = name;
    out->limit = 0;
    out->window_s = 0;
    if (mp_parse_tier_name(name) != NULL) {
        *bad = name;
        return "the tier's name must be 1 to 32 letters, digits, '_' or "
               "'-'";
    }
    *bad = rate;
    if (strcasecmp(rate, "unlimited") == 0) {
        return NULL;
    }
    if (slash == NULL || !apr_isdigit(rate[0]) || !apr_isdigit(slash[1])) {
        return "must be requests/window (e.g. 100/60s, 1000/1h) or "
               "unlimited";
    }
    errno = 0;
    limit = strtol(rate, &end, 10);
    if (end != slash || errno || limit < 1 || limit > MP_RATE_LIMIT_MAX) {
        return "the requests must be a whole number from 1 to 10000000";
    }
    window = strtol(slash + 1, &end, 10);
    if (errno || (end[0] != '\0' && end[1] != '\0')) {
        return "the window must be a whole number of s, m or h";
    }
    switch (*end) {
    case 's': case '\0': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    default:
        return "the window must be a whole number of s, m or h";
    }
    if (window < 1 || window > MP_RATE_WINDOW_MAX / unit) {
        return "the window must be from 1s to 86400s (24h)";
    }
    out->limit = limit;
    out->window_s = (int)window * unit;
    return NULL;
}

const char *mp_parse_rl_fallback(const char *text, int *mode)
{
    if (strcasecmp(text, "local") == 0) {
        *mode = MP_RL_FALLBACK_LOCAL;
    }
    else if (strcasecmp(text, "open") == 0) {
        *mode = MP_RL_FALLBACK_OPEN;
    }
    else if (strcasecmp(text, "closed") == 0) {
        *mode = MP_RL_FALLBACK_CLOSED;
    }
    else {
        return "must be local, open or closed";
    }
    return NULL;
}
