/* mod_marketpulse: a sales-analytics REST API served by httpd from
 * PostgreSQL through mod_dbd.  This file is glue: the module record, the
 * hooks and the directive table; the logic lives in the mp_*.c files. */
#include "httpd.h"
#include "ap_provider.h"
#include "http_config.h"
#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"

#include "mp_access.h"
#include "mp_bandwidth.h"
#include "mp_cache.h"
#include "mp_cache_backend.h"
#include "mp_config.h"
#include "mp_db.h"
#include "mp_handler.h"
#include "mp_metrics.h"
#include "mp_profile.h"
#include "mp_ratelimit.h"
#include "mp_redis.h"
#include "mp_stats.h"
#include "api/api.h"
#include "queries/queries.h"

static int mp_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                         apr_pool_t *ptemp)
{
    (void)plog;
    (void)ptemp;
    mp_cache_pre_config(pconf);
    return OK;
}

static int mp_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp, server_rec *s)
{
    int rv = mp_stats_post_config(pconf, s);

    (void)plog;
    if (rv == OK) {
        rv = mp_metrics_post_config(pconf, s, mp_api_routes, MP_STMT_COUNT);
    }
    if (rv == OK) {
        rv = mp_profile_post_config(pconf, s, MP_STMT_COUNT);
    }
    if (rv == OK) {
        rv = mp_db_post_config(pconf, s);
    }
    if (rv == OK) {
        rv = mp_access_post_config(pconf, s);
    }
    if (rv == OK) {
        rv = mp_ratelimit_post_config(pconf, s);
    }
    return rv != OK ? rv : mp_cache_post_config(pconf, ptemp, s);
}

static int mp_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    return mp_bandwidth_check_config(s);
}

static void mp_child_init(apr_pool_t *p, server_rec *s)
{
    mp_db_child_init(p, s);
    mp_redis_child_init(p, s);
    mp_cache_child_init(p, s);
    mp_access_child_init(p, s);
    mp_ratelimit_child_init(p, s);
}

static void mp_register_hooks(apr_pool_t *p)
{
    static const char *const after_dbd[] = {"mod_dbd.c", NULL};

    ap_register_provider(p, MP_CACHE_PROVIDER_GROUP, "redis",
                         MP_CACHE_PROVIDER_VERSION, &mp_cache_redis);
    ap_register_provider(p, MP_CACHE_PROVIDER_GROUP, "shm",
                         MP_CACHE_PROVIDER_VERSION, &mp_cache_shm);
    ap_register_output_filter(MP_CACHE_SAVE_FILTER, mp_cache_save_filter,
                              NULL, AP_FTYPE_RESOURCE);
    ap_hook_pre_config(mp_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(mp_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(mp_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(mp_child_init, after_dbd, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(mp_translate_name, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_map_to_storage(mp_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(mp_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(mp_metrics_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(mp_metrics_log_transaction, NULL, NULL,
                            APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(marketpulse) = {
    STANDARD20_MODULE_STUFF,
    mp_create_dir_conf,
    mp_merge_dir_conf,
    mp_create_srv_conf,
    mp_merge_srv_conf,
    mp_directives,
    mp_register_hooks,
    AP_MODULE_FLAG_NONE
};
