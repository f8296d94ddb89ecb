/* The docs page: which files of swagger-ui-dist it loads, the HTML that
 * loads them, and the check of MarketPulseDocs' directory. */
#include <string.h>

#include "apr_file_info.h"
#include "apr_strings.h"

#include "mp_docs.h"

/* The files the page loads (and the source maps a browser's developer
 * tools ask for), all at the top of the swagger-ui-dist package. */
static const char *const assets[] = {
    "swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png",
    "favicon-16x16.png", "swagger-ui.css.map", "swagger-ui-bundle.js.map",
    NULL
};

/* Without these two the page cannot render: configtest says so. */
static const char *const required[] = {
    "swagger-ui-bundle.js", "swagger-ui.css", NULL
};

const char *mp_docs_check_dir(apr_pool_t *p, const char *dir)
{
    apr_finfo_t fi;

    for (const char *const *f = required; *f; f++) {
        const char *path = apr_pstrcat(p, dir, "/", *f, NULL);

        if (apr_stat(&fi, path, APR_FINFO_TYPE, p) != APR_SUCCESS
            || fi.filetype != APR_REG) {
            return apr_pstrcat(p, "must be Off or the directory of npm's "
                               "swagger-ui-dist, with ", *f, " in it", NULL);
        }
    }
    return NULL;
}

const char *mp_docs_file(apr_pool_t *p, const char *dir, const char *path)
{
    size_t len = strlen(MP_DOCS_PATH);

    if (dir == NULL || strncmp(path, MP_DOCS_PATH "/", len + 1) != 0) {
        return NULL;
    }
    for (const char *const *f = assets; *f; f++) {
        if (strcmp(path + len + 1, *f) == 0) {
            return apr_pstrcat(p, dir, "/", *f, NULL);
        }
    }
    return NULL;
}

/* The page's only script.  It reads the document's URL from the page, so
 * that it is one constant text: the CSP allows it by its hash, and a
 * test checks the hash against the text. */
#define INIT_SCRIPT                                                         \
    "\nvar el = document.getElementById(\"swagger-ui\");\n"                   \
    "window.ui = SwaggerUIBundle({domNode: el, url: el.dataset.url, "       \
    "deepLinking: true,\n"                                                  \
    "                             validatorUrl: null});\n"

const char mp_docs_csp[] =
    "default-src 'none'; "
    "script-src 'self' 'sha256-7bnYqyZ+/co/ve4/jxhsAd5C3EhfU7r4DPN8uTwAPwY='; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self'";

/* The prefix is the <Location> of the configuration, not the client's
 * text; escaped all the same, since it lands in attributes. */
static const char *attr_escape(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) * 6 + 1);
    char *o = out;

    for (; *s; s++) {
        const char *rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;"
                        : *s == '>' ? "&gt;" : *s == '"' ? "&quot;"
                        : *s == '\'' ? "&#39;" : NULL;

        if (rep) {
            o = stpcpy(o, rep);
        }
        else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

const char *mp_docs_page(apr_pool_t *p, const char *prefix)
{
    const char *px = attr_escape(p, prefix);
    const char *assets_url = apr_pstrcat(p, px, MP_DOCS_PATH, NULL);

    return apr_pstrcat(p,
        "<!DOCTYPE html>\n"
        "<html lang=\"en\">\n"
        "<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">\n"
        "<title>MarketPulse API</title>\n"
        "<link rel=\"stylesheet\" href=\"", assets_url, "/swagger-ui.css\">\n"
        "<link rel=\"icon\" type=\"image/png\" sizes=\"32x32\" href=\"",
        assets_url, "/favicon-32x32.png\">\n"
        "</head>\n"
        "<body>\n"
        "<div id=\"swagger-ui\" data-url=\"", px, "/openapi.json\"></div>\n"
        "<script src=\"", assets_url, "/swagger-ui-bundle.js\"></script>\n"
        "<script>" INIT_SCRIPT "</script>\n"
        "</body>\n"
        "</html>\n", NULL);
}
