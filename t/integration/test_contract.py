"""The contract check itself (contract.py), on answers made up here: each
kind of drift is caught and named with its place in the document, and the
answers it must let through pass.  No stack: the real answers are checked
by every other test."""
import json

import pytest
from requests.structures import CaseInsensitiveDict

from contract import Contract, Drift

ID = {"X-Request-ID": "axDgbJFS3ufvfB7UaDYyzgAAAQI"}
JSON = dict(ID, **{"Content-Type": "application/json"})


@pytest.fixture(scope="module")
def contract():
    return Contract()


def error(code, status_text="x"):
    return json.dumps({"error": {
        "code": code, "message": status_text, "details": [],
        "request_id": ID["X-Request-ID"],
        "timestamp": "2026-12-03T03:22:20.200Z"}}).encode()


def drifts(contract, method, target, status, headers, body=b""):
    return contract.problems(method, target, status,
                             CaseInsensitiveDict(headers), body)


def test_a_documented_answer_passes(contract):
    assert drifts(contract, "GET", "/api/v1/customers/7", 404, JSON,
                  error("NOT_FOUND")) == []


def test_a_wrong_type_is_named_with_the_schema_location(contract):
    body = json.dumps({"data": {"status": "ok", "service": "x"}}).encode()
    [d] = drifts(contract, "GET", "/api/health", 200, JSON, body)
    assert d == ("body at $.data.service: 'marketpulse' was expected "
                 "(#/components/schemas/Health/properties/service/const)")


def test_an_error_code_must_be_its_responses_own(contract):
    [d] = drifts(contract, "GET", "/api/customers/7", 404, JSON,
                 error("VALIDATION_ERROR"))
    assert "$.error.code" in d
    assert "#/components/responses/NotFound/content/application~1json/" \
           "schema/properties/error/properties/code/const" in d


def test_an_undocumented_status_is_a_drift(contract):
    [d] = drifts(contract, "GET", "/api/health", 409, JSON,
                 error("CONFLICT"))
    assert d.startswith("status 409 is not documented "
                        "(#/paths/~1health/get/responses")


def test_headers_required_and_undocumented(contract):
    found = drifts(contract, "GET", "/api/ready", 503,
                   {"Content-Type": "application/json", "ETag": '"x"'},
                   error("SERVICE_UNAVAILABLE"))
    assert "header X-Request-ID is missing " \
           "(#/components/headers/X-Request-ID)" in found
    assert "header Retry-After is missing " \
           "(#/components/headers/Retry-After)" in found
    assert any(d.startswith("header ETag is sent but not documented")
               for d in found)


def test_allow_names_exactly_the_documented_methods(contract):
    assert drifts(contract, "OPTIONS", "/api/transactions", 204,
                  dict(ID, Allow="GET, HEAD, POST, OPTIONS")) == []
    [d] = drifts(contract, "DELETE", "/api/transactions", 405,
                 dict(JSON, Allow="GET, HEAD, OPTIONS"),
                 error("METHOD_NOT_ALLOWED"))
    assert d.startswith("header Allow: 'GET, HEAD, OPTIONS', the "
                        "document's methods are GET, HEAD, OPTIONS, POST")


def test_no_body_where_none_is_documented(contract):
    [d] = drifts(contract, "GET", "/api/dashboard", 304, ID, b"{}")
    assert d.startswith("a body of 2 bytes where none is documented "
                        "(#/components/responses/NotModified)")


def test_an_undocumented_media_type_is_a_drift(contract):
    [d] = drifts(contract, "GET", "/api/transactions/export", 200,
                 dict(ID, **{"Content-Type": "text/plain",
                             "Content-Disposition":
                             'attachment; filename="transactions.csv"'}),
                 b"id\r\n")
    assert d.startswith("Content-Type 'text/plain' is not documented")


def test_what_is_not_checked(contract):
    assert drifts(contract, "GET", "/metrics", 200, {}, b"# x") == []
    assert drifts(contract, "GET", "/api/health", 403,
                  {"Content-Type": "text/html; charset=iso-8859-1"},
                  b"<html>") == []
    assert contract.problems("HEAD", "/api/health", 200,
                             CaseInsensitiveDict(JSON), None) == []


def test_check_raises_with_the_request(contract):
    with pytest.raises(Drift, match=r"^GET /api/health\?x=1 -> 418 drifts"):
        contract.check_raw("GET", "/api/health?x=1", 418, JSON, b"")


def test_a_streamed_answer_has_its_headers_checked(contract):
    found = contract.problems(
        "GET", "/api/transactions/export", 200,
        CaseInsensitiveDict(dict(ID, **{"Content-Type": "text/plain"})), None)
    assert "header Content-Disposition is missing " \
           "(#/components/headers/Content-Disposition)" in found
    assert any(d.startswith("Content-Type 'text/plain' is not documented")
               for d in found)


