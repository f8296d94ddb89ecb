/* Which origin a CORS answer names (mp_cors_match.h). */
#include <string.h>
#include <strings.h>

#include "mp_cors_match.h"

int mp_cors_enabled(const mp_cors_origins_t *o)
{
    return o != NULL && (o->mode == MP_CORS_ANY || o->mode == MP_CORS_LIST);
}

const char *mp_cors_allow_origin(const mp_cors_origins_t *o,
                                 const char *origin)
{
    if (!mp_cors_enabled(o) || origin == NULL) {
        return NULL;
    }
    if (o->mode == MP_CORS_ANY) {
        return "*";
    }
    for (int i = 0; i < o->origins->nelts; i++) {
        if (strcasecmp(APR_ARRAY_IDX(o->origins, i, const char *),
                       origin) == 0) {
            /* the request's own bytes: browsers compare them exactly */
            return origin;
        }
    }
    return NULL;
}

int mp_cors_credentials(const mp_cors_origins_t *o)
{
    return o != NULL && o->mode == MP_CORS_LIST;
}
