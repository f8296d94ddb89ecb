/* Route matching for mod_marketpulse: segment by segment, {name} matches
 * any one non-empty segment. */
#include <string.h>

#include "apr_strings.h"

#include "mp_router.h"

const char *mp_route_path(apr_pool_t *p, const char *base, const char *uri)
{
    size_t blen;
    const char *rest;
    size_t len;

    while (*base == '/' && base[1] == '/') {
        base++;
    }
    blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/') {
        blen--;
    }
    if (strncmp(uri, base, blen) != 0
        || (uri[blen] != '\0' && uri[blen] != '/')) {
        return NULL;
    }
    rest = uri + blen;
    if (strncmp(rest, "/v1", 3) == 0 && (rest[3] == '\0' || rest[3] == '/')) {
        rest += 3;
    }
    len = strlen(rest);
    /* "/dashboard/" is "/dashboard"; the root stays "/". */
    if (len > 1 && rest[len - 1] == '/') {
        return apr_pstrmemdup(p, rest, len - 1);
    }
    return len == 0 ? "/" : rest;
}

/* Matches one pattern; on success *param holds the {name} segment. */
static int pattern_matches(apr_pool_t *p, const char *pattern,
                           const char *path, const char **param)
{
    *param = NULL;
    while (*pattern && *path) {
        if (*pattern == '{') {
            const char *pend = strchr(pattern, '}');
            const char *send = strchr(path, '/');
            size_t slen = send ? (size_t)(send - path) : strlen(path);

            if (pend == NULL || slen == 0) {
                return 0;
            }
            *param = apr_pstrmemdup(p, path, slen);
            pattern = pend + 1;
            path += slen;
            continue;
        }
        if (*pattern != *path) {
            return 0;
        }
        pattern++;
        path++;
    }
    return *pattern == '\0' && *path == '\0';
}

static int method_matches(const char *route_method, const char *method)
{
    return strcmp(route_method, method) == 0
        || (strcmp(route_method, "GET") == 0 && strcmp(method, "HEAD") == 0);
}

static const char *add_allowed(apr_pool_t *p, const char *allow,
                               const char *method)
{
    const char *both = strcmp(method, "GET") == 0 ? "GET, HEAD" : method;

    return allow ? apr_pstrcat(p, allow, ", ", both, NULL) : both;
}

mp_route_result_t mp_route_match(apr_pool_t *p, const mp_route_t *routes,
                                 const char *method, const char *path,
                                 mp_route_match_t *m)
{
    const mp_route_t *rt;
    const char *param;
    int literal = 0;

    memset(m, 0, sizeof(*m));
    /* A path some pattern names literally ("/transactions/export") is
     * that route's alone: "{id}" patterns do not claim it too. */
    for (rt = routes; rt->pattern && !literal; rt++) {
        literal = strchr(rt->pattern, '{') == NULL
                  && strcmp(rt->pattern, path) == 0;
    }
    for (rt = routes; rt->pattern; rt++) {
        if ((literal && strchr(rt->pattern, '{'))
            || !pattern_matches(p, rt->pattern, path, &param)) {
            continue;
        }
        m->allow = add_allowed(p, m->allow, rt->method);
        if (m->route == NULL && method_matches(rt->method, method)) {
            m->route = rt;
            m->param = param;
        }
    }
    if (m->route) {
        return MP_ROUTE_FOUND;
    }
    return m->allow ? MP_ROUTE_BAD_METHOD : MP_ROUTE_NOT_FOUND;
}
