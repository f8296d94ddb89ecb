"""Every error status the read endpoints give, in the error envelope."""
import http.client
import json

import pytest

from conftest import CONTRACT


def error(resp, status, code):
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"] == "application/json"
    body = resp.json()["error"]
    assert body["code"] == code
    assert body["request_id"] == resp.headers["X-Request-ID"]
    assert body["timestamp"].endswith("Z")
    return body


def test_unknown_path_is_404(api):
    error(api.get("/api/nope"), 404, "NOT_FOUND")
    error(api.get("/api/v1/customers/1/orders"), 404, "NOT_FOUND")


def test_wrong_method_is_405_with_allow(api):
    r = api.request("DELETE", "/api/customers")
    error(r, 405, "METHOD_NOT_ALLOWED")
    assert r.headers["Allow"] == "GET, HEAD, OPTIONS"
    r = api.request("POST", "/api/dashboard", json={})
    error(r, 405, "METHOD_NOT_ALLOWED")


def test_options_lists_methods(api):
    r = api.request("OPTIONS", "/api/customers")
    assert r.status_code == 204
    assert r.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_unknown_ids_are_404(api):
    error(api.get("/api/customers/999999999"), 404, "NOT_FOUND")
    error(api.get("/api/products/999999999"), 404, "NOT_FOUND")


@pytest.mark.parametrize("path", ["/api/customers/abc", "/api/products/0",
                                  "/api/customers/99999999999999999999",
                                  "/api/products/-1"])
def test_malformed_ids_are_422(api, path):
    body = error(api.get(path), 422, "VALIDATION_ERROR")
    assert body["details"] == [{"field": "id",
                                "issue": "must be a positive integer id"}]


def test_every_bad_field_is_listed(api):
    body = error(api.get("/api/customers?limit=0&offset=-4&sort=price"
                         "&order=up&segment=huge&country=DEU"),
                 422, "VALIDATION_ERROR")
    fields = sorted(d["field"] for d in body["details"])
    assert fields == ["country", "limit", "offset", "order", "segment", "sort"]
    issues = {d["field"]: d["issue"] for d in body["details"]}
    assert issues["limit"] == "must be between 1 and 100"


def test_revenue_validation(api):
    body = error(api.get("/api/revenue?from=2025-02-30&to=yesterday"
                         "&granularity=year&limit=5000"), 422, "VALIDATION_ERROR")
    assert sorted(d["field"] for d in body["details"]) == \
        ["from", "granularity", "limit", "to"]


def test_window_with_from_after_to_is_422(api):
    body = error(api.get("/api/dashboard?from=2025-05-02&to=2025-05-01"),
                 422, "VALIDATION_ERROR")
    assert body["details"] == [{"field": "from", "issue": "must not be after to"}]


def test_transactions_validation(api):
    body = error(api.get("/api/transactions?status=lost&customer_id=x"
                         "&product_id=0&offset=5&limit=101"),
                 422, "VALIDATION_ERROR")
    assert sorted(d["field"] for d in body["details"]) == \
        ["customer_id", "limit", "offset", "product_id", "status"]
    error(api.get("/api/transactions?order=asc"), 422, "VALIDATION_ERROR")


def test_repeated_parameter_is_422(api):
    error(api.get("/api/products?limit=5&limit=6"), 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("cursor", ["garbage", "eyJhIjoxfQ", "%FF%FE",
                                    "eyJpIjoiMSIsImsiOiJ4IiwibyI6ImRlc2MiLCJzIjoibGlmZXRpbWVfdmFsdWUifQ"])
def test_bad_cursor_is_400(api, cursor):
    # the last one is well formed but its key is not a number
    r = api.get("/api/customers?cursor=" + cursor)
    error(r, 400, "BAD_REQUEST")


def test_cursor_of_another_sort_is_400(api):
    first = api.get("/api/customers?limit=2&sort=name").json()
    cursor = first["pagination"]["next_cursor"]
    body = error(api.get("/api/customers?limit=2&sort=total_orders&cursor=" + cursor),
                 400, "BAD_REQUEST")
    assert body["details"][0]["field"] == "cursor"
    assert "sort=name" in body["details"][0]["issue"]


def test_cursor_with_offset_is_422(api):
    cursor = api.get("/api/products?limit=2").json()["pagination"]["next_cursor"]
    error(api.get("/api/products?offset=4&cursor=" + cursor), 422,
          "VALIDATION_ERROR")


def raw_get(api, target):
    """A request line sent as it is: requests would re-quote a bad escape.
    Held to the document like the fixture's requests."""
    conn = http.client.HTTPConnection("127.0.0.1", api.port, timeout=10)
    try:
        conn.request("GET", target)
        resp = conn.getresponse()
        body = resp.read()
        CONTRACT.check_raw("GET", target, resp.status, resp.headers, body)
        return resp.status, json.loads(body)
    finally:
        conn.close()


def test_malformed_query_string_is_400(api):
    for target in ("/api/products?category=%ZZ", "/api/products?category=%C3%28",
                   "/api/products?category=a%00b"):
        status, body = raw_get(api, target)
        assert status == 400, body
        assert body["error"]["code"] == "BAD_REQUEST"


def test_hostile_text_is_answered_not_crashed(api):
    for q in ["category=" + "x" * 5000, "category=%27%3B%20DROP%20TABLE%20products%3B--",
              "category=%E2%80%AE%F0%9F%98%80"]:
        r = api.get("/api/products?" + q)
        assert r.status_code in (200, 422), r.text
    assert api.get("/api/products?limit=1").status_code == 200


def test_empty_or_oversized_cursor_is_400(api):
    error(api.get("/api/customers?cursor="), 400, "BAD_REQUEST")
    error(api.get("/api/transactions?cursor=" + "A" * 2000), 400, "BAD_REQUEST")


def test_malformed_query_string_is_400_on_detail_endpoints(api):
    for target in ("/api/customers/5?x=%ZZ", "/api/products/5?y=%C3",
                   "/api/health?z=%00"):
        status, body = raw_get(api, target)
        assert status == 400, (target, body)


def test_dates_before_1900_are_422(api):
    body = error(api.get("/api/dashboard?from=0001-01-01&to=0001-01-02"),
                 422, "VALIDATION_ERROR")
    assert sorted(d["field"] for d in body["details"]) == ["from", "to"]


def test_transactions_offer_only_newest_first(api):
    body = error(api.get("/api/transactions?order=asc"), 422, "VALIDATION_ERROR")
    assert body["details"] == [{"field": "order", "issue": "must be one of: desc"}]


def test_text_limits_count_characters(api):
    assert api.get("/api/products?category=" + "é" * 100).status_code == 200
    body = error(api.get("/api/products?category=" + "é" * 101), 422,
                 "VALIDATION_ERROR")
    assert body["details"][0]["field"] == "category"
