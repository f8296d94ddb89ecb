/* Route table matching: method + path pattern -> handler.  Pure: it knows
 * nothing of httpd beyond the handler type, so the unit tests drive it. */
#ifndef MP_ROUTER_H
#define MP_ROUTER_H

#include "apr_pools.h"

typedef struct mp_req mp_req_t;
typedef int (*mp_handler_fn)(mp_req_t *req);

typedef struct {
    const char *method;        /* "GET" also answers HEAD */
    const char *pattern;       /* "/customers/{id}": {name} is one segment */
    mp_handler_fn fn;
    int cache;                 /* what the cache calls its answers, if
                                  it keeps them (mp_cache_endpoint_t) */
    int flags;                 /* MP_ROUTE_* */
} mp_route_t;

/* Routes' access: open ones (probes, the document, the docs page) answer
 * without a key and are not rate-limited, so load balancers keep working;
 * admin ones (the internals and admin actions) need the admin scope. */
#define MP_ROUTE_PUBLIC 0x1
#define MP_ROUTE_ADMIN  0x2

typedef enum {
    MP_ROUTE_FOUND,
    MP_ROUTE_NOT_FOUND,
    MP_ROUTE_BAD_METHOD        /* path known, method not: answer 405 */
} mp_route_result_t;

typedef struct {
    const mp_route_t *route;
    const char *param;         /* the {name} segment, or NULL */
    const char *allow;         /* for 405 and OPTIONS: "GET, HEAD" */
} mp_route_match_t;

/* Strips the mount prefix and an optional "/v1" from uri.  Returns the
 * path the routes are written against ("/dashboard"), or NULL when the uri
 * is not under base. */
const char *mp_route_path(apr_pool_t *p, const char *base, const char *uri);

/* routes ends with an entry whose pattern is NULL. */
mp_route_result_t mp_route_match(apr_pool_t *p, const mp_route_t *routes,
                                 const char *method, const char *path,
                                 mp_route_match_t *m);

#endif
