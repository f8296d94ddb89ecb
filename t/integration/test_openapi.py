"""The OpenAPI document matches what the server serves, and passes
`redocly lint` (every answer the tests get is held to it: contract.py)."""
import json
import os
import re
import subprocess

from conftest import ROOT

REDOCLY = os.path.join(ROOT, "node_modules", ".bin", "redocly")


def routes_in_source():
    with open(os.path.join(ROOT, "mod_marketpulse", "api", "routes.c")) as f:
        return {(m.group(1).lower(), m.group(2))
                for m in re.finditer(r'\{"([A-Z]+)", "([^"]+)"', f.read())}


def test_document_is_served_and_valid(api):
    r = api.get("/api/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.1")
    with open(os.path.join(ROOT, "docs", "openapi.json")) as f:
        assert doc == json.load(f)


def test_document_lists_exactly_the_routes(api):
    doc = api.get("/api/openapi.json").json()
    documented = {(method, path) for path, ops in doc["paths"].items()
                  for method in ops if method in ("get", "post", "patch", "delete")}
    assert documented == routes_in_source()


def test_every_documented_get_answers(api):
    doc = api.get("/api/openapi.json").json()
    for path in (p for p, ops in doc["paths"].items() if "get" in ops):
        r = api.get("/api" + path.replace("{id}", "1"))
        assert r.status_code == 200, (path, r.text)


def test_documented_fields_are_what_the_server_sends(api):
    doc = api.get("/api/openapi.json").json()
    schemas = doc["components"]["schemas"]
    for path, schema in [("/customers", "CustomerSummary"),
                         ("/products", "ProductSummary"),
                         ("/transactions", "Transaction")]:
        row = api.get("/api" + path + "?limit=1").json()["data"][0]
        assert set(row) == set(schemas[schema]["properties"]), schema
        assert set(schemas[schema]["required"]) == set(row)
    dash = api.get("/api/dashboard").json()["data"]
    assert set(dash) == set(schemas["Dashboard"]["properties"])


def test_document_passes_redocly_lint():
    """redocly.yaml's rules (`recommended`), no error and no warning.
    Offline: no telemetry, no update check."""
    assert os.access(REDOCLY, os.X_OK), \
        "no %s: run scripts/install-deps.sh (make deps)" % REDOCLY
    env = dict(os.environ, REDOCLY_TELEMETRY="off",
               REDOCLY_SUPPRESS_UPDATE_NOTICE="true")
    run = subprocess.run([REDOCLY, "lint", "--format=json",
                          os.path.join("docs", "openapi.json")], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    try:
        report = json.loads(run.stdout)
    except ValueError:
        raise AssertionError("redocly lint gave no report:\n" + run.stderr)
    problems = ["%s %s: %s (%s)" % (p["severity"], p["ruleId"], p["message"],
                                    ", ".join(l.get("pointer", "")
                                              for l in p["location"]))
                for p in report["problems"]]
    assert problems == [] and run.returncode == 0, "\n".join(problems)
