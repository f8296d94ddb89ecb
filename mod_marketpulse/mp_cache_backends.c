/* The cache backends there are: the providers of MP_CACHE_PROVIDER_GROUP
 * (registered by the module's glue), found once per configuration cycle,
 * their lifecycle hooks run in turn, and which one serves a server in
 * each scope. */
#include "httpd.h"
#include "ap_provider.h"

#include "mp_cache_backend.h"

#define MAX_BACKENDS 4

static const mp_cache_backend_t *backends[MAX_BACKENDS];
static int nbackends;

void mp_cache_backends_pre_config(apr_pool_t *pconf)
{
    apr_array_header_t *names = ap_list_provider_names(pconf,
        MP_CACHE_PROVIDER_GROUP, MP_CACHE_PROVIDER_VERSION);
    ap_list_provider_names_t *n = (ap_list_provider_names_t *)names->elts;

    nbackends = 0;
    for (int i = 0; i < names->nelts && nbackends < MAX_BACKENDS; i++) {
        const mp_cache_backend_t *be = ap_lookup_provider(
            MP_CACHE_PROVIDER_GROUP, n[i].provider_name,
            MP_CACHE_PROVIDER_VERSION);

        if (be) {
            backends[nbackends++] = be;
            if (be->pre_config) {
                be->pre_config(pconf);
            }
        }
    }
}

int mp_cache_backends_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                                  server_rec *s)
{
    for (int i = 0; i < nbackends; i++) {
        int status = backends[i]->post_config
                     ? backends[i]->post_config(pconf, ptemp, s) : OK;

        if (status != OK) {
            return status;
        }
    }
    return OK;
}

void mp_cache_backends_child_init(apr_pool_t *p, server_rec *s)
{
    for (int i = 0; i < nbackends; i++) {
        if (backends[i]->child_init) {
            backends[i]->child_init(p, s);
        }
    }
}

const mp_cache_backend_t *mp_cache_backend(server_rec *s,
                                           mp_cache_scope_t scope)
{
    for (int i = 0; i < nbackends; i++) {
        if (backends[i]->scope == scope && backends[i]->available(s)) {
            return backends[i];
        }
    }
    return NULL;
}
