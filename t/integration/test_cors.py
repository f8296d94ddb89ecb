"""CORS (MarketPulseCORSOrigin) against the real stack: preflights from a
listed origin allowed and from others refused, every kind of answer (read,
write, error, cache hit, 304, export, httpd's own error) carrying the
headers, `*` without credentials, Off in a nested section, and configtest
refusing what no browser sends.  The stack's configuration
(conf/httpd.conf.in) lists http://localhost:3000, as `make run` does."""
import subprocess
import uuid

import pytest

from conftest import STACK, post_json

APP = "http://localhost:3000"
OTHER = "http://localhost:3001"
ALLOW_HEADERS = ("Authorization, X-API-Key, Content-Type, Idempotency-Key, "
                 "If-None-Match, X-Request-ID, X-MarketPulse-Generation")
EXPOSED = ["X-Request-ID", "X-Cache", "ETag", "Location", "Retry-After",
           "Allow", "Content-Disposition", "Idempotent-Replayed",
           "X-MarketPulse-Generation", "RateLimit", "RateLimit-Policy",
           "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
           "WWW-Authenticate"]


def unique(path):
    return "%s%sq=%s" % (path, "&" if "?" in path else "?", uuid.uuid4().hex)


def vary(r):
    return {v.strip().lower() for v in r.headers.get("Vary", "").split(",")}


def cors_fields(r):
    return sorted(n for n in r.headers if n.lower().startswith("access-control-"))


def allowed_for(r, origin=APP, credentials=True):
    """An answer (not a preflight's) that a page of origin may read."""
    assert r.headers["Access-Control-Allow-Origin"] == origin
    if credentials:
        assert r.headers["Access-Control-Allow-Credentials"] == "true"
    else:
        assert "Access-Control-Allow-Credentials" not in r.headers
    exposed = [h.strip() for h in
               r.headers["Access-Control-Expose-Headers"].split(",")]
    assert exposed == EXPOSED
    assert "origin" in vary(r)
    assert "Access-Control-Allow-Methods" not in r.headers


def preflight(h, path, method="POST", origin=APP, **kw):
    return h.request("OPTIONS", path, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-type,idempotency-key"},
        **kw)


def test_preflight_from_a_listed_origin_is_allowed(api):
    r = preflight(api, "/api/transactions")
    assert r.status_code == 204
    assert r.content == b""
    assert r.headers["Access-Control-Allow-Origin"] == APP
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    assert r.headers["Access-Control-Allow-Methods"] == "GET, HEAD, POST"
    assert r.headers["Access-Control-Allow-Headers"] == ALLOW_HEADERS
    assert r.headers["Access-Control-Max-Age"] == "600"
    assert "Access-Control-Expose-Headers" not in r.headers
    assert "origin" in vary(r)
    assert r.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert r.headers["X-Request-ID"]


@pytest.mark.parametrize("path,methods", [
    ("/api/dashboard", "GET, HEAD"),
    ("/api/v1/transactions/1", "GET, HEAD, PATCH"),
    ("/api/admin/cache/clear", "POST"),
    ("/api/openapi.json", "GET, HEAD"),
])
def test_preflight_names_the_paths_own_methods(api, path, methods):
    r = preflight(api, path, method="PATCH")
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Methods"] == methods


def test_preflight_from_an_unlisted_origin_is_a_plain_204(api):
    for origin in (OTHER, "null", "http://localhost:3000.evil.example"):
        r = preflight(api, "/api/transactions", origin=origin)
        assert r.status_code == 204
        assert cors_fields(r) == []
        assert r.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
        assert "origin" in vary(r)


def test_preflight_to_an_unknown_path_is_404(api):
    r = preflight(api, "/api/nope")
    assert r.status_code == 404
    assert "Access-Control-Allow-Methods" not in r.headers


def test_options_without_a_requested_method_is_no_preflight(api):
    r = api.request("OPTIONS", "/api/customers", headers={"Origin": APP})
    assert r.status_code == 204
    allowed_for(r)


def test_read_from_a_listed_origin_can_be_read(api):
    r = api.get(unique("/api/dashboard"), headers={"Origin": APP})
    assert r.status_code == 200
    assert r.headers["X-Cache"] == "MISS"
    allowed_for(r)


def test_origin_is_matched_exactly(api):
    for origin in (OTHER, "https://localhost:3000", "http://localhost",
                   "http://localhost:3000/", "null", ""):
        r = api.get("/api/health", headers={"Origin": origin})
        assert r.status_code == 200
        assert cors_fields(r) == [], origin
        assert "origin" in vary(r)


def test_vary_origin_without_an_origin(api):
    """Caches in front key on Origin even for answers to same-origin and
    non-browser clients, which carry no CORS fields."""
    r = api.get(unique("/api/customers?limit=2"),
                headers={"Accept-Encoding": "gzip"})
    assert cors_fields(r) == []
    assert {"origin", "accept-encoding"} <= vary(r)


