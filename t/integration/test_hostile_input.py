"""Random and hostile query strings and paths (a fixed seed, so a failure
repeats): every answer is a well-formed envelope with a status the
contract allows, and the children survive."""
import http.client
import json
import random

import pytest

from conftest import CONTRACT

PATHS = ["/api/dashboard", "/api/revenue", "/api/customers", "/api/products",
         "/api/transactions", "/api/customers/1", "/api/products/1",
         "/api/v1/customers"]
NAMES = ["from", "to", "limit", "offset", "cursor", "sort", "order", "segment",
         "country", "category", "status", "customer_id", "product_id",
         "granularity", "x"]
VALUES = ["", "0", "-1", "1", "20", "100", "101", "99999999999999999999",
          "2025-02-29", "2024-02-29", "2025-11-20", "0001-01-01", "9999-12-31",
          "asc", "desc", "name", "revenue", "lifetime_value", "last_purchase",
          "day", "week", "month", "completed", "DE", "de", "%00", "%ZZ", "%C3",
          "%E2%82%AC", "%F0%9F%98%80", "'%3B--", "%22%7D", "a" * 3000,
          "eyJzIjoibmFtZSIsIm8iOiJhc2MiLCJrIjoiJyIsImkiOiIxIn0",
          "eyJzIjoibGlmZXRpbWVfdmFsdWUiLCJvIjoiZGVzYyIsImsiOiIxZTk5OTkiLCJpIjoiMSJ9",
          "-Infinity", "NaN", "1.5", "+5", "%205", "5%20", "+"]
ALLOWED = {200, 400, 404, 405, 422}


def raw(api, target):
    """The target as it is (requests would re-quote it), the answer held
    to the document like the fixture's requests."""
    conn = http.client.HTTPConnection("127.0.0.1", api.port, timeout=15)
    try:
        conn.request("GET", target)
        resp = conn.getresponse()
        body = resp.read()
        CONTRACT.check_raw("GET", target, resp.status, resp.headers, body)
        return resp.status, body
    finally:
        conn.close()


def test_random_queries_get_clean_answers(api):
    rnd = random.Random(20251120)
    for _ in range(400):
        params = "&".join("%s=%s" % (rnd.choice(NAMES), rnd.choice(VALUES))
                          for _ in range(rnd.randint(0, 5)))
        target = rnd.choice(PATHS) + ("?" + params if params else "")
        status, body = raw(api, target)
        assert status in ALLOWED, (target, status, body[:300])
        doc = json.loads(body)
        assert ("data" in doc) if status == 200 else ("error" in doc), target
    assert api.get("/api/health").status_code == 200
    assert "exit signal" not in api.error_log()


@pytest.mark.parametrize("path", [
    "/api/customers/" + "9" * 400, "/api//customers", "/api/customers/1/",
    "/api/%E2%82%AC", "/api/v1/v1/dashboard",
    "/api/products/1?" + "&".join("a%d=1" % i for i in range(500))])
def test_odd_paths_are_answered(api, path):
    status, body = raw(api, path)
    assert status in ALLOWED, (path, status)
    json.loads(body)


@pytest.mark.parametrize("path,status", [("/api/products/%00", 404),
                                         ("/api/customers/1%2F2", 404)])
def test_paths_httpd_refuses_before_the_module(api, path, status):
    # core rejects an encoded NUL or slash in the path itself (see
    # AllowEncodedSlashes) with its own page; the module never sees them
    assert raw(api, path)[0] == status
