/* The docs page: which files it serves from MarketPulseDocs' directory,
 * the check of that directory, and the page's URLs under its prefix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apr_file_io.h"
#include "apr_strings.h"

#include "test_support.h"
#include "mp_docs.h"

static void test_file_maps_the_pages_assets_into_the_directory(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(mp_docs_file(p, "/srv/ui", "/docs/swagger-ui.css"),
                        "/srv/ui/swagger-ui.css");
    assert_string_equal(mp_docs_file(p, "/srv/ui",
                                     "/docs/swagger-ui-bundle.js"),
                        "/srv/ui/swagger-ui-bundle.js");
}

static void test_file_serves_nothing_else(void **state)
{
    apr_pool_t *p = *state;

    assert_null(mp_docs_file(p, "/srv/ui", "/docs"));
    assert_null(mp_docs_file(p, "/srv/ui", "/docs/"));
    assert_null(mp_docs_file(p, "/srv/ui", "/docs/package.json"));
    assert_null(mp_docs_file(p, "/srv/ui", "/docs/../swagger-ui.css"));
    assert_null(mp_docs_file(p, "/srv/ui", "/docs/x/swagger-ui.css"));
    assert_null(mp_docs_file(p, "/srv/ui", "/docsswagger-ui.css"));
    assert_null(mp_docs_file(p, "/srv/ui", "/dashboard"));
    /* the page is off: no directory */
    assert_null(mp_docs_file(p, NULL, "/docs/swagger-ui.css"));
}

static void touch(apr_pool_t *p, const char *dir, const char *name)
{
    FILE *f = fopen(apr_pstrcat(p, dir, "/", name, NULL), "w");

    assert_non_null(f);
    fclose(f);
}

static void test_check_dir_wants_the_bundle_and_its_css(void **state)
{
    apr_pool_t *p = *state;
    char dir[] = "/tmp/mp-test-docs-XXXXXX";
    const char *err;

    assert_non_null(mkdtemp(dir));
    err = mp_docs_check_dir(p, dir);
    assert_non_null(err);
    assert_non_null(strstr(err, "swagger-ui-dist"));
    touch(p, dir, "swagger-ui-bundle.js");
    err = mp_docs_check_dir(p, dir);
    assert_non_null(err);
    assert_non_null(strstr(err, "swagger-ui.css"));
    touch(p, dir, "swagger-ui.css");
    assert_null(mp_docs_check_dir(p, dir));
    assert_non_null(mp_docs_check_dir(p, "/nonexistent/swagger-ui-dist"));
    unlink(apr_pstrcat(p, dir, "/swagger-ui-bundle.js", NULL));
    unlink(apr_pstrcat(p, dir, "/swagger-ui.css", NULL));
    rmdir(dir);
}

static void test_page_names_everything_under_its_prefix(void **state)
{
    const char *page = mp_docs_page(*state, "/api/v1");

    assert_non_null(strstr(page, "data-url=\"/api/v1/openapi.json\""));
    assert_non_null(strstr(page, "href=\"/api/v1/docs/swagger-ui.css\""));
    assert_non_null(strstr(page,
                           "src=\"/api/v1/docs/swagger-ui-bundle.js\""));
}

static void test_page_escapes_the_prefix_in_attributes(void **state)
{
    const char *page = mp_docs_page(*state, "/a\"b<c>&'");

    assert_non_null(strstr(page, "data-url=\"/a&quot;b&lt;c&gt;&amp;&#39;"
                                 "/openapi.json\""));
    assert_null(strstr(page, "/a\"b"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_maps_the_pages_assets_into_the_directory),
        cmocka_unit_test(test_file_serves_nothing_else),
        cmocka_unit_test(test_check_dir_wants_the_bundle_and_its_css),
        cmocka_unit_test(test_page_names_everything_under_its_prefix),
        cmocka_unit_test(test_page_escapes_the_prefix_in_attributes),
    };

    return cmocka_run_group_tests_name("mp_docs", tests, pool_setup,
                                       pool_teardown);
}