def test_cache_hit_and_304_carry_the_headers(api):
    path = unique("/api/products?limit=2")
    first = api.get(path, headers={"Origin": APP})
    assert first.headers["X-Cache"] == "MISS"
    hit = api.get(path, headers={"Origin": APP})
    assert hit.headers["X-Cache"] == "HIT"
    allowed_for(hit)
    again = api.get(path, headers={"Origin": APP,
                                   "If-None-Match": hit.headers["ETag"]})
    assert again.status_code == 304
    allowed_for(again)
    # and a hit keeps nothing of another request's origin
    other = api.get(path, headers={"Origin": OTHER})
    assert other.headers["X-Cache"] == "HIT"
    assert cors_fields(other) == []


def test_a_miss_answered_304_carries_the_headers(api):
    path = unique("/api/revenue")
    etag = api.get(path).headers["ETag"]
    api.request("POST", "/api/admin/cache/clear")
    r = api.get(path, headers={"Origin": APP, "If-None-Match": etag})
    assert r.status_code == 304
    allowed_for(r)


@pytest.mark.parametrize("method,path,status", [
    ("GET", "/api/nope", 404),
    ("GET", "/api/customers?limit=0", 422),
    ("GET", "/api/customers?cursor=zzz", 400),
    ("DELETE", "/api/customers", 405),
])
def test_errors_carry_the_headers(api, method, path, status):
    r = api.request(method, path, headers={"Origin": APP})
    assert r.status_code == status
    assert r.json()["error"]["request_id"] == r.headers["X-Request-ID"]
    allowed_for(r)


def test_write_errors_carry_the_headers(api):
    r = api.request("POST", "/api/transactions", data=b"{}",
                    headers={"Origin": APP, "Content-Type": "text/plain"})
    assert r.status_code == 415
    allowed_for(r)


@pytest.mark.usefixtures("writes_undone")
def test_a_write_from_a_listed_origin_exposes_its_location(api):
    r = post_json(api, "/api/transactions",
                  {"customer_id": 1, "product_id": 2, "quantity": 1},
                  headers={"Origin": APP})
    assert r.status_code == 201, r.text
    allowed_for(r)
    assert r.headers["Location"].startswith("/api/transactions/")


def test_an_export_carries_the_headers(api):
    r = api.get("/api/transactions/export?format=csv&status=refunded",
                headers={"Origin": APP}, stream=True)
    assert r.status_code == 200
    allowed_for(r)
    r.close()


@pytest.fixture(scope="module")
def star(stack):
    """Every origin, without credentials; Off under /api/health; a
    section httpd itself refuses."""
    h = stack.httpd("cors-star", extra_conf="""
<Location /api>
    MarketPulseCORSOrigin *
</Location>
<Location /api/health>
    MarketPulseCORSOrigin Off
</Location>
<Location /api/products>
    Require all denied
</Location>
""").start()
    yield h
    h.stop()


def test_star_allows_every_origin_without_credentials(star):
    r = star.get(unique("/api/dashboard"), headers={"Origin": OTHER})
    assert r.status_code == 200
    allowed_for(r, origin="*", credentials=False)
    r = preflight(star, "/api/transactions", origin="https://any.example")
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers
    assert r.headers["Access-Control-Allow-Methods"] == "GET, HEAD, POST"


def test_star_names_no_origin_to_a_request_without_one(star):
    r = star.get("/api/dashboard")
    assert cors_fields(r) == []
    assert "origin" in vary(r)


def test_off_in_a_nested_section_turns_cors_off(star):
    r = star.get("/api/health", headers={"Origin": OTHER})
    assert r.status_code == 200
    assert cors_fields(r) == []
    assert "origin" not in vary(r)
    r = preflight(star, "/api/health/live", origin=OTHER)
    assert cors_fields(r) == []


def test_httpds_own_error_answer_carries_the_headers(star):
    """Set before any access check, so a page can read the refusal."""
    r = star.get("/api/products", headers={"Origin": OTHER})
    assert r.status_code == 403
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["X-Request-ID"]


def configtest(stack, name, extra):
    h = stack.httpd(name, extra_conf=extra)
    return subprocess.run(["sh", STACK, "httpd-configtest"], env=h.env(),
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("words,bad,why", [
    ("https://app.example.com/", "https://app.example.com/",
     "scheme://host[:port]"),
    ("app.example.com", "app.example.com", "scheme://host[:port]"),
    ("https://app.example.com https://x.example/path",
     "https://x.example/path", "scheme://host[:port]"),
    ("https://app.example.com *", "*", "* stands alone"),
    ("https://*.example.com", "https://*.example.com", "wildcards"),
    ("https://app.example.com:443", "https://app.example.com:443",
     "default port"),
    ("null", "null", "cannot be trusted"),
    ("Off *", "Off", "Off stands alone"),
])
def test_configtest_refuses_what_no_browser_sends(stack, words, bad, why):
    r = configtest(stack, "cors-bad", "<Location /api>\n"
                   "    MarketPulseCORSOrigin %s\n</Location>\n" % words)
    assert r.returncode != 0
    assert "MarketPulseCORSOrigin: invalid value '%s': " % bad in r.stderr, \
        r.stderr
    assert why in r.stderr


def test_configtest_accepts_a_list_over_several_lines(stack):
    r = configtest(stack, "cors-ok", "<Location /api>\n"
                   "    MarketPulseCORSOrigin https://app.example.com "
                   "http://127.0.0.1:8080\n"
                   "    MarketPulseCORSOrigin https://[::1]:8443\n"
                   "</Location>\n")
    assert r.returncode == 0, r.stderr
