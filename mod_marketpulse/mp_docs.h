/* The browsable docs page of the API (MarketPulseDocs): Swagger UI, from
 * the directory where npm's swagger-ui-dist was installed.  The module
 * writes the page itself, so that it names the document and the assets
 * under whichever prefix the request came in by (/api, /api/v1, another
 * mount); Apache's core serves the few asset files the page loads.  APR
 * only, so that the unit tests pin it without httpd. */
#ifndef MP_DOCS_H
#define MP_DOCS_H

#include "apr_pools.h"

/* The route path of the page ("/api/docs" is its mount + this). */
#define MP_DOCS_PATH "/docs"

/* NULL when dir holds what the page loads, else what is wrong with it
 * (for MarketPulseDocs' configtest message). */
const char *mp_docs_check_dir(apr_pool_t *p, const char *dir);

/* The file of dir that the route path names ("/docs/swagger-ui.css"),
 * or NULL when it names none of the page's assets: only those are
 * served, never whatever else the package directory holds. */
const char *mp_docs_file(apr_pool_t *p, const char *dir, const char *path);

/* The page, for a request that came in under prefix ("/api/v1"). */
const char *mp_docs_page(apr_pool_t *p, const char *prefix);

/* The Content-Security-Policy of the page: its one inline script by
 * hash, everything else from this origin. */
extern const char mp_docs_csp[];

#endif
