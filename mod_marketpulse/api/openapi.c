/* /api/openapi.json: the OpenAPI 3.1 document of this API.  The text is
 * docs/openapi.json, compiled into the module (mp_openapi_doc.c is made
 * from it by the Makefile) so a deployment cannot lose it. */
#include <string.h>

#include "http_protocol.h"

#include "api.h"

extern const char mp_openapi_doc[];

int mp_api_openapi(mp_req_t *req)
{
    request_rec *r = req->r;
    size_t len = strlen(mp_openapi_doc);

    ap_set_content_type(r, "application/json");
    ap_set_content_length(r, (apr_off_t)len);
    apr_table_setn(r->headers_out, "Cache-Control", "public, max-age=300");
    ap_rwrite(mp_openapi_doc, (int)len, r);
    return OK;
}