APP = "http://localhost:3000"
ASK = {"Origin": APP, "Access-Control-Request-Method": "POST"}
EXPOSED = ("X-Request-ID, X-Cache, ETag, Location, Retry-After, Allow, "
           "Content-Disposition, Idempotent-Replayed, X-MarketPulse-Generation")
CORS = {"Access-Control-Allow-Origin": APP, "Vary": "Origin",
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Expose-Headers": EXPOSED}


def cors_drifts(contract, method, target, status, headers, sent, body=b""):
    return contract.problems(method, target, status,
                             CaseInsensitiveDict(headers), body,
                             CaseInsensitiveDict(sent))


def test_cors_answers_that_follow_the_rules_pass(contract):
    assert cors_drifts(contract, "GET", "/api/customers/7", 404,
                       dict(JSON, **CORS), {"Origin": APP},
                       error("NOT_FOUND")) == []
    star = dict(JSON, **CORS)
    star["Access-Control-Allow-Origin"] = "*"
    del star["Access-Control-Allow-Credentials"]
    assert cors_drifts(contract, "GET", "/api/customers/7", 404, star,
                       {"Origin": "https://else.example"},
                       error("NOT_FOUND")) == []
    preflight = dict(ID, Allow="GET, HEAD, POST, OPTIONS", Vary="Origin",
                     **{"Access-Control-Allow-Origin": APP,
                        "Access-Control-Allow-Methods": "GET, HEAD, POST",
                        "Access-Control-Allow-Headers": "Content-Type",
                        "Access-Control-Max-Age": "600"})
    assert cors_drifts(contract, "OPTIONS", "/api/transactions", 204,
                       preflight, ASK) == []


def test_cors_origin_is_the_requests_or_none(contract):
    [d] = cors_drifts(contract, "GET", "/api/customers/7", 404,
                      dict(JSON, **CORS), {"Origin": "http://evil.example"},
                      error("NOT_FOUND"))
    assert d.startswith("header Access-Control-Allow-Origin: "
                        "'http://localhost:3000' for Origin "
                        "'http://evil.example'")
    [d] = cors_drifts(contract, "GET", "/api/customers/7", 404,
                      dict(JSON, **CORS), {}, error("NOT_FOUND"))
    assert "for Origin None" in d


def test_cors_needs_vary_and_no_credentials_with_star(contract):
    headers = dict(JSON, **CORS)
    headers["Access-Control-Allow-Origin"] = "*"
    del headers["Vary"]
    found = cors_drifts(contract, "GET", "/api/customers/7", 404, headers,
                        {"Origin": APP}, error("NOT_FOUND"))
    assert any(d.startswith("header Vary: None does not name Origin")
               for d in found)
    assert any(d.startswith("header Access-Control-Allow-Credentials: "
                            "'true' with Access-Control-Allow-Origin '*'")
               for d in found)


def test_cors_exposes_every_header_of_the_api(contract):
    headers = dict(JSON, **CORS)
    headers["Access-Control-Expose-Headers"] = "ETag"
    [d] = cors_drifts(contract, "GET", "/api/customers/7", 404, headers,
                      {"Origin": APP}, error("NOT_FOUND"))
    assert d.startswith("header(s) X-Request-ID sent but not in "
                        "Access-Control-Expose-Headers")


def test_cors_fields_without_an_allowed_origin_are_drifts(contract):
    found = cors_drifts(contract, "OPTIONS", "/api/transactions", 204,
                        dict(ID, Allow="GET, HEAD, POST, OPTIONS",
                             **{"Access-Control-Allow-Methods": "GET"}),
                        ASK)
    assert found == ["header Access-Control-Allow-Methods without "
                     "Access-Control-Allow-Origin (info: Browsers: CORS)"]


def test_cors_preflight_names_the_methods_of_allow(contract):
    headers = dict(ID, Allow="GET, HEAD, POST, OPTIONS", Vary="Origin",
                   **{"Access-Control-Allow-Origin": APP,
                      "Access-Control-Allow-Methods": "GET, HEAD"})
    found = cors_drifts(contract, "OPTIONS", "/api/transactions", 204,
                        headers, ASK)
    assert any(d.startswith("header Access-Control-Allow-Methods: "
                            "'GET, HEAD', Allow names GET, HEAD, POST")
               for d in found)
    assert any(d.startswith("header Access-Control-Allow-Headers is "
                            "missing") for d in found)
    # and only a preflight has them
    found = cors_drifts(contract, "GET", "/api/customers/7", 404,
                        dict(JSON, **dict(CORS, **{
                            "Access-Control-Max-Age": "600"})),
                        {"Origin": APP}, error("NOT_FOUND"))
    assert found == ["header Access-Control-Max-Age on an answer to no "
                     "preflight (info: Browsers: CORS)"]
