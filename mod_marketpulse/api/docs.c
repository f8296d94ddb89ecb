/* /api/docs: the browsable page of the OpenAPI document (Swagger UI),
 * where MarketPulseDocs names swagger-ui-dist's directory.  Its assets
 * (/api/docs/swagger-ui.css, ...) are files, which Apache's core serves
 * (mp_handler.c hands them over). */
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "mp_docs.h"

#include "api.h"

/* The prefix the client came in by: "/api/v1" of "/api/v1/docs/".  The
 * router took the uri as that prefix, "/docs" and at most one "/". */
static const char *request_prefix(request_rec *r)
{
    size_t len = strlen(r->uri);

    if (len > 0 && r->uri[len - 1] == '/') {
        len--;
    }
    return apr_pstrmemdup(r->pool, r->uri, len - strlen(MP_DOCS_PATH));
}

int mp_api_docs(mp_req_t *req)
{
    request_rec *r = req->r;
    const char *page;
    size_t len;

    if (!mp_conf_docs(req->conf)) {
        return mp_respond_error(r, HTTP_NOT_FOUND, "The docs page is off "
                                "here (see the MarketPulseDocs directive); "
                                "the document is at openapi.json.", NULL);
    }
    page = mp_docs_page(r->pool, request_prefix(r));
    len = strlen(page);
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_set_content_length(r, (apr_off_t)len);
    apr_table_setn(r->headers_out, "Cache-Control", "public, max-age=300");
    apr_table_setn(r->headers_out, "Content-Security-Policy", mp_docs_csp);
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    ap_rwrite(page, (int)len, r);
    return OK;
}
