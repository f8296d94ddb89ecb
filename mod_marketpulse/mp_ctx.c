/* The per-request record in request_config. */
#include "httpd.h"
#include "http_config.h"

#include "mp_config.h"
#include "mp_ctx.h"

mp_ctx_t *mp_ctx(request_rec *r)
{
    mp_ctx_t *ctx = ap_get_module_config(r->request_config,
                                         &marketpulse_module);

    if (ctx == NULL) {
        ctx = apr_pcalloc(r->pool, sizeof(*ctx));
        ctx->r = r;
        ap_set_module_config(r->request_config, &marketpulse_module, ctx);
    }
    return ctx;
}
