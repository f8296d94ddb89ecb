"""/api/docs: the browsable page (Swagger UI from npm's swagger-ui-dist,
MarketPulseDocs) renders in a real browser, lists every operation of the
OpenAPI document, and its "Try it out" reaches this host.  The browser
test saves screenshots under the run's artifacts/ (kept when a test
fails)."""
import base64
import hashlib
import json
import os
import re

import pytest
import requests

import browser
from conftest import ROOT, free_port

METHODS = ("get", "put", "post", "patch", "delete")

# Each operation Swagger UI rendered: method and path.  It writes a
# zero-width space after each "/" of a path it shows; data-path has none.
OPERATIONS_JS = """
return Array.from(document.querySelectorAll('.opblock')).map(function (op) {
    var path = op.querySelector('.opblock-summary-path');
    return [op.querySelector('.opblock-summary-method').textContent,
            path.getAttribute('data-path') ||
            path.textContent.replace(/\\u200b/g, '')];
});
"""


def documented_operations():
    with open(os.path.join(ROOT, "docs", "openapi.json")) as f:
        doc = json.load(f)
    return {(m.upper(), path) for path, ops in doc["paths"].items()
            for m in ops if m in METHODS}


@pytest.fixture(scope="module")
def chromium(stack):
    if not browser.available():
        pytest.fail("Chromium and chromedriver are needed (Debian's chromium "
                    "and chromium-driver: scripts/install-deps.sh)")
    b = browser.Browser(stack.artifact("chromedriver.log"), free_port())
    yield b
    b.quit()


def test_docs_page_lists_every_documented_operation(api, stack, chromium):
    chromium.open(api.base + "/api/docs")
    want = documented_operations()
    shown = chromium.wait_for("return document.querySelectorAll('.opblock')"
                              ".length >= arguments[0] && arguments[0];",
                              30.0, len(want))
    shot = chromium.screenshot(stack.artifact("docs-page.png"))
    assert shown, "the page rendered no operations in 30 s: " + shot
    listed = {(m, p) for m, p in chromium.run(OPERATIONS_JS)}
    assert listed == want, shot
    title = chromium.run("return document.querySelector('.info .title')"
                         ".textContent;")
    assert title.startswith("MarketPulse API"), shot


def test_try_it_out_reaches_this_host(api, stack, chromium):
    """GET /health, run from the page: the document's relative server
    (/api) resolves against the page's own host."""
    chromium.open(api.base + "/api/docs#/Operations/getHealth")
    assert chromium.wait_for("""
        var op = document.getElementById('operations-Operations-getHealth');
        if (!op) return false;
        if (!op.classList.contains('is-open'))
            op.querySelector('.opblock-summary-control').click();
        return !!op.querySelector('.try-out__btn');""")
    chromium.run("document.querySelector('#operations-Operations-getHealth "
                 ".try-out__btn').click();")
    chromium.wait_for("var b = document.querySelector("
                      "'#operations-Operations-getHealth .execute');"
                      "if (b) b.click(); return !!b;")
    status = chromium.wait_for("""
        var s = document.querySelector('#operations-Operations-getHealth '
            + '.live-responses-table tr.response .response-col_status');
        return s && s.textContent.trim();""")
    url = chromium.run("var u = document.querySelector("
                       "'#operations-Operations-getHealth .request-url pre');"
                       "return u && u.textContent;")
    shot = chromium.screenshot(stack.artifact("docs-page-try-it-out.png"))
    assert status == "200", (status, shot)
    assert url == api.base + "/api/health", (url, shot)


def test_page_allows_its_one_inline_script_by_hash(api):
    r = api.get("/api/docs")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "X-Request-ID" in r.headers
    script = re.search(r"<script>(.*?)</script>", r.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest())
    csp = r.headers["Content-Security-Policy"]
    assert "'sha256-%s'" % digest.decode() in csp, csp
    assert "default-src 'none'" in csp


@pytest.mark.parametrize("prefix", ["/api", "/api/v1"])
def test_page_names_the_document_under_its_own_prefix(api, prefix):
    page = api.get(prefix + "/docs/").text
    assert 'data-url="%s/openapi.json"' % prefix in page
    assert 'src="%s/docs/swagger-ui-bundle.js"' % prefix in page


# The assets are files Apache's core serves, not answers of the module:
# fetched without the fixture layer's checks of the module's answers.
def test_assets_are_served_from_the_installed_package(api):
    base = api.base + "/api/docs/"
    css = requests.get(base + "swagger-ui.css", timeout=10)
    assert css.status_code == 200
    assert css.headers["Content-Type"] == "text/css"
    with open(os.path.join(ROOT, "node_modules", "swagger-ui-dist",
                           "swagger-ui.css"), "rb") as f:
        assert css.content == f.read()
    again = requests.get(base + "swagger-ui.css", timeout=10,
                         headers={"If-None-Match": css.headers["ETag"]})
    assert again.status_code == 304
    js = requests.get(api.base + "/api/v1/docs/swagger-ui-bundle.js",
                      timeout=10)
    assert js.status_code == 200 and b"SwaggerUIBundle" in js.content


@pytest.mark.parametrize("name", ["package.json", "index.html", "README.md",
                                  "..%2fpackage.json", "swagger-initializer.js"])
def test_only_the_pages_assets_are_served(api, name):
    """The package directory holds more than the page loads; none of the
    rest is served, and a name is never a path (an encoded "/" is core's
    404 before the module sees it)."""
    r = requests.get(api.base + "/api/docs/" + name, timeout=10)
    assert r.status_code == 404
    assert b"swagger-ui-dist" not in r.content


def test_page_is_off_without_the_directive(stack):
    h = stack.httpd("nodocs", extra_conf="<Location /api>\n"
                    "    MarketPulseDocs Off\n</Location>\n").start()
    try:
        r = h.get("/api/docs")
        assert r.status_code == 404
        assert "MarketPulseDocs" in r.json()["error"]["message"]
        assert h.get("/api/docs/swagger-ui.css").status_code == 404
        assert h.get("/api/openapi.json").status_code == 200
    finally:
        h.stop()
