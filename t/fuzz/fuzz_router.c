/* The request line's method and path against the API's real route table
 * (api/routes.c; its handlers are stubs made from api/api.h at build
 * time): mp_route_path under the mount points "/api" and "/", then
 * mp_route_match.  The answer (route, 404 or 405, the {id} segment) is
 * checked against a matcher written independently, segment by segment. */
#include <string.h>

#include "apr_strings.h"

#include "fuzz_support.h"
#include "mp_router.h"

extern const mp_route_t mp_api_routes[];

/* Segment i of path (after its leading '/'), as [*s, *s + *n) */
static int segment(const char *path, int i, const char **s, size_t *n)
{
    if (*path != '/') return 0;
    path++;
    for (; i > 0; i--) {
        path = strchr(path, '/');
        if (path == NULL) return 0;
        path++;
    }
    *s = path;
    *n = strcspn(path, "/");
    return 1;
}

static int segments(const char *path)
{
    int n = 1;

    for (const char *c = path + 1; *c; c++) n += *c == '/';
    return n;
}

static int reference_match(const char *pattern, const char *path,
                           const char **param, apr_pool_t *p)
{
    int count = segments(pattern);

    *param = NULL;
    if (*path != '/' || segments(path) != count) return 0;
    for (int i = 0; i < count; i++) {
        const char *ps, *ts;
        size_t pn, tn;

        segment(pattern, i, &ps, &pn);
        segment(path, i, &ts, &tn);
        if (*ps == '{') {
            if (tn == 0) return 0;
            *param = apr_pstrmemdup(p, ts, tn);
        }
        else if (pn != tn || strncmp(ps, ts, pn) != 0) {
            return 0;
        }
    }
    return 1;
}

static void check_match(apr_pool_t *p, const char *method, const char *path)
{
    const mp_route_t *expect = NULL, *rt;
    const char *expect_param = NULL, *param;
    int any = 0, literal = 0;
    mp_route_match_t m;
    mp_route_result_t res = mp_route_match(p, mp_api_routes, method, path,
                                           &m);

    for (rt = mp_api_routes; rt->pattern; rt++) {
        literal |= !strchr(rt->pattern, '{') && strcmp(rt->pattern, path) == 0;
    }
    for (rt = mp_api_routes; rt->pattern; rt++) {
        if ((literal && strchr(rt->pattern, '{'))
            || !reference_match(rt->pattern, path, &param, p)) {
            continue;
        }
        any = 1;
        FUZZ_CHECK(m.allow && strstr(m.allow, rt->method));
        if (expect == NULL && (strcmp(rt->method, method) == 0
                               || (strcmp(rt->method, "GET") == 0
                                   && strcmp(method, "HEAD") == 0))) {
            expect = rt;
            expect_param = param;
        }
    }
    if (expect) {
        FUZZ_CHECK(res == MP_ROUTE_FOUND && m.route == expect);
        FUZZ_CHECK((m.param == NULL) == (expect_param == NULL));
        FUZZ_CHECK(m.param == NULL || strcmp(m.param, expect_param) == 0);
    }
    else {
        FUZZ_CHECK(m.route == NULL);
        FUZZ_CHECK(res == (any ? MP_ROUTE_BAD_METHOD : MP_ROUTE_NOT_FOUND));
        FUZZ_CHECK(any == (m.allow != NULL));
    }
}

static void check_path(apr_pool_t *p, const char *base, const char *method,
                       const char *uri)
{
    const char *path = mp_route_path(p, base, uri);
    size_t blen = strlen(base) - (base[strlen(base) - 1] == '/');

    if (path == NULL) {
        FUZZ_CHECK(strncmp(uri, base, blen) != 0
                   || (uri[blen] != '\0' && uri[blen] != '/'));
        return;
    }
    /* a part of the uri after the mount point, or "/" */
    FUZZ_CHECK(strncmp(uri, base, blen) == 0);
    FUZZ_CHECK(strcmp(path, "/") == 0
               || strncmp(path, uri + blen, strlen(path)) == 0
               || strncmp(path, uri + blen + 3, strlen(path)) == 0);
    if (uri[0] == '/') {
        FUZZ_CHECK(path[0] == '/');
    }
    check_match(p, method, path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *input = fuzz_cstring(data, size);
    char *nl = strchr(input, '\n');
    const char *method = "GET", *uri = input;
    apr_pool_t *p = fuzz_pool_open();

    if (nl) {
        *nl = '\0';
        method = input;
        uri = nl + 1;
    }
    check_path(p, "/api", method, uri);
    check_path(p, "/", method, uri);
    fuzz_pool_close(p);
    free(input);
    return 0;
}
