/* Bandwidth by tier through mod_ratelimit (docs/architecture.md,
 * "Bandwidth").  mod_ratelimit reads its rate from the request's
 * environment when its filter first sees the answer, so setting both
 * before the first byte is all it takes. */
#include "httpd.h"
#include "apr_strings.h"
#include "http_config.h"
#include "http_log.h"
#include "util_filter.h"

#include "mp_bandwidth.h"
#include "mp_config.h"
#include "mp_ctx.h"
#include "mp_log.h"

/* mod_ratelimit's filter and the variables it reads (its docs) */
#define RATE_LIMIT_FILTER "RATE_LIMIT"
#define RATE_LIMIT_ENV "rate-limit"
/* the tier of clients without a key, as the rate limits name it */
#define ANONYMOUS_TIER "anonymous"

static ap_filter_rec_t *rate_limit;

int mp_bandwidth_check_config(server_rec *s)
{
    rate_limit = ap_get_output_filter_handle(RATE_LIMIT_FILTER);
    for (; s; s = s->next) {
        const mp_srv_conf_t *sc = ap_get_module_config(s->module_config,
                                                       &marketpulse_module);

        if (sc->bandwidth && apr_hash_count(sc->bandwidth) > 0
            && rate_limit == NULL) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, s,
                         MPLOGNO(01701)
                         "MarketPulseTierBandwidth needs mod_ratelimit: add "
                         "LoadModule ratelimit_module");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

/* Whether the configuration put the filter on this answer already
 * (SetOutputFilter RATE_LIMIT): a second one would throttle twice. */
static int has_rate_limit(const request_rec *r)
{
    for (const ap_filter_t *f = r->output_filters; f; f = f->next) {
        if (f->frec == rate_limit) {
            return 1;
        }
    }
    return 0;
}

int mp_bandwidth_throttle(request_rec *r)
{
    const mp_srv_conf_t *sc = ap_get_module_config(r->server->module_config,
                                                   &marketpulse_module);
    const char *tier = mp_ctx(r)->tier;
    const mp_bandwidth_t *bw = mp_conf_bandwidth(sc, tier ? tier
                                                          : ANONYMOUS_TIER);

    if (bw == NULL || rate_limit == NULL) {
        return 0;
    }
    apr_table_setn(r->subprocess_env, RATE_LIMIT_ENV,
                   apr_itoa(r->pool, bw->kib_per_s));
    if (!has_rate_limit(r)) {
        ap_add_output_filter_handle(rate_limit, NULL, r, r->connection);
    }
    return bw->kib_per_s;
}
