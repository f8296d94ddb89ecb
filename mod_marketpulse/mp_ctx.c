/* The per-request record in request_config, and the request id it
 * holds: every log line of the module names it (mp_log.h). */
#include <string.h>

#include "httpd.h"
#include "apr_lib.h"
#include "apr_strings.h"
#include "http_config.h"

#include "mp_config.h"
#include "mp_ctx.h"
#include "mp_hex.h"
#include "mp_log.h"

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

#define MAX_CLIENT_ID_LEN 128

/* A client's id is echoed in headers and logs, so only a short token of
 * safe characters is taken as it is. */
static int client_id_sane(const char *id)
{
    size_t len = strlen(id);

    if (len == 0 || len > MAX_CLIENT_ID_LEN) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (!apr_isalnum(id[i]) && !strchr("-_.:@+=", id[i])) {
            return 0;
        }
    }
    return 1;
}

static const char *new_request_id(request_rec *r)
{
    const char *unique = apr_table_get(r->subprocess_env, "UNIQUE_ID");
    const char *random;

    if (unique && client_id_sane(unique)) {
        return unique;
    }
    random = mp_hex_random(r->pool, 16);
    return random ? random : apr_psprintf(r->pool, "%" APR_TIME_T_FMT "-%lx",
                                          r->request_time,
                                          (unsigned long)r->connection->id);
}

const char *mp_request_id(request_rec *r)
{
    mp_ctx_t *ctx = mp_ctx(r);
    const char *client;

    if (ctx->request_id) {
        return ctx->request_id;
    }
    client = apr_table_get(r->headers_in, "X-Request-ID");
    ctx->request_id = client && client_id_sane(client) ? client
                                                       : new_request_id(r);
    /* ErrorLogFormat can show it as %{MP_REQUEST_ID}e */
    apr_table_setn(r->subprocess_env, "MP_REQUEST_ID", ctx->request_id);
    return ctx->request_id;
}
